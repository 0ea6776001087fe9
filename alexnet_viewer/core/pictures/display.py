"""The display copy of a picture: what the input panel draws, at most a screen's size.

The working copy of a photo keeps its short side at 2048 px or more (working.py) so that
the network's crop is exact; drawing those 8-12 MP on every frame would cost the GUI thread
tens of milliseconds for pixels no screen shows. The display copy is that picture reduced
by a whole factor k (k x k blocks averaged; a partial block at the edge averages what it
has) until its long side is at most DISPLAY_LONG_SIDE. Display pixel (r, c) covers picture
pixels [r k, (r+1) k) x [c k, (c+1) k): stretched over the picture's size, it sits where the
picture would (within one display pixel at the far edges, where a block is partial).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

DISPLAY_LONG_SIDE = 1600  # a 4K screen's input panel, or a projector's whole height

_last: tuple[np.ndarray, np.ndarray] | None = None  # (picture, its display copy): a still's frames share one


def display_factor(height: int, width: int, long_side: int = DISPLAY_LONG_SIDE) -> int:
    """The whole factor that brings the long side to at most ``long_side`` (1: as it is)."""
    return max(1, math.ceil(max(height, width) / long_side))


def display_copy(picture: np.ndarray, long_side: int = DISPLAY_LONG_SIDE) -> np.ndarray | None:
    """``picture`` (H, W, 3) uint8 reduced by ``display_factor``; None when it is small
    enough to be drawn itself.

    The same array asked again (every frame of a still picture) returns the copy made before.
    """
    global _last
    last = _last
    if last is not None and last[0] is picture:
        return last[1]
    factor = display_factor(picture.shape[0], picture.shape[1], long_side)
    if factor == 1:
        return None
    copy = np.asarray(Image.fromarray(np.ascontiguousarray(picture)).reduce(factor))
    copy.setflags(write=False)
    _last = (picture, copy)
    return copy
