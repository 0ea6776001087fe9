"""Switching channels of conv / relu / pool layers off, with forward hooks.

The weights never change: a hook replaces a layer's output by a copy with the chosen
channels zeroed, so the captured map shows them off and every later layer sees that. The
hooks are installed once, ahead of every other hook of the module (``prepend=True``, so the
capture hooks of hooks.py copy the ablated output), and what is off is per thread and per
call (``with ablation.active(spec):``), so frames with different choices may run at once.
With nothing active a hook costs one attribute lookup and returns. The channel indices go
to the device once per spec (cached): built from a Python list every frame, they would be a
synchronous copy from pageable memory, a hidden host sync on CUDA.

A spec is a tuple of ``(layer, channels)`` pairs, e.g. ``(("conv5", (3, 7)), ("relu2", (0,)))``.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import torch
from torch import nn

from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS, check_layer_name

AblationSpec = tuple[tuple[str, tuple[int, ...]], ...]
CACHED_SPECS = 32  # index tensors kept per engine (a few kB each); the oldest goes first


@lru_cache(maxsize=1)
def layer_channels() -> dict[str, int]:
    """Channels of each spatial layer, from torchvision's AlexNet structure (no weights)."""
    from alexnet_viewer.core.inspect.architecture import architecture
    from alexnet_viewer.core.inspect.receptive_field import alexnet_structure

    rows = architecture(alexnet_structure()).layers
    return {row.name: row.output_shape[0] for row in rows if row.name in SPATIAL_LAYERS}


def check_ablations(spec: Iterable[tuple[str, Iterable[int]]]) -> AblationSpec:
    """The spec in canonical form (layers in network order, channels sorted, no repeats,
    layers with no channel left out); ValueError with a sentence for a bad one."""
    chosen: dict[str, set[int]] = {}
    for entry in spec:
        try:
            layer, channels = entry
        except (TypeError, ValueError):
            raise ValueError(f"an ablation is a (layer, channels) pair, not {entry!r}") from None
        check_layer_name(layer)
        if layer not in SPATIAL_LAYERS:
            raise ValueError(f"only conv, relu and pool layers can be ablated, not {layer}")
        count = layer_channels()[layer]
        for channel in channels:
            chosen.setdefault(layer, set()).add(_channel(layer, channel, count))
    return tuple((name, tuple(sorted(chosen[name]))) for name in SPATIAL_LAYERS if chosen.get(name))


def _channel(layer: str, value, count: int) -> int:
    try:
        index = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        index = None
    if index is None or not 0 <= index < count:
        raise ValueError(f"{layer} has channels 0…{count - 1}; {value!r} is not one of them")
    return index


def parse_ablation(text: str) -> tuple[str, tuple[int, ...]]:
    """``"conv5:3,7"`` → ``("conv5", (3, 7))``; ValueError with a sentence for a bad one."""
    layer, colon, listed = text.partition(":")
    try:
        channels = tuple(int(part) for part in listed.split(","))
    except ValueError:
        channels = None
    if not colon or channels is None:
        raise ValueError(f"expected LAYER:C1,C2,... such as conv5:3,7, not {text!r}")
    return check_ablations([(layer.strip(), channels)])[0]


class Ablation:
    """Zeroing hooks on every spatial layer of ``model``; ``active(spec)`` turns them on."""

    def __init__(self, model: nn.Module) -> None:
        self._local = threading.local()
        self._device = next(model.parameters()).device
        self._lock = threading.Lock()
        self._indices: dict[AblationSpec, dict[str, torch.Tensor]] = {}
        self._handles = [
            layer_module(model, name).register_forward_hook(self._hook(name), prepend=True) for name in SPATIAL_LAYERS
        ]

    def _hook(self, name: str):
        local = self._local

        def zero_channels(_module: nn.Module, _inputs: object, output: torch.Tensor) -> torch.Tensor | None:
            off = getattr(local, "off", None)
            if off is None:
                return None
            channels = off.get(name)
            if channels is None:
                return None
            # A new tensor: the layer's own output (also the previous layer's, for an in-place
            # ReLU) stays as computed, and autograd sees an ordinary operation.
            return output.index_fill(1, channels, 0.0)

        return zero_channels

    @contextmanager
    def active(self, spec: AblationSpec) -> Iterator[None]:
        """Within the block, forwards on this thread run with ``spec``'s channels off."""
        spec = check_ablations(spec)
        previous = getattr(self._local, "off", None)
        self._local.off = self._indices_for(spec) if spec else None
        try:
            yield
        finally:
            self._local.off = previous

    def indices(self, spec: AblationSpec) -> dict[str, torch.Tensor]:
        """Each ablated layer's channel indices on the device (what the engine zeroes in the
        ReLU layers it derives); cached, never to be written."""
        return self._indices_for(check_ablations(spec)) if spec else {}

    def _indices_for(self, spec: AblationSpec) -> dict[str, torch.Tensor]:
        """Each layer's channel indices on the device, made once per spec; never written."""
        with self._lock:
            cached = self._indices.pop(spec, None)
            if cached is None:
                cached = {name: torch.tensor(channels, device=self._device) for name, channels in spec}
            self._indices[spec] = cached  # most recently used last
            while len(self._indices) > CACHED_SPECS:
                del self._indices[next(iter(self._indices))]
            return cached

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
