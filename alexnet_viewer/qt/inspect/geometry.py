"""Between the 224×224 crop the network sees and the picture it was cut from.

The weights' own transforms resize the picture (short side to ``resize_size``, by
torchvision's rule) and cut the centred crop; a box on the crop is carried back through
both onto the picture as given to the engine (the edited picture the Input panel shows),
and a point of that picture forward onto the crop. Plain arithmetic on a few numbers.
"""

from __future__ import annotations

from functools import lru_cache

Box = tuple[float, float, float, float]  # (top, left, bottom, right), exclusive end


@lru_cache(maxsize=1)
def _sizes() -> tuple[list[int], tuple[int, int]]:
    from torchvision.models import AlexNet_Weights

    from alexnet_viewer.core.frame.preprocess import crop_hw

    transforms = AlexNet_Weights.IMAGENET1K_V1.transforms()
    return list(transforms.resize_size), crop_hw(transforms)


@lru_cache(maxsize=64)
def crop_frame(picture_shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """(top, left, scale_y, scale_x): crop pixel (r, c) is picture point
    ((r + top) * scale_y, (c + left) * scale_x)."""
    from torchvision.transforms.functional import _compute_resized_output_size

    resize, (crop_h, crop_w) = _sizes()
    height, width = picture_shape
    resized_h, resized_w = _compute_resized_output_size([height, width], resize, None)
    top = round((resized_h - crop_h) / 2.0)  # torchvision's center_crop
    left = round((resized_w - crop_w) / 2.0)
    return float(top), float(left), height / resized_h, width / resized_w


def crop_box_on_picture(box: Box, picture_shape: tuple[int, int]) -> Box:
    """A (top, left, bottom, right) box on the crop, on the picture of ``picture_shape``."""
    top, left, scale_y, scale_x = crop_frame(tuple(picture_shape[:2]))
    return ((box[0] + top) * scale_y, (box[1] + left) * scale_x, (box[2] + top) * scale_y, (box[3] + left) * scale_x)


def picture_point_on_crop(row: float, col: float, picture_shape: tuple[int, int]) -> tuple[float, float] | None:
    """Where picture point (row, col) lies on the crop, or None when the crop leaves it out."""
    top, left, scale_y, scale_x = crop_frame(tuple(picture_shape[:2]))
    crop_h, crop_w = _sizes()[1]
    y, x = row / scale_y - top, col / scale_x - left
    return (y, x) if 0 <= y < crop_h and 0 <= x < crop_w else None
