"""The display copy: a big picture is drawn from a copy reduced by a whole factor, block means
that sit where the picture's pixels are; a small one is drawn itself."""

import numpy as np

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.pictures.display import DISPLAY_LONG_SIDE, display_copy, display_factor


def _picture(height: int, width: int) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows % 251, cols % 253, (rows // 7 + cols // 5) % 256], axis=-1).astype(np.uint8)


def test_the_factor_is_whole_and_brings_the_long_side_within_the_limit():
    assert display_factor(480, 640) == 1
    assert display_factor(DISPLAY_LONG_SIDE, 10) == 1
    assert display_factor(3000, 4000) == 3 and 4000 / 3 <= DISPLAY_LONG_SIDE
    assert display_factor(6000, 8000) == 5


def test_a_big_picture_becomes_block_means_and_a_small_one_stays_itself():
    picture = _picture(3000, 4003)  # 4003 = 3 * 1334 + 1: a partial block at the right edge
    copy = display_copy(picture)
    assert copy.shape == (1000, 1335, 3) and copy.dtype == np.uint8 and not copy.flags.writeable
    block = picture[30:33, 60:63].reshape(-1, 3).mean(axis=0)
    assert np.all(np.abs(copy[10, 20].astype(float) - block) <= 1)  # the block it covers, rounded
    assert display_copy(picture) is copy  # a still's every frame: made once
    assert display_copy(_picture(480, 640)) is None


def test_the_engine_hands_the_display_copy_with_the_full_picture(shared_engine):
    picture = _picture(2400, 3300)
    result = shared_engine.process(picture, FrameRequest())
    assert result.image.shape == picture.shape  # outlines and read-outs stay in the picture's pixels
    assert result.display.shape == (800, 1100, 3) and result.shown_picture is result.display
    small = shared_engine.process(_picture(240, 320), FrameRequest())
    assert small.display is None and small.shown_picture is small.image
