"""Where on the 224×224 crop each unit of a spatial AlexNet layer looks.

The geometry is read from torchvision's own module definitions (kernel size, stride and
padding of each Conv2d / MaxPool2d; a ReLU keeps it), never typed in. Coordinates are
continuous crop coordinates: pixel i spans [i, i + 1), so its centre is i + 0.5.

For a layer, ``size`` is the side of a unit's field, ``stride`` the jump between the fields
of neighbouring units and ``first centre`` the centre of unit 0's field. A field may reach
past the crop's edge (into the zero padding); ``ReceptiveField.box`` keeps that, and
``clipped()`` gives the part inside the crop.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS, SPATIAL_LAYERS, check_layer_name


@dataclass(frozen=True)
class LayerGeometry:
    size: int  # field side, crop pixels
    stride: int  # jump between neighbouring units, crop pixels
    first_centre: float  # centre of unit 0's field, continuous crop coordinates
    cells: tuple[int, int]  # (height, width) of the layer's map for the crop
    kernel: int  # this module's own kernel, stride and padding (1, 1, 0 for a ReLU)
    module_stride: int
    padding: int


@dataclass(frozen=True)
class ReceptiveField:
    layer: str
    y: int
    x: int
    size: int  # side in crop pixels
    stride: int  # jump between neighbouring cells, crop pixels
    centre: tuple[float, float]  # (y, x) in continuous crop coordinates
    box: tuple[float, float, float, float]  # (top, left, bottom, right), unclipped, exclusive end

    def clipped(self, height: int = 224, width: int = 224) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) in whole pixels inside a height×width crop, exclusive end."""
        top, left, bottom, right = self.box
        return (
            min(max(math.floor(top), 0), height),
            min(max(math.floor(left), 0), width),
            max(min(math.ceil(bottom), height), 0),
            max(min(math.ceil(right), width), 0),
        )


@lru_cache(maxsize=1)
def crop_shape() -> tuple[int, int]:
    """(height, width) of the crop the network sees, from the weights' own transforms."""
    from torchvision.models import AlexNet_Weights

    from alexnet_viewer.core.frame.preprocess import crop_hw

    return crop_hw(AlexNet_Weights.IMAGENET1K_V1.transforms())


def _pair(value) -> int:
    """A square module parameter as one int (AlexNet's are all square)."""
    first, second = (value, value) if isinstance(value, int) else tuple(value)
    if first != second:
        raise ValueError(f"non-square module parameter {value!r} is not supported")
    return int(first)


def geometry_table(model: nn.Module | None = None, crop: tuple[int, int] | None = None) -> dict[str, LayerGeometry]:
    """Per spatial layer, its field geometry, computed from the modules of ``model``.

    Without a model, an untrained torchvision AlexNet built on the "meta" device (no weights,
    no memory) is used, and the table is cached.
    """
    if model is None and crop is None:
        return dict(_default_table())  # a copy: the cached table stays as computed
    if model is None:
        model = alexnet_structure()
    height, width = crop if crop is not None else crop_shape()
    size, jump, centre = 1, 1, 0.5  # one input pixel
    cells = [height, width]
    table: dict[str, LayerGeometry] = {}
    for name in SPATIAL_LAYERS:
        attr, index = MODULE_LOCATIONS[name]
        module = getattr(model, attr)[index]
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            kernel, stride, padding = (_pair(module.kernel_size), _pair(module.stride), _pair(module.padding))
            if _pair(getattr(module, "dilation", 1)) != 1 or getattr(module, "ceil_mode", False):
                raise ValueError(f"{name}: dilation or ceil_mode is not supported")
            size += (kernel - 1) * jump
            centre += ((kernel - 1) / 2 - padding) * jump
            jump *= stride
            cells = [(n + 2 * padding - kernel) // stride + 1 for n in cells]
        elif isinstance(module, nn.ReLU):
            kernel, stride, padding = 1, 1, 0
        else:
            raise ValueError(f"{name}: no receptive-field rule for {type(module).__name__}")
        table[name] = LayerGeometry(size, jump, centre, (cells[0], cells[1]), kernel, stride, padding)
    return table


def alexnet_structure() -> nn.Module:
    """torchvision's AlexNet on the "meta" device: the modules without weights or memory."""
    from torchvision.models import alexnet

    with torch.device("meta"):
        return alexnet(weights=None)


@lru_cache(maxsize=1)
def _default_table() -> dict[str, LayerGeometry]:
    return geometry_table(alexnet_structure(), crop_shape())


def _spatial(layer: str) -> LayerGeometry:
    check_layer_name(layer)
    if layer not in SPATIAL_LAYERS:
        raise ValueError(
            f"{layer} is fully connected: every unit sees the whole crop; "
            f"receptive fields exist for {SPATIAL_LAYERS[0]}…{SPATIAL_LAYERS[-1]}"
        )
    return _default_table()[layer]


def layer_geometry(layer: str) -> tuple[int, int, float]:
    """(size, stride, first centre) of a spatial layer's fields, in crop pixels."""
    geometry = _spatial(layer)
    return geometry.size, geometry.stride, geometry.first_centre


def receptive_field(layer: str, y: int, x: int) -> ReceptiveField:
    """The field of unit (y, x) of ``layer`` (any channel: they all share it)."""
    geometry = _spatial(layer)
    y, x = (_cell_index(layer, axis, value, count) for axis, value, count in zip("yx", (y, x), geometry.cells))
    cy = geometry.first_centre + y * geometry.stride
    cx = geometry.first_centre + x * geometry.stride
    half = geometry.size / 2
    return ReceptiveField(
        layer=layer,
        y=y,
        x=x,
        size=geometry.size,
        stride=geometry.stride,
        centre=(cy, cx),
        box=(cy - half, cx - half, cy + half, cx + half),
    )


def _cell_index(layer: str, axis: str, value, count: int) -> int:
    try:
        index = operator.index(value) if not isinstance(value, bool) else None
    except TypeError:
        index = None
    if index is None or not 0 <= index < count:
        raise ValueError(f"{layer} has {count} cells along {axis}; {value!r} is not one of 0…{count - 1}")
    return index


def cells_seeing(layer: str, py: float, px: float) -> tuple[slice, slice]:
    """(rows, cols) of the cells of ``layer`` whose field contains crop point (py, px)."""
    geometry = _spatial(layer)
    height, width = crop_shape()
    if not (0 <= py < height and 0 <= px < width):
        raise ValueError(f"point ({py}, {px}) is outside the {height}×{width} crop")
    return (_covering(geometry, py, geometry.cells[0]), _covering(geometry, px, geometry.cells[1]))


def _covering(geometry: LayerGeometry, point: float, count: int) -> slice:
    # Unit i covers [c0 + i*s - size/2, c0 + i*s + size/2).
    half = geometry.size / 2
    first = math.floor((point - geometry.first_centre - half) / geometry.stride) + 1
    last = math.floor((point - geometry.first_centre + half) / geometry.stride)
    return slice(max(first, 0), min(last, count - 1) + 1)

