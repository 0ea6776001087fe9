"""Colour-bar and plot-axis ticks at round values (1, 2, 2.5 or 5 × 10^k), one level of them,
in plain decimals with the power of ten named once; a colour bar as wide as its labels."""

from __future__ import annotations

import math

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFont, QFontMetrics

from alexnet_viewer.qt.panels.colormaps import colormap
from alexnet_viewer.qt.panels.ticks import ColorBar, RoundAxis, round_step, round_ticks, tick_labels

ROUND = (1.0, 2.0, 2.5, 5.0)


def is_round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(mantissa == pytest.approx(m, rel=1e-9) for m in ROUND)


@pytest.mark.parametrize("span", [4.3e-5, 1e-6, 0.37, 1.0, 7.9, 123.0, 98_765.0, 3.3e8])
@pytest.mark.parametrize("most", [2, 3, 5, 8, 13])
def test_the_step_is_round_and_the_smallest_that_fits(span, most):
    step = round_step(span, most)
    assert is_round(step) and span / step <= most * (1 + 1e-9)
    smaller = [m * 10 ** e for m in ROUND for e in range(-12, 12) if m * 10 ** e < step * (1 - 1e-9)]
    assert all(span / s > most for s in smaller)


def test_labels_are_plain_decimals_in_the_ranges_power_of_ten():
    assert tick_labels(round_ticks(0.0, 4.3e-5, 5e-6), 5e-6, -5) == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5",
                                                                      "3.0", "3.5", "4.0"]
    assert tick_labels(round_ticks(-1.0, 1.0, 0.25), 0.25) == ["−1.00", "−0.75", "−0.50", "−0.25", "0.00", "0.25",
                                                                "0.50", "0.75", "1.00"]
    assert tick_labels([0.0, 2.5, 5.0, 7.5], 2.5) == ["0.0", "2.5", "5.0", "7.5"]


def shown_bar(qtbot, levels, font_px: int = 0):
    widget = pg.GraphicsLayoutWidget()
    bar = ColorBar((0.0, 1.0), colormap("inferno"))
    widget.addItem(bar)
    if font_px:
        font = QFont()
        font.setPixelSize(font_px)
        bar.axis.setTickFont(font)
    bar.setLevels(values=levels)
    widget.resize(200, 480)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, bar


def test_a_heat_maps_colour_bar_ticks_at_round_values_readably(qtbot):
    """An untrained Grad-CAM reaches 4.3e-05: pyqtgraph wrote "0, 5e-06, 1e-05, 2e-05, 3e-05,
    4e-05" (two tick levels mixed, in %g); now one round step, "0.0 … 4.0", titled × 10⁻⁵."""
    _widget, bar = shown_bar(qtbot, (0.0, 4.3e-5))
    axis = bar.axis
    assert isinstance(axis, RoundAxis)
    size = axis.geometry().height()
    levels = axis.tickValues(0.0, 4.3e-5, size)
    assert len(levels) == 1  # one level of ticks, evenly spaced
    step, values = levels[0]
    assert is_round(step) and 3 <= len(values) <= 10
    assert all(v / step == pytest.approx(round(v / step)) for v in values)
    labels = axis.tickStrings(values, 1.0, step)
    assert all("e" not in label and len(label) <= 4 for label in labels)
    assert float(labels[-1]) * 1e-5 == pytest.approx(values[-1])
    assert axis.label.isVisible() and "10⁻⁵" in axis.labelText
    bar.setLevels(values=(0.0, 0.8))  # a range near 1 needs no power of ten
    assert not axis.label.isVisible()


def test_the_colour_bar_widens_for_its_labels_in_projector_type(qtbot):
    """pyqtgraph's colour bar is 45 px wide whatever its type: in presentation mode its
    labels were cut or dropped (only "0" was left on the Explain map)."""
    _widget, bar = shown_bar(qtbot, (-1.0, 1.0), font_px=27)
    axis = bar.axis
    metrics = QFontMetrics(axis.style["tickFont"])

    def labels_fit() -> None:
        (step, values), = axis.tickValues(-1.0, 1.0, axis.geometry().height())
        widest = max(metrics.horizontalAdvance(label) for label in axis.tickStrings(values, 1.0, step))
        assert len(values) >= 3 and axis.width() >= widest

    qtbot.waitUntil(labels_fit)
    # The labels at the bar's ends are drawn whole: the bar ends half a line in from its place.
    half_line = metrics.height() / 2
    axis_place = axis.geometry()  # in the colour bar's coordinates
    assert axis_place.top() >= half_line - 1 and bar.geometry().height() - axis_place.bottom() >= half_line - 1
