"""The architecture table of a loaded AlexNet, computed from its modules, never typed in.

Per canonical layer: module type, kernel / stride / padding, output shape for the crop,
parameters, multiply-accumulates and receptive field. What is counted as a MAC: a Conv2d
does output elements × (input channels / groups) × kernel area, a Linear input × output
features; ReLU, max pooling, dropout and the adaptive average pool (the identity on
pool5's 6×6 map for a 224×224 crop) count 0, and bias additions are not counted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from torch import nn

from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.inspect.receptive_field import crop_shape, geometry_table


@dataclass(frozen=True)
class LayerRow:
    name: str
    type: str  # the torch module's class name: Conv2d, ReLU, MaxPool2d, Linear
    kernel: tuple[int, int] | None  # (height, width); None where the module has none
    stride: tuple[int, int] | None
    padding: tuple[int, int] | None
    output_shape: tuple[int, ...]  # (C, H, W) or (N,), without the batch dimension
    params: int
    macs: int
    rf_size: int | None  # receptive field side on the crop, pixels; None for fc layers
    rf_stride: int | None


@dataclass(frozen=True)
class Architecture:
    layers: tuple[LayerRow, ...]
    input_shape: tuple[int, int, int]
    total_params: int  # every parameter of the model (equals the sum over the layers)
    total_macs: int

    def to_json(self) -> dict:
        return {
            "input_shape": list(self.input_shape),
            "layers": [_json_row(row) for row in self.layers],
            "total_params": self.total_params,
            "total_macs": self.total_macs,
            "macs_counted": "Conv2d: output elements x input channels/groups x kernel area; "
            "Linear: in x out features; ReLU, pooling, dropout and bias: 0",
        }


def _json_row(row: LayerRow) -> dict:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(row).items()}


def architecture(model: nn.Module) -> Architecture:
    """The table for a torchvision AlexNet (any weights, any device, even "meta")."""
    height, width = crop_shape()
    geometry = geometry_table(model, (height, width))
    shape: tuple[int, ...] = (3, height, width)
    rows = []
    for name in LAYER_NAMES:
        module = layer_module(model, name)
        spatial = geometry.get(name)
        kernel = stride = padding = None
        macs = 0
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)):
            # geometry_table read these from the module (square in AlexNet) and sized the map.
            kernel, stride, padding = ((v, v) for v in (spatial.kernel, spatial.module_stride, spatial.padding))
            channels = module.out_channels if isinstance(module, nn.Conv2d) else shape[0]
            shape = (channels, *spatial.cells)
            if isinstance(module, nn.Conv2d):
                macs = math.prod(shape) * (module.in_channels // module.groups) * math.prod(kernel)
        elif isinstance(module, nn.ReLU):
            shape = (shape[0], *spatial.cells) if spatial else shape
        elif isinstance(module, nn.Linear):
            macs = module.in_features * module.out_features
            shape = (module.out_features,)
        else:
            raise ValueError(f"{name}: no architecture rule for {type(module).__name__}")
        rows.append(
            LayerRow(
                name=name,
                type=type(module).__name__,
                kernel=kernel,
                stride=stride,
                padding=padding,
                output_shape=tuple(shape),
                params=sum(p.numel() for p in module.parameters(recurse=False)),
                macs=macs,
                rf_size=spatial.size if spatial else None,
                rf_stride=spatial.stride if spatial else None,
            )
        )
    return Architecture(
        layers=tuple(rows),
        input_shape=(3, height, width),
        total_params=sum(p.numel() for p in model.parameters()),
        total_macs=sum(row.macs for row in rows),
    )
