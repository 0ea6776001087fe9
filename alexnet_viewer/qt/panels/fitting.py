"""Pictures that share a view's width: how large each is drawn, and how many go in a row.

A thumbnail or patch keeps at least ``PICTURE_MIN_SIDE`` px where the view has room; where it
has not, fewer go in a row (or the view scrolls) rather than any being drawn smaller.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QWidget

from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE


def shared_side(width: int, count: int, gap: int, largest: int, smallest: int = PICTURE_MIN_SIDE) -> int:
    """The side of each of ``count`` squares side by side across ``width`` px, ``gap`` apart:
    their share of the width, from ``smallest`` up to ``largest``."""
    share = (width - gap * (count - 1)) // max(count, 1)
    return max(smallest, min(largest, share))


def columns_that_fit(width: float, cell: float, gap: float, most: int) -> int:
    """How many cells ``cell`` px wide, ``gap`` apart, fit across ``width`` px: one to ``most``."""
    return max(1, min(most, int((width + gap) // (cell + gap))))


def place_in_columns(grid: QGridLayout, cells: Sequence[Sequence[QWidget]], columns: int, first_row: int = 0) -> None:
    """Lay ``cells`` out in reading order, ``columns`` to a row, from ``first_row`` of ``grid``;
    a cell's widgets (a picture and its caption, say) are stacked in one column."""
    for cell in cells:
        for widget in cell:
            grid.removeWidget(widget)
    for index, cell in enumerate(cells):
        row, column = divmod(index, columns)
        for offset, widget in enumerate(cell):
            grid.addWidget(widget, first_row + row * len(cell) + offset, column)
