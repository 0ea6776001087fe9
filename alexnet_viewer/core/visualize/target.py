"""``LAYER:C`` as typed by a person: a layer name and a channel index, or fc8 and a class name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch
from torchvision.models import alexnet

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.frame.layers import LAYER_NAMES, MODULE_LOCATIONS
from alexnet_viewer.core.visualize.network import truncated


class TargetError(ViewerError, ValueError):
    """A LAYER:C that names no layer, no channel or no class."""


@dataclass(frozen=True)
class Target:
    layer: str
    channel: int

    def __str__(self) -> str:
        return f"{self.layer}:{self.channel}"


@cache
def channel_count(layer: str) -> int:
    """Channels of a conv/relu/pool layer, units of an fc layer (fc8: the 1000 classes)."""
    with torch.device("meta"):
        cut = truncated(alexnet(weights=None), layer)
    sizes = [getattr(module, "out_channels", getattr(module, "out_features", None)) for module in cut]
    return next(size for size in reversed(sizes) if size is not None)


def check_target(layer: str, channel: int) -> Target:
    """The Target, or TargetError when AlexNet has no such layer or channel."""
    if layer not in MODULE_LOCATIONS:
        raise TargetError(f"Unknown layer '{layer}'; choose one of: {', '.join(LAYER_NAMES)}.")
    count = channel_count(layer)
    if not 0 <= int(channel) < count:
        raise TargetError(f"{layer} has channels 0 to {count - 1}; {channel} is out of range.")
    return Target(layer, int(channel))


def parse_target(text: str, categories: tuple[str, ...] | list[str]) -> Target:
    """'conv5:3', 'fc8:281' or 'fc8:tabby' (a category name, any case) -> Target."""
    layer, sep, channel_text = str(text).partition(":")
    layer, channel_text = layer.strip().lower(), channel_text.strip()
    if not sep or not channel_text:
        raise TargetError(f"Expected LAYER:CHANNEL such as conv5:3 or fc8:281, not '{text}'.")
    count = channel_count(check_target(layer, 0).layer)
    if channel_text.lstrip("-").isdigit():
        return check_target(layer, int(channel_text))
    if layer != "fc8":
        raise TargetError(
            f"A class name only goes with fc8; {layer} needs a channel number, not '{channel_text}'."
        )
    wanted = channel_text.casefold()
    matches = [index for index, name in enumerate(categories) if name.casefold() == wanted]
    if len(matches) != 1:
        reason = "is not one of the weights' categories" if not matches else "names several categories"
        raise TargetError(f"'{channel_text}' {reason}; give fc8 a class index 0 to {count - 1} instead.")
    return Target(layer, matches[0])
