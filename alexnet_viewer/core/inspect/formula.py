"""The arithmetic behind one cell of a feature map, on the real network and the real frame.

A conv cell (channel, y, x) is the sum over its window of kernel × input plus the bias; the
window is taken from the layer's input as the engine saw it: the normalised crop for conv1,
the previous layer's captured map otherwise, zero where the window leaves the map (the
padding). Per input channel that sum is the channel's contribution. A pool cell is the
maximum of its window of the previous layer. The values agree with the engine's captured map
(float32) to about 1e-5; they are summed here in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS, check_layer_name
from alexnet_viewer.core.inspect.receptive_field import geometry_table
from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.frame.result import Result, frozen_array

if TYPE_CHECKING:
    from alexnet_viewer.core.model.loader import LoadedModel

INPUT = "input"  # the name of conv1's input: the normalised 224×224 crop


@dataclass(frozen=True)
class CellWindow:
    """Cell (channel, y, x) of ``layer`` and its window in the map the layer reads."""

    layer: str
    channel: int
    y: int
    x: int
    input_layer: str  # "input" for conv1, else the previous layer's canonical name
    rows: tuple[int, int]  # the window in the input map, [start, stop), may reach outside it
    cols: tuple[int, int]


@dataclass(frozen=True)
class ConvFormula(CellWindow):
    input_channels: tuple[int, ...]  # the input channels this output channel reads (groups)
    patch: np.ndarray  # (C_in, kh, kw) float32 input under the window, 0 in the padding
    inside: np.ndarray  # (kh, kw) bool: False where the window is in the padding
    kernel: np.ndarray  # (C_in, kh, kw) float32
    product: np.ndarray  # (C_in, kh, kw) float64 kernel × patch
    contributions: np.ndarray  # (C_in,) float64: the product summed per input channel
    bias: float
    value: float  # contributions.sum() + bias: the layer's (pre-ReLU) value
    relu: float  # max(value, 0), what the following ReLU makes of it

    @property
    def total(self) -> float:
        """Σ kernel × input, before the bias."""
        return float(self.contributions.sum())

    def top(self, n: int) -> tuple[tuple[int, float], ...]:
        """The n input channels of largest |contribution|: (input channel, contribution)."""
        order = np.argsort(-np.abs(self.contributions), kind="stable")[: max(n, 0)]
        return tuple((self.input_channels[i], float(self.contributions[i])) for i in order)

    def rest(self, n: int) -> float:
        """What the channels outside ``top(n)`` add up to: top + rest + bias == value."""
        return self.total - sum(value for _, value in self.top(n))


@dataclass(frozen=True)
class PoolFormula(CellWindow):
    window: np.ndarray  # (kh, kw) float32 input values; -inf where the window is in padding
    value: float  # the maximum
    argmax: tuple[int, int]  # (row, col) of the maximum inside the window (first on ties)


def normalised_input(loaded: LoadedModel, result: Result) -> np.ndarray:
    """(3, H, W) float32: the crop as the network saw it, after the weights' normalisation."""
    transforms = loaded.transforms
    mean = torch.tensor(transforms.mean).view(3, 1, 1)
    std = torch.tensor(transforms.std).view(3, 1, 1)
    crop = torch.from_numpy(np.array(result.crop)).permute(2, 0, 1)
    return crop.float().div_(255).sub_(mean).div_(std).numpy()


def input_of(layer: str) -> str:
    """The canonical name of the layer whose output ``layer`` reads ("input" for conv1)."""
    index = LAYER_NAMES.index(check_layer_name(layer))
    return INPUT if index == 0 else LAYER_NAMES[index - 1]


def _window(map_: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], fill: float):
    """map_[:, rows, cols] with ``fill`` outside the map, and the inside mask."""
    channels, height, width = map_.shape
    out = np.full((channels, rows[1] - rows[0], cols[1] - cols[0]), fill, dtype=map_.dtype)
    inside = np.zeros(out.shape[1:], dtype=bool)
    top, left = max(rows[0], 0), max(cols[0], 0)
    bottom, right = min(rows[1], height), min(cols[1], width)
    if top < bottom and left < right:
        out[:, top - rows[0] : bottom - rows[0], left - cols[0] : right - cols[0]] = map_[:, top:bottom, left:right]
        inside[top - rows[0] : bottom - rows[0], left - cols[0] : right - cols[0]] = True
    return out, inside


def _cell_window(loaded: LoadedModel, result: Result, layer: str, channel: int, y: int, x: int):
    if layer not in SPATIAL_LAYERS:
        raise ValueError(f"{layer} has no map cells; choose a conv or pool layer")
    channels, height, width = result.activations[layer].shape
    for what, value, count in (("channel", channel, channels), ("y", y, height), ("x", x, width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
            raise ValueError(f"{layer} has {count} cells along {what}; {value!r} is not one of 0…{count - 1}")
    geometry = geometry_table(loaded.model)[layer]
    k, s, p = geometry.kernel, geometry.module_stride, geometry.padding
    rows, cols = (int(y) * s - p, int(y) * s - p + k), (int(x) * s - p, int(x) * s - p + k)
    source = input_of(layer)
    values = normalised_input(loaded, result) if source == INPUT else np.asarray(result.activations[source])
    return CellWindow(layer, int(channel), int(y), int(x), source, rows, cols), values


def conv_formula(loaded: LoadedModel, result: Result, layer: str, channel: int, y: int, x: int) -> ConvFormula:
    """The sum behind conv cell (channel, y, x) of ``layer`` (conv1…conv5) in ``result``."""
    module = layer_module(loaded.model, check_layer_name(layer))
    if not isinstance(module, nn.Conv2d):
        raise ValueError(f"{layer} is not a convolution; conv formulas are for conv1…conv5")
    cell, values = _cell_window(loaded, result, layer, channel, y, x)
    weight = module.weight.detach()
    per_group = weight.shape[0] // module.groups
    group = int(channel) // per_group
    first = group * weight.shape[1]
    inputs = tuple(range(first, first + weight.shape[1]))
    patch, inside = _window(values[first : first + weight.shape[1]], cell.rows, cell.cols, 0.0)
    with device_work(weight.device):  # a read-back of the weights: alone on MPS (device_gate.py)
        kernel = weight[int(channel)].cpu().numpy()
        bias = float(module.bias.detach()[int(channel)].cpu()) if module.bias is not None else 0.0
    product = kernel.astype(np.float64) * patch.astype(np.float64)
    contributions = product.sum(axis=(1, 2))
    value = float(contributions.sum()) + bias
    return ConvFormula(
        **vars(cell),
        input_channels=inputs,
        patch=frozen_array(patch),
        inside=frozen_array(inside),
        kernel=frozen_array(kernel),
        product=frozen_array(product),
        contributions=frozen_array(contributions),
        bias=bias,
        value=value,
        relu=max(value, 0.0),
    )


def pool_formula(loaded: LoadedModel, result: Result, layer: str, channel: int, y: int, x: int) -> PoolFormula:
    """The window and maximum behind pool cell (channel, y, x) of ``layer`` (pool1, pool2, pool5)."""
    if not isinstance(layer_module(loaded.model, check_layer_name(layer)), nn.MaxPool2d):
        raise ValueError(f"{layer} is not a max pool; pool formulas are for pool1, pool2 and pool5")
    cell, values = _cell_window(loaded, result, layer, channel, y, x)
    window, _ = _window(values[cell.channel : cell.channel + 1], cell.rows, cell.cols, -np.inf)
    window = window[0]
    flat = int(np.argmax(window))
    return PoolFormula(
        **vars(cell),
        window=frozen_array(window),
        value=float(window.flat[flat]),
        argmax=divmod(flat, window.shape[1]),
    )


def cell_formula(loaded: LoadedModel, result: Result, layer: str, channel: int, y: int, x: int):
    """ConvFormula for a conv layer, PoolFormula for a pool layer; ValueError otherwise."""
    module = layer_module(loaded.model, check_layer_name(layer))
    if isinstance(module, nn.MaxPool2d):
        return pool_formula(loaded, result, layer, channel, y, x)
    if isinstance(module, nn.Conv2d):
        return conv_formula(loaded, result, layer, channel, y, x)
    raise ValueError(f"{layer} has no formula of its own; choose a conv or pool layer")
