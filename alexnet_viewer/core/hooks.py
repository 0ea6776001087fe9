"""Forward hooks that capture every AlexNet layer, by canonical name, into one buffer.

Each frame gets one fresh flat buffer; every layer's output is copied into its own slice
of it. The copy is what keeps conv and fc outputs pre-ReLU (torchvision's ReLUs run in
place and would overwrite a kept reference), it lets statistics reduce several layers in
one operation (see stats.py), and it makes the copy to the host a single transfer.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from .layers import LAYER_NAMES, MODULE_LOCATIONS


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


class ActivationCapture:
    """Installs the hooks; ``run(batch)`` returns (logits, buffer) for one frame.

    The buffer being filled is per thread, so frames may run concurrently on one model
    (one thread per core on a CPU beats one frame spread over all cores).
    """

    def __init__(self, model: nn.Module, input_shape: tuple[int, ...]) -> None:
        self._model = model
        self._frame = threading.local()
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._handles = [
            layer_module(model, name).register_forward_hook(self._hook(name)) for name in LAYER_NAMES
        ]
        device = next(model.parameters()).device
        with torch.inference_mode():
            model(torch.zeros(input_shape, device=device))
        offsets = [0]
        for name in LAYER_NAMES:
            offsets.append(offsets[-1] + math.prod(self._shapes[name]))
        self.layout = BufferLayout(
            {name: LayerSlot(offsets[i], self._shapes[name]) for i, name in enumerate(LAYER_NAMES)},
            offsets[-1],
        )

    def _hook(self, name: str) -> Callable[[nn.Module, object, torch.Tensor], None]:
        def keep(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
            buffer = getattr(self._frame, "buffer", None)
            if buffer is None:  # the layout-finding pass
                self._shapes[name] = tuple(output.shape[1:])
            else:
                self.layout.view(buffer, name).copy_(output[0])

        return keep

    def run(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward one (1, 3, H, W) batch; the buffer holds every layer's output."""
        buffer = self._frame.buffer = batch.new_empty(self.layout.total)
        try:
            return self._model(batch), buffer
        finally:
            self._frame.buffer = None

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
