"""Reading one channel's top-K out of an atlas, with each unit's receptive field."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from torchvision.transforms.functional import _compute_resized_output_size

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.inspect.receptive_field import receptive_field
from alexnet_viewer.core.atlas.capture import alexnet_layout
from alexnet_viewer.core.atlas.store import MEND, AtlasError, Manifest, read_manifest, read_top
from alexnet_viewer.core.atlas.topk import NO_PICTURE


@dataclass(frozen=True)
class Unit:
    """One of a channel's best pictures: where its maximum is and what the unit sees there."""

    rank: int  # 1 = best
    path: str
    value: float
    y: int
    x: int
    box: tuple[int, int, int, int]  # receptive field in the crop, (top, left, bottom, right), clipped
    field: tuple[float, float, float, float]  # the same, unclipped (it may reach into the padding)
    unchanged: bool  # the file still has the size and time it had when the atlas was built

    def to_json(self) -> dict:
        return {
            "rank": self.rank, "path": self.path, "value": self.value, "y": self.y, "x": self.x,
            "box": list(self.box), "field": list(self.field), "unchanged": self.unchanged,
        }


def open_atlas(folder: Path) -> Manifest:
    """The atlas's manifest, its layers checked against AlexNet's; AtlasError (one sentence)."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise AtlasError(f"'{folder}' is not an atlas (it has no manifest.json).")
    crop = tuple((list(manifest.preprocess["crop"]) * 2)[:2])
    if tuple(manifest.layers) != alexnet_layout(crop):
        raise AtlasError(f"The atlas '{folder}' has a damaged manifest (its layers are not AlexNet's); {MEND}.")
    return manifest


def parse_unit(text: str, manifest: Manifest) -> tuple[str, int]:
    """'conv5:17' → ('conv5', 17), checked against the atlas's layers."""
    layer, _, channel = text.partition(":")
    if layer not in SPATIAL_LAYERS or not channel.strip().isdigit():
        raise ValueError(f"expected LAYER:CHANNEL with LAYER one of {', '.join(SPATIAL_LAYERS)}, such as conv5:17, not {text!r}")
    block = manifest.block(layer)
    index = int(channel)
    if index >= block.channels:
        raise ValueError(f"{layer} has channels 0…{block.channels - 1}; {index} is not one of them")
    return layer, index


def channel_top(folder: Path, manifest: Manifest, layer: str, channel: int, crop: tuple[int, int]) -> list[Unit]:
    """The channel's best pictures, best first (fewer than K if the atlas has fewer pictures)."""
    block = manifest.block(layer)
    top = read_top(folder, manifest)
    row = block.offset + channel
    units = []
    for slot, (picture, value, position) in enumerate(zip(top.pictures()[row], top.values()[row], top.positions[row])):
        if picture == NO_PICTURE:
            continue
        entry = manifest.files[int(picture)]
        y, x = divmod(int(position), block.width)
        field_ = receptive_field(layer, y, x)
        units.append(
            Unit(
                rank=slot + 1, path=entry.path, value=float(value), y=y, x=x,
                box=field_.clipped(*crop), field=tuple(float(v) for v in field_.box),
                unchanged=_unchanged(entry.path, entry.size, entry.mtime_ns),
            )
        )
    return units


def _unchanged(path: str, size: int, mtime_ns: int) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_size, info.st_mtime_ns) == (size, mtime_ns)


def crop_box_in_picture(
    box: tuple[float, float, float, float], picture_size: tuple[int, int], preprocess: dict
) -> tuple[float, float, float, float]:
    """A (top, left, bottom, right) box of the crop, in the pixels of the whole picture
    (``picture_size`` = (width, height); ``preprocess`` as the manifest records it): the
    short side was resized and the centre cropped, so the box is shifted by the crop's
    offset and scaled back."""
    width, height = picture_size
    resized_h, resized_w = _compute_resized_output_size([height, width], list(preprocess["resize"]), None)
    crop_h, crop_w = (list(preprocess["crop"]) * 2)[:2]
    top0 = round((resized_h - crop_h) / 2.0)  # torchvision's center_crop offsets
    left0 = round((resized_w - crop_w) / 2.0)
    sy, sx = height / resized_h, width / resized_w
    top, left, bottom, right = box
    return ((top + top0) * sy, (left + left0) * sx, (bottom + top0) * sy, (right + left0) * sx)
