"""The output shape of every layer of torchvision's AlexNet, from a network on the meta
device (shapes only: nothing is allocated or initialised), so that read-back files (scenes,
atlases) can be checked against the model without loading weights."""

from __future__ import annotations

import functools
from typing import Callable

from alexnet_viewer.core.frame.layers import LAYER_NAMES


@functools.lru_cache(maxsize=4)
def layer_shapes(crop: tuple[int, int] = (224, 224)) -> dict[str, tuple[int, ...]]:
    """{layer: output shape without the batch} for a crop of ``crop`` (height, width)."""
    import torch  # here: importing this module (scenes, the window) must not import torch
    from torchvision.models import alexnet

    with torch.device("meta"):
        model = alexnet()
    return traced_shapes(model, LAYER_NAMES, lambda: model(torch.zeros((1, 3, *crop), device="meta")))


def traced_shapes(model, names, forward: Callable[[], object]) -> dict[str, tuple[int, ...]]:
    """{layer: output shape without the batch} of the layers ``names`` of ``model``, as seen
    during ``forward()`` (run under inference mode)."""
    import torch

    from alexnet_viewer.core.frame.hooks import layer_module
    from alexnet_viewer.core.model.device_gate import device_work

    shapes: dict[str, tuple[int, ...]] = {}
    handles = [
        layer_module(model, name).register_forward_hook(
            lambda _m, _i, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))
        )
        for name in names
    ]
    try:
        with device_work(next(model.parameters()).device), torch.inference_mode():  # alone on MPS
            forward()
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def layer_channels(layer: str) -> int:
    """How many channels (units, for fc layers) ``layer`` has."""
    return layer_shapes()[layer][0]
