"""Where the edit tools on the Input panel sit: pixel boxes on the displayed (edited)
picture to and from the normalised fields of ``core.edits.Edits``.

Plain arithmetic on a few numbers, no Qt and no pixels, so it is tested on its own.
"""

from __future__ import annotations

import math

from alexnet_viewer.core.pictures.edits import Box, Edits, Occluder

# (x, y, side) of the occluder square in displayed-picture pixels (x = column, y = row).
Square = tuple[float, float, float]


def occluder_square(shape: tuple[int, ...], occluder: Occluder) -> Square:
    """The square ``apply_edits`` paints grey, before clipping to the picture."""
    h, w = shape[:2]
    cx, cy, size = occluder
    side = max(1, int(round(size * min(h, w))))
    return float(int(round(cx * w - side / 2))), float(int(round(cy * h - side / 2))), float(side)


def square_to_occluder(shape: tuple[int, ...], square: Square) -> Occluder:
    """The Edits.occluder that paints exactly ``square`` (whole pixels) on a picture of ``shape``."""
    h, w = shape[:2]
    x, y, side = square
    side = max(1.0, float(side))
    return ((x + side / 2) / w, (y + side / 2) / h, min(1.0, side / min(h, w)))


def fit_square(shape: tuple[int, ...], square: Square) -> Square:
    """``square`` in whole pixels, moved (and if need be shrunk) to lie inside the picture."""
    h, w = shape[:2]
    side = float(max(1, min(int(round(square[2])), h, w)))
    x = float(min(max(0, int(round(square[0]))), w - int(side)))
    y = float(min(max(0, int(round(square[1]))), h - int(side)))
    return x, y, side


def _cropped_size(original_shape: tuple[int, ...], crop: Box | None) -> tuple[float, float]:
    h, w = original_shape[:2]
    if crop is None:
        return float(w), float(h)
    x0, y0, x1, y1 = crop
    return max(1.0, (x1 - x0) * w), max(1.0, (y1 - y0) * h)


def displayed_box_to_crop(box: Box, edits: Edits, original_shape: tuple[int, ...],
                          displayed_shape: tuple[int, ...]) -> Box:
    """A box dragged on the displayed picture (normalised x0, y0, x1, y1) as Edits.crop.

    Edits crop first, so the box is carried back through flips and rotation onto the
    current crop of the original frame and then onto the frame itself: a second box
    zooms further into the first. A box on a picture turned by an odd angle becomes the
    smallest upright box around it.
    """
    dh, dw = displayed_shape[:2]
    corners = [(box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])]
    # Undo the flips (applied after the rotation).
    if edits.flip_horizontal:
        corners = [(1.0 - x, y) for x, y in corners]
    if edits.flip_vertical:
        corners = [(x, 1.0 - y) for x, y in corners]
    # Undo the rotation: Pillow turns anticlockwise about the centre and enlarges the canvas.
    pw, ph = _cropped_size(original_shape, edits.crop)
    theta = math.radians(edits.rotate_degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    points = []
    for x, y in corners:
        u, v = x * dw - dw / 2, y * dh - dh / 2
        px, py = u * cos - v * sin + pw / 2, u * sin + v * cos + ph / 2
        points.append((min(max(px / pw, 0.0), 1.0), min(max(py / ph, 0.0), 1.0)))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    inner = (min(xs), min(ys), max(xs), max(ys))
    # Onto the original frame through the crop already in place.
    cx0, cy0, cx1, cy1 = edits.crop if edits.crop is not None else (0.0, 0.0, 1.0, 1.0)
    sx, sy = cx1 - cx0, cy1 - cy0
    return (cx0 + inner[0] * sx, cy0 + inner[1] * sy, cx0 + inner[2] * sx, cy0 + inner[3] * sy)
