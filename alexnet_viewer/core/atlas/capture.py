"""Forward hooks that keep, for each picture of a batch, every spatial channel's maximum.

torchvision's ReLUs run in place, so a conv layer's output is overwritten by the next
module; each hook therefore reduces its layer at once, before the ReLU runs. Only the
(batch, channels) maxima and their positions ever leave the device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layer_sizes import layer_shapes, traced_shapes
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS, SPATIAL_LAYERS


@dataclass(frozen=True)
class LayerBlock:
    """Where one layer's channels sit among all spatial channels."""

    name: str
    channels: int
    height: int
    width: int
    offset: int


def channel_layout(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[LayerBlock, ...]:
    """The spatial layers' shapes, from one forward of a zero picture."""
    zeros = torch.zeros((1, *input_shape[1:]), device=next(model.parameters()).device)
    return _blocks(traced_shapes(model, SPATIAL_LAYERS, lambda: model.features(zeros)))


def _blocks(shapes: dict[str, tuple[int, ...]]) -> tuple[LayerBlock, ...]:
    """The spatial layers, in order, each after the channels of those before it."""
    blocks, offset = [], 0
    for name in SPATIAL_LAYERS:
        channels, height, width = shapes[name]
        blocks.append(LayerBlock(name, channels, height, width, offset))
        offset += channels
    return tuple(blocks)


class SpatialMaxima:
    """``run(batch)`` → (values float32, flat positions y*W+x int16), both (batch, channels).

    A ReLU right after a conv is not reduced again: its maximum is max(conv maximum, 0),
    found at the conv's position when that is positive and, when the map is all zeros, at
    the first position (exactly what reducing the ReLU's own output would give).
    """

    def __init__(self, model: nn.Module, blocks: tuple[LayerBlock, ...]) -> None:
        self._model = model
        self.blocks = blocks
        self.channels = sum(block.channels for block in blocks)
        self._values: torch.Tensor | None = None
        self._positions: torch.Tensor | None = None
        self._derived = _relus_after_convs(model, blocks)  # (relu block, conv block)
        derived = {relu.name for relu, _ in self._derived}
        self._handles = [
            layer_module(model, block.name).register_forward_hook(self._hook(block))
            for block in blocks
            if block.name not in derived
        ]

    def _hook(self, block: LayerBlock):
        end = block.offset + block.channels

        def reduce(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
            if self._values is None:
                return  # someone else's forward on this model
            # First maximal element on ties (documented for torch.max along a dimension).
            values, positions = output.flatten(2).max(dim=2)
            self._values[:, block.offset : end] = values
            self._positions[:, block.offset : end] = positions

        return reduce

    def _fill_relus(self) -> None:
        for relu, conv in self._derived:
            values = self._values[:, conv.offset : conv.offset + conv.channels]
            positions = self._positions[:, conv.offset : conv.offset + conv.channels]
            self._values[:, relu.offset : relu.offset + relu.channels] = values.clamp(min=0)
            self._positions[:, relu.offset : relu.offset + relu.channels] = torch.where(values > 0, positions, 0)

    def run(self, batch: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        count = batch.shape[0]
        self._values = batch.new_empty((count, self.channels))
        self._positions = torch.empty((count, self.channels), dtype=torch.int64, device=batch.device)
        try:
            with torch.inference_mode():
                self._model.features(batch)  # the classifier has no spatial layer
                self._fill_relus()
            values = self._values.float().cpu().numpy()
            positions = self._positions.to(torch.int16).cpu().numpy()
        finally:
            self._values = self._positions = None
        return values, positions

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def _relus_after_convs(model: nn.Module, blocks: tuple[LayerBlock, ...]) -> list[tuple[LayerBlock, LayerBlock]]:
    """(relu, conv) pairs where the ReLU module runs straight on that conv's output."""
    by_name = {block.name: block for block in blocks}
    pairs = []
    for name, block in by_name.items():
        conv = by_name.get(name.replace("relu", "conv")) if name.startswith("relu") else None
        if conv is None or not isinstance(layer_module(model, name), nn.ReLU):
            continue
        conv_place, relu_place = MODULE_LOCATIONS[conv.name], MODULE_LOCATIONS[name]
        if conv_place[0] == relu_place[0] and relu_place[1] == conv_place[1] + 1 and block.channels == conv.channels:
            pairs.append((block, conv))
    return pairs



def alexnet_layout(crop: tuple[int, int]) -> tuple[LayerBlock, ...]:
    """The spatial layers of torchvision's AlexNet for a crop of ``crop`` (height, width)."""
    return _blocks(layer_shapes(tuple(crop)))
