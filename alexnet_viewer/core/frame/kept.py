"""A frame's kept activations on the host, and its statistics, made when first asked for.

``KeptActivations`` maps every layer name to its values: kept layers (conv, pool, fc) are
read-only views of the frame's one host buffer; ReLU layers are derived from their source
on first access (hooks.layer_tensor, the same kernel as the forward's ReLU, so the values
are bit for bit the forward's) and kept. ``LazyStats`` holds the statistics the engine
computed (the focus layers', or all when asked) and computes the rest from the kept
activations on the host, all at once, the first time one of them is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import torch

from alexnet_viewer.core.frame.hooks import BufferLayout, layer_tensor
from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.frame.result import LayerStats, frozen_array

ReluSpec = tuple[tuple[str, tuple[int, ...]], ...]  # ablated channels of derived layers


def relu_off_tensors(spec: ReluSpec, device: torch.device | str) -> dict[str, torch.Tensor]:
    return {name: torch.tensor(channels, device=device) for name, channels in spec}


class KeptActivations(Mapping):
    """Every layer's values (read-only numpy) from one frame's host buffer."""

    def __init__(self, buffer: np.ndarray, layout: BufferLayout, relu_spec: ReluSpec = ()) -> None:
        self._buffer = buffer  # never written: handed out read-only, read by torch on the CPU
        self.layout = layout
        self.relu_spec = relu_spec
        self._derived: dict[str, np.ndarray] = {}
        self._frozen = frozen_array(buffer)

    def tensor(self) -> torch.Tensor:
        """The buffer as a CPU tensor (shared memory): for host-side reductions, never written."""
        return torch.from_numpy(self._buffer)

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.layout.slots:
            return self.layout.view_array(self._frozen, name)
        values = self._derived.get(name)
        if values is None:
            if name not in self.layout.shapes:
                raise KeyError(name)
            off = relu_off_tensors(self.relu_spec, "cpu")
            values = self._derived[name] = frozen_array(layer_tensor(self.tensor(), self.layout, name, off).numpy())
        return values

    def __iter__(self) -> Iterator[str]:
        return iter(LAYER_NAMES)

    def __len__(self) -> int:
        return len(LAYER_NAMES)

    def __contains__(self, name: object) -> bool:
        return name in self.layout.shapes


class LazyStats(Mapping):
    """Every layer's LayerStats: ``known`` ones and those ``fresh()`` assembles from the
    frame's reductions (cheap: done when first read, off the frame's path), the rest by
    ``compute_all()`` (every layer, from the kept activations) when first read."""

    def __init__(
        self,
        known: dict[str, LayerStats],
        compute_all: Callable[[], dict[str, LayerStats]],
        fresh: Callable[[], dict[str, LayerStats]] | None = None,
    ) -> None:
        self._known = dict(known)
        self._fresh = fresh
        self._compute_all = compute_all
        self._lock = threading.Lock()

    def _assembled(self) -> dict[str, LayerStats]:
        if self._fresh is not None:
            with self._lock:
                if self._fresh is not None:
                    self._known = {**self._known, **self._fresh()}
                    self._fresh = None
        return self._known

    @property
    def known(self) -> dict[str, LayerStats]:
        return dict(self._assembled())

    def __getitem__(self, name: str) -> LayerStats:
        stats = self._assembled().get(name)
        if stats is None:
            if name not in LAYER_NAMES:
                raise KeyError(name)
            with self._lock:
                if name not in self._known:
                    computed = self._compute_all()
                    self._known = {**computed, **self._known}
            stats = self._known[name]
        return stats

    def __iter__(self) -> Iterator[str]:
        return iter(LAYER_NAMES)

    def __len__(self) -> int:
        return len(LAYER_NAMES)

    def __contains__(self, name: object) -> bool:
        return name in LAYER_NAMES
