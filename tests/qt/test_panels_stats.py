"""StatsPanel against real engine results."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.panels import StatsPanel
from alexnet_viewer.qt.panels.stats_panel import SPARSITY_Y_RANGE, format_number, row_texts
from tests.qt.panel_results import process


@pytest.fixture(scope="module")
def result(engine):
    return process(engine, "conv1", "conv3", statistics=True)


@pytest.fixture
def panel(qtbot, result):
    widget = StatsPanel()
    qtbot.addWidget(widget)
    widget.resize(500, 800)
    widget.show()
    widget.show_result(result)
    return widget


def test_table_has_every_layer_with_its_numbers(panel, result):
    table = panel.table
    assert table.rowCount() == 18
    assert [table.item(row, 0).text() for row in range(18)] == list(LAYER_NAMES)
    row = LAYER_NAMES.index("relu2")
    stats = result.stats["relu2"]
    assert table.item(row, 1).text() == "192×27×27"
    assert table.item(row, 2).text() == format_number(stats.mean)
    assert table.item(row, 3).text() == format_number(stats.std)
    assert table.item(row, 4).text() == format_number(stats.max)
    assert table.item(row, 5).text() == f"{stats.zero_fraction * 100:.1f}"
    assert table.item(LAYER_NAMES.index("fc8"), 1).text() == "1000"


def test_table_cells_are_updated_in_place(panel, engine):
    before = panel.table.item(0, 2)
    panel.show_result(process(engine, "conv1", phase=77, frame_id=2, statistics=True))
    assert panel.table.item(0, 2) is before


def test_histogram_of_selected_layer(panel, result):
    histogram = result.histograms["conv1"]
    assert np.array_equal(panel.histogram_curve.xData, histogram.edges)
    assert np.array_equal(panel.histogram_curve.yData, histogram.counts)
    panel.set_layer("conv3")
    assert np.array_equal(panel.histogram_curve.yData, result.histograms["conv3"].counts)
    assert panel.histogram_title.text() == "conv3 histogram"


def test_missing_histogram_is_said_not_drawn(panel, result):
    panel.set_layer("pool5")
    assert "pool5" not in result.histograms
    assert "not computed" in panel.histogram_title.text()
    assert panel.histogram_curve.yData.sum() == 0


def test_channel_means_and_sparsity(panel, result):
    panel.set_layer("conv3")
    assert np.array_equal(panel.means_curve.yData, result.stats["conv3"].channel_means)
    assert len(panel.means_curve.xData) == 384 + 1
    heights = panel.sparsity_bars.opts["height"]
    expected = [result.stats[name].zero_fraction * 100 for name in LAYER_NAMES]
    assert np.allclose(heights, expected)
    assert panel.sparsity_plot.viewRange()[1] == pytest.approx(list(SPARSITY_Y_RANGE))



def test_an_inactive_panel_marks_a_new_layer_only_when_it_is_shown_again(panel, result):
    from alexnet_viewer.qt.panels.stats_panel import _SELECTED_BRUSH

    panel.set_active(False)  # its dock behind another tab: a layer change costs it nothing
    panel.set_layer("conv3")
    conv3 = LAYER_NAMES.index("conv3")
    assert panel.layer == "conv3" and panel.table.currentRow() == LAYER_NAMES.index("conv1")
    assert panel.histogram_title.text() == "conv1 histogram"
    panel.set_active(True)
    assert panel.table.currentRow() == conv3 and panel.histogram_title.text() == "conv3 histogram"
    assert panel.sparsity_bars.opts["brushes"][conv3] is _SELECTED_BRUSH
    assert np.array_equal(panel.histogram_curve.yData, result.histograms["conv3"].counts)

def test_clicking_a_row_selects_the_layer(qtbot, panel):
    with qtbot.waitSignal(panel.layer_selected) as blocker:
        panel.table.selectRow(LAYER_NAMES.index("fc7"))
    assert blocker.args == ["fc7"]
    assert panel.layer == "fc7"
    assert panel.means_title.text() == "fc7 unit values"


def test_steady_range_only_moves_when_the_data_escapes_or_shrinks():
    from alexnet_viewer.qt.panels.ranges import steady_range

    first = steady_range(None, 0.0, 10.0)
    assert first == pytest.approx((-0.5, 10.5))
    assert steady_range(first, 0.2, 9.0) is None  # wobbling inside: keep the axis still
    assert steady_range(first, 0.0, 12.0) == pytest.approx((-0.6, 12.6))  # escaped
    assert steady_range(first, 0.0, 2.0) == pytest.approx((-0.1, 2.1))  # too small to read


def test_histogram_axis_covers_the_histogram(panel, result):
    panel.set_layer("conv3")
    edges = result.histograms["conv3"].edges
    (x_low, x_high), (y_low, y_high) = panel.histogram_plot.viewRange()
    assert x_low <= edges[0] and edges[-1] <= x_high
    assert y_low <= 0 and result.histograms["conv3"].counts.max() <= y_high


def test_format_number_keeps_columns_narrow():
    assert format_number(0.0291) == "0.029"
    assert format_number(-0.0291) == "-0.029"
    assert format_number(12.3456) == "12.35"
    assert format_number(-123.456) == "-123.5"
    assert format_number(9.9999) == "10.00"
    assert format_number(4321.9) == "4322"
    assert max(len(format_number(v)) for v in (-9.9994, -99.994, -999.94, 0.0, 1e-5)) <= 6


@pytest.mark.parametrize("width", [330, 340, 500])
def test_table_columns_fit_without_sideways_scrolling(qtbot, result, width):
    widget = StatsPanel()
    qtbot.addWidget(widget)
    widget.resize(width, 700)
    widget.show()
    widget.show_result(result)
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    table = widget.table
    header = table.horizontalHeader()
    assert not table.horizontalScrollBar().isVisible()
    assert header.length() <= table.viewport().width()
    # Every column is at least as wide as the widest text it can hold.
    for column, needed in enumerate(widget.column_fitter.widths):
        assert header.sectionSize(column) >= needed
    assert header.length() >= table.viewport().width() - 1  # and together they fill the row


def test_header_names_are_compact_and_explained(panel):
    header_item = panel.table.horizontalHeaderItem(5)
    assert header_item.text() == "%0"
    assert "zero" in header_item.toolTip()


def test_stats_title_can_be_hidden(panel):
    assert panel.title.isVisible()
    panel.set_title_visible(False)
    assert not panel.title.isVisible()


def test_live_frames_without_every_layers_statistics_leave_the_table_until_it_is_stale(qtbot, engine):
    from alexnet_viewer.core.frame.engine import FrameRequest
    from tests.qt.panel_results import gradient_image

    now = [100.0]
    panel = StatsPanel()
    qtbot.addWidget(panel)
    panel.clock = lambda: now[0]
    full = engine.process(gradient_image(), FrameRequest(statistics=True))
    panel.show_result(full)
    shown = panel.table.item(LAYER_NAMES.index("conv3"), 2).text()
    lean = engine.process(gradient_image(phase=90), FrameRequest())
    assert len(lean.stats.known) == 1
    now[0] += 0.1
    panel.show_result(lean)
    assert len(lean.stats.known) == 1  # nothing computed on the GUI thread
    assert panel.table.item(LAYER_NAMES.index("conv3"), 2).text() == shown
    now[0] += 1.0
    panel.show_result(lean)  # stale: read, and so computed
    assert len(lean.stats.known) == len(LAYER_NAMES)
    assert panel.table.item(LAYER_NAMES.index("conv3"), 2).text() == row_texts("conv3", lean.stats["conv3"])[2]
