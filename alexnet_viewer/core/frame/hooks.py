"""Forward hooks that capture AlexNet's kept layers, by canonical name, into one buffer.

Each frame gets one fresh flat buffer; every kept layer's output (conv, pool and fc:
``KEPT_LAYERS``) is copied into its own slice of it. The copy is what keeps conv and fc
outputs pre-ReLU (torchvision's ReLUs run in place and would overwrite a kept reference),
it lets statistics reduce several layers in one operation (see stats.py), and on an
accelerator it travels to the host in the engine's single packed copy (see transfer.py).
ReLU layers are not copied: ``layer_tensor`` derives them from their conv or fc output
(``clamp_min(0)``, the very kernel of ``torch.relu``, then any ablation's zeroed channels),
so the values are bit for bit those the forward computed. ``copy_`` of float32 has a
kernel on every device.

The hooks hold only a small state object, never the capture or the model, so the model
and its hooks form no reference cycle: an engine dropped or closed frees its model (and
its GPU memory) at once, without waiting for the cycle collector.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from alexnet_viewer.core.frame.layers import DERIVED_FROM, KEPT_LAYERS, LAYER_NAMES, MODULE_LOCATIONS


def layer_module(model: nn.Module, name: str) -> nn.Module:
    attr, index = MODULE_LOCATIONS[name]
    return getattr(model, attr)[index]


@dataclass(frozen=True)
class LayerSlot:
    offset: int
    shape: tuple[int, ...]  # without the batch dimension

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class BufferLayout:
    slots: dict[str, LayerSlot]  # the kept layers
    total: int
    shapes: dict[str, tuple[int, ...]] | None = None  # every layer's, derived ones too (default: the slots')

    def __post_init__(self) -> None:
        if self.shapes is None:
            object.__setattr__(self, "shapes", {name: slot.shape for name, slot in self.slots.items()})

    def view(self, buffer: torch.Tensor, name: str) -> torch.Tensor:
        slot = self.slots[name]
        return buffer[slot.offset : slot.offset + slot.size].view(slot.shape)

    def batch_views(self, buffer: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every kept layer's slice of ``buffer`` shaped as its output, batch of one included:
        made together before a forward, so each hook is one ``copy_``."""
        return {name: self.view(buffer, name).unsqueeze(0) for name in self.slots}

    def view_array(self, buffer: np.ndarray, name: str) -> np.ndarray:
        slot = self.slots[name]
        return buffer[slot.offset : slot.offset + slot.size].reshape(slot.shape)


class _HookState:
    """What the hooks read: the per-thread views of the buffer being filled and the layout
    (no model)."""

    def __init__(self) -> None:
        self.frame = threading.local()
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.layout: BufferLayout | None = None


class ActivationCapture:
    """Installs the hooks; ``run(batch)`` returns (logits, buffer) for one frame.

    The buffer being filled is per thread, so frames may run concurrently on one model
    (one thread per core on a CPU beats one frame spread over all cores). A forward of the
    same model outside ``run`` (another capture's, a bare one) passes the hooks untouched.
    """

    def __init__(self, model: nn.Module, input_shape: tuple[int, ...]) -> None:
        self._model = model
        self._state = state = _HookState()
        self._handles = [
            layer_module(model, name).register_forward_hook(_hook(state, name)) for name in KEPT_LAYERS
        ]
        device = next(model.parameters()).device
        with torch.inference_mode():
            model(torch.zeros(input_shape, device=device))
        offsets = [0]
        for name in KEPT_LAYERS:
            offsets.append(offsets[-1] + math.prod(state.shapes[name]))
        shapes = {name: state.shapes[DERIVED_FROM.get(name, name)] for name in LAYER_NAMES}
        self.layout = state.layout = BufferLayout(
            {name: LayerSlot(offsets[i], state.shapes[name]) for i, name in enumerate(KEPT_LAYERS)},
            offsets[-1],
            shapes,
        )

    def run(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward one (1, 3, H, W) batch; the buffer holds every kept layer's output (the
        hooks copy each into its view, made before the forward: in a hook, after a layer
        has swept the caches, every Python step costs several times as much)."""
        frame = self._state.frame
        buffer = batch.new_empty(self.layout.total)
        frame.views = self.layout.batch_views(buffer)
        try:
            return self._model(batch), buffer
        finally:
            frame.views = None

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._model = None


def layer_tensor(
    buffer: torch.Tensor, layout: BufferLayout, name: str, relu_off: dict[str, torch.Tensor] | None = None
) -> torch.Tensor:
    """One layer's values from a buffer: a view for a kept layer, a new tensor for a derived
    ReLU (its source clamped at 0, then the channels ``relu_off[name]`` zeroed, as the
    ablation hook does to the forward's own output)."""
    source = DERIVED_FROM.get(name)
    if source is None:
        return layout.view(buffer, name)
    values = layout.view(buffer, source).clamp_min(0)
    off = relu_off.get(name) if relu_off else None
    return values if off is None else values.index_fill_(0, off, 0.0)


def _hook(state: _HookState, name: str) -> Callable[[nn.Module, object, torch.Tensor], None]:
    def keep(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        views = getattr(state.frame, "views", None)
        if views is not None:
            views[name].copy_(output)
        elif state.layout is None:  # the layout-finding pass
            state.shapes[name] = tuple(output.shape[1:])

    return keep
