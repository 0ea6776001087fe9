"""The edit tools' geometry against what core.edits really paints and crops."""

import numpy as np
import pytest

from alexnet_viewer.core.pictures.edits import Edits, apply_edits, occluder_colour, occluder_rect
from alexnet_viewer.qt.edits.geometry import (
    displayed_box_to_crop,
    fit_square,
    occluder_square,
    square_to_occluder,
)


@pytest.mark.parametrize("shape", [(300, 451), (480, 640), (97, 61)])
@pytest.mark.parametrize("square", [(0, 0, 10), (17, 23, 31), (40, 5, 50)])
def test_a_square_maps_to_an_occluder_that_paints_exactly_it(shape, square):
    square = fit_square(shape, square)
    occluder = square_to_occluder(shape, square)
    x, y, side = (int(v) for v in square)
    assert occluder_rect(shape, occluder) == (x, y, x + side, y + side)
    assert occluder_square(shape, occluder) == square


def test_fit_square_keeps_the_square_inside():
    assert fit_square((100, 200), (190.4, -7, 30)) == (170.0, 0.0, 30.0)
    assert fit_square((100, 200), (0, 0, 500)) == (0.0, 0.0, 100.0)


def marked_frame(h=60, w=80):
    """A frame whose every pixel says where it came from: R = column, G = row."""
    frame = np.zeros((h, w, 3), np.uint8)
    frame[..., 0] = np.arange(w)[None, :]
    frame[..., 1] = np.arange(h)[:, None]
    return frame


def source_bounds(picture):
    cols, rows = picture[..., 0], picture[..., 1]
    return int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())


@pytest.mark.parametrize("edits", [
    Edits(),
    Edits(flip_horizontal=True),
    Edits(flip_vertical=True, crop=(0.25, 0.1, 0.9, 0.8)),
    Edits(rotate_degrees=90),
    Edits(rotate_degrees=270, flip_horizontal=True, crop=(0.1, 0.2, 0.6, 1.0)),
    Edits(rotate_degrees=180),
])
def test_a_box_on_the_displayed_picture_crops_that_part_of_the_frame(edits):
    frame = marked_frame()
    shown = apply_edits(frame, edits)
    dh, dw = shown.shape[:2]
    box = (0.2, 0.3, 0.7, 0.9)
    x0, y0, x1, y1 = int(box[0] * dw), int(box[1] * dh), int(box[2] * dw), int(box[3] * dh)
    wanted = source_bounds(shown[y0:y1, x0:x1])
    crop = displayed_box_to_crop(box, edits, frame.shape, shown.shape)
    got = source_bounds(apply_edits(frame, Edits(crop=crop)))
    assert np.allclose(got, wanted, atol=1.5), (got, wanted)


def test_an_odd_angle_gives_the_upright_box_around_it():
    frame = marked_frame(100, 100)
    edits = Edits(rotate_degrees=30)
    shown = apply_edits(frame, edits)
    crop = displayed_box_to_crop((0.4, 0.4, 0.6, 0.6), edits, frame.shape, shown.shape)
    x0, y0, x1, y1 = crop
    # The middle of the turned picture is the middle of the frame, a bit larger around.
    assert x0 < 0.5 < x1 and y0 < 0.5 < y1
    assert 0.2 < x1 - x0 < 0.4 and 0.2 < y1 - y0 < 0.4


def test_occluder_colour_is_grey():
    assert all(90 < c < 140 for c in occluder_colour())
