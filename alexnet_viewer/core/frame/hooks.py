"""Forward hooks that capture every AlexNet layer, by canonical name, into one buffer.

Each frame gets one fresh flat buffer; every layer's output is copied into its own slice
of it. The copy is what keeps conv and fc outputs pre-ReLU (torchvision's ReLUs run in
place and would overwrite a kept reference), it lets statistics reduce several layers in
one operation (see stats.py), and on an accelerator it travels to the host in the engine's
single packed copy (see transfer.py). ``copy_`` of float32 has a kernel on every device.

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

from alexnet_viewer.core.frame.layers import LAYER_NAMES, MODULE_LOCATIONS


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
    slots: dict[str, LayerSlot]
    total: int

    def view(self, buffer: torch.Tensor, name: str) -> torch.Tensor:
        slot = self.slots[name]
        return buffer[slot.offset : slot.offset + slot.size].view(slot.shape)

    def view_array(self, buffer: np.ndarray, name: str) -> np.ndarray:
        slot = self.slots[name]
        return buffer[slot.offset : slot.offset + slot.size].reshape(slot.shape)


class _HookState:
    """What the hooks read: the per-thread buffer being filled and the layout (no model)."""

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
            layer_module(model, name).register_forward_hook(_hook(state, name)) for name in LAYER_NAMES
        ]
        device = next(model.parameters()).device
        with torch.inference_mode():
            model(torch.zeros(input_shape, device=device))
        offsets = [0]
        for name in LAYER_NAMES:
            offsets.append(offsets[-1] + math.prod(state.shapes[name]))
        self.layout = state.layout = BufferLayout(
            {name: LayerSlot(offsets[i], state.shapes[name]) for i, name in enumerate(LAYER_NAMES)},
            offsets[-1],
        )

    def run(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward one (1, 3, H, W) batch; the buffer holds every layer's output."""
        frame = self._state.frame
        buffer = frame.buffer = batch.new_empty(self.layout.total)
        try:
            return self._model(batch), buffer
        finally:
            frame.buffer = None

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._model = None


def _hook(state: _HookState, name: str) -> Callable[[nn.Module, object, torch.Tensor], None]:
    def keep(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        buffer = getattr(state.frame, "buffer", None)
        if buffer is not None:
            state.layout.view(buffer, name).copy_(output[0])
        elif state.layout is None:  # the layout-finding pass
            state.shapes[name] = tuple(output.shape[1:])

    return keep
