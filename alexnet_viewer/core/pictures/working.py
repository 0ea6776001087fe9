"""The working copy of a still picture: reduced on the host, before anything else sees it.

A 48 MP photo uploaded whole costs the GPU hundreds of MB (and edits, the input panel and
the upload pay for every pixel each frame), while the network's resize brings its short
side down to 256. The picture is reduced on the host by a whole factor k (a JPEG decodes at
its reduced DCT scale, then ``Image.reduce`` averages k x k blocks), chosen so that:

* k divides both sides (a partial block at the edge would shift the geometry a little),
  and is a power of two (the JPEG scales are 1/2, 1/4, 1/8);
* the reduced short side (of the crop box, when one is set) stays at least
  SHORT_SIDE_MARGIN times the resize's short side: the antialiased resize then sees the
  picture it would have seen, and the 224x224 crop stays within one grey level of the
  full-size one (tests/core/test_working.py; measured on skimage photos upscaled to
  4096-8192 px: a margin of 6 may differ by 2 levels, 8 never by more than 1).
"""

from __future__ import annotations

from functools import lru_cache

SHORT_SIDE_MARGIN = 8
MAX_FACTOR = 64


@lru_cache(maxsize=1)
def resize_short_side() -> int:
    """The short side the network's preprocessing resizes to (256), from torchvision's transforms."""
    from torchvision.models import AlexNet_Weights

    return min(int(side) for side in AlexNet_Weights.IMAGENET1K_V1.transforms().resize_size)


def working_factor(width: int, height: int, crop: tuple[float, float, float, float] | None = None) -> int:
    """The whole factor to reduce a ``width`` x ``height`` picture by (1: keep it as it is).

    ``crop`` (normalised x0, y0, x1, y1 of the picture, as in Edits) asks for enough pixels
    inside the box; its smaller side counts for both axes (EXIF may turn the picture).
    """
    fraction = 1.0 if crop is None else max(1e-6, min(crop[2] - crop[0], crop[3] - crop[1]))
    short = min(width, height) * fraction
    need = SHORT_SIDE_MARGIN * resize_short_side()
    factor = 1
    while (factor * 2 <= MAX_FACTOR and width % (factor * 2) == 0 and height % (factor * 2) == 0
           and short / (factor * 2) >= need):
        factor *= 2
    return factor
