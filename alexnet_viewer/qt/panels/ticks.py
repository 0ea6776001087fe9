"""Axis ticks at round values, labelled so they can be read from the back row.

pyqtgraph mixes two tick levels (0, 5e-06, 1e-05, 2e-05 on one colour bar) and writes small
numbers as "4e-05". ``RoundAxis`` draws one level of ticks, a step of 1, 2, 2.5 or 5 × 10^k
that leaves room between labels in the axis's own type, and writes plain decimals: a range
far from 1 is written in units of its power of ten, named once in the axis's title
("× 10⁻⁵"). ``ColorBar`` is pyqtgraph's colour bar with such an axis.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from alexnet_viewer.qt.panels.style import AXIS_TEXT

MANTISSAS = (1.0, 2.0, 2.5, 5.0, 10.0)
# Plain decimals between these magnitudes; outside, the labels are in units of a power of ten.
PLAIN_RANGE = (0.01, 10_000.0)
# Room between two labels, in lines of the tick type: along a vertical axis a label is one
# line tall; along a horizontal one a number such as "0.25" is about three lines wide.
GAP_LINES = {"vertical": 3.0, "horizontal": 6.0}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def round_step(span: float, most: int) -> float:
    """The smallest step of 1, 2, 2.5 or 5 × 10^k that cuts ``span`` into at most ``most``
    intervals (0 for an empty or non-finite span)."""
    if not math.isfinite(span) or span <= 0:
        return 0.0
    wanted = span / max(1, most)
    power = 10.0 ** math.floor(math.log10(wanted))
    for mantissa in MANTISSAS:
        step = mantissa * power
        if step >= wanted * (1 - 1e-9):
            return step
    return 10.0 * power  # not reached: the last mantissa is 10


def round_ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high``."""
    if step <= 0 or high < low:
        return []
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [index * step for index in range(first, last + 1)]


def power_of_ten(low: float, high: float) -> int:
    """The power of ten the labels of the range are written in: 0 where plain decimals read
    well, else that of the range's largest magnitude."""
    largest = max(abs(low), abs(high))
    if largest == 0 or not math.isfinite(largest) or PLAIN_RANGE[0] <= largest < PLAIN_RANGE[1]:
        return 0
    return math.floor(math.log10(largest))


def decimals(step: float) -> int:
    """The fewest decimals that write every multiple of ``step`` exactly (2.5: 1, 0.25: 2)."""
    for places in range(12):
        if abs(round(step, places) - step) <= abs(step) * 1e-9:
            return places
    return 12


def tick_labels(values, step: float, exponent: int = 0) -> list[str]:
    """``values`` in units of 10^``exponent``, each with as many decimals as ``step`` needs."""
    scale = 10.0 ** exponent
    places = decimals(step / scale)
    labels = []
    for value in values:
        text = f"{value / scale:.{places}f}"
        if float(text) == 0:
            text = f"{0:.{places}f}"  # not "-0.0"
        labels.append(text.replace("-", "−"))
    return labels


def factor_text(exponent: int) -> str:
    return f"× 10{str(exponent).translate(SUPERSCRIPT)}" if exponent else ""


class RoundAxis(pg.AxisItem):
    """An axis whose ticks sit at round values and whose labels are plain decimals."""

    def __init__(self, orientation: str, **kwargs) -> None:
        self.exponent = 0
        self._title = ""
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # the power of ten is ours: "× 10⁻⁵", not "(µ)"
        self.setTextPen(AXIS_TEXT)

    def setLabel(self, text=None, units=None, unitPrefix=None, **args) -> None:  # noqa: N802, N803
        """The axis's title; the power of ten its labels are in is added to it."""
        self._title = text or ""
        self._show_title(units, unitPrefix, **args)

    def _show_title(self, units=None, unit_prefix=None, **args) -> None:
        title = " ".join(part for part in (self._title, factor_text(self.exponent)) if part)
        if title or units:
            super().setLabel(title, units, unit_prefix, **args)
        else:
            self.showLabel(False)

    def setRange(self, mn, mx) -> None:  # noqa: N802 (pyqtgraph's name)
        # Here, not while drawing: the title says the power of ten the labels are in.
        exponent = power_of_ten(mn, mx)
        if exponent != self.exponent:
            self.exponent = exponent
            self._show_title()
        super().setRange(mn, mx)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's names)
        if self._tickSpacing is not None:
            return self._tickSpacing
        vertical = self.orientation in ("left", "right")
        line = QFontMetricsF(self.style.get("tickFont") or QFont()).height()
        most = max(1, math.floor(size / (line * GAP_LINES["vertical" if vertical else "horizontal"])))
        step = round_step(abs(maxVal - minVal), most)
        return [(step, 0)] if step else []

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's names)
        return tick_labels([value * scale for value in values], spacing * scale, self.exponent)


def round_axes(*sides: str) -> dict[str, RoundAxis]:
    """``axisItems`` for a pyqtgraph plot: round ticks on ``sides`` (default left and bottom)."""
    return {side: RoundAxis(side) for side in (sides or ("left", "bottom"))}


class _ColourBarAxis(RoundAxis):
    """A colour bar's axis: in a new tick type, the bar makes room for its end labels."""

    def setTickFont(self, font) -> None:  # noqa: N802 (pyqtgraph's name)
        super().setTickFont(font)
        bar = self.parentItem()
        if isinstance(bar, ColorBar):
            bar.fit_end_labels()


class ColorBar(pg.ColorBarItem):
    """pyqtgraph's colour bar (fixed, not draggable) labelled on a ``RoundAxis``, as wide as
    its labels and half a line shorter at each end than its place, so that the labels at its
    ends are drawn whole, in whatever type they are drawn (presentation mode enlarges it)."""

    def __init__(self, values: tuple[float, float], color_map, width: int = 14) -> None:
        super().__init__(values=values, colorMap=color_map, interactive=False, width=width, rounding=1e-12)
        old = self.axis
        self.setAxisItems({"right": _ColourBarAxis("right")})
        self.axis = self.getAxis("right")
        self.axis.setZValue(old.zValue())
        self.axis.unlinkFromView()
        self.axis.setRange(*self.values)
        self.fit_end_labels()

    def fit_end_labels(self) -> None:
        half = math.ceil(QFontMetricsF(self.axis.style.get("tickFont") or QFont()).height() / 2)
        self.layout.setContentsMargins(0, half, 0, half)
