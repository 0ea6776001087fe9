"""A/B in the window: freeze the frame on screen, change the picture, and the panel shows
current − reference for the current layer and the change of the top-5."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QTableWidgetItem

from alexnet_viewer.core.inspect.compare import difference, difference_mosaic, top5_change
from alexnet_viewer.qt.inspect.compare_panel import NO_REFERENCE
from tests.qt.conftest import wait_for_frame
from tests.qt.inspect_helpers import (
    gradient_picture,
    next_result,
    open_window,
    show_layer,
)


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    window, result = open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))
    window.compare_dock.show()
    window.compare_dock.raise_()
    qtbot.waitUntil(window.inspect.compare_panel.isVisible)
    return window, result


def _wait_shown(qtbot, panel, current, reference, layer):
    qtbot.waitUntil(lambda: panel.shown_key is not None and panel.shown_key[0] is current
                    and panel.shown_key[1] is reference and panel.shown_key[2] == layer, timeout=20000)


def test_freeze_then_change_shows_current_minus_reference(shown, qtbot):
    window, reference = shown
    panel = window.inspect.compare_panel
    panel.freeze_button.click()
    assert panel.reference is reference and panel.clear_button.isEnabled()
    assert "gradient.png" in panel.reference_label.text()
    frame = window.current_job.frame_id
    window.edits.panel.occluder.setChecked(True)  # cover the middle with the grey square
    current = next_result(qtbot, window, frame, lambda _r, job: job.edits.occluder is not None)
    _wait_shown(qtbot, panel, current, reference, "conv1")
    expected = difference_mosaic(current, reference, "conv1", current.mosaics["conv1"].order)
    assert np.array_equal(panel.mosaic.image, expected.image)
    assert np.array_equal(panel.canvas.image_item.image, expected.image)
    low, high = panel.mosaic.levels
    assert low == -high == -float(np.abs(difference(current, reference, "conv1")).max())
    assert tuple(panel.color_bar.levels()) == pytest.approx((low, high))
    assert panel.changes == top5_change(current, reference)
    assert panel.table.rowCount() == len(panel.changes)
    first = panel.changes[0]
    assert panel.table.item(0, 0).text() == first.label
    assert panel.table.item(0, 3).text() == f"{first.delta * 100:+.2f}"
    # The hover read-out gives the difference of the cell under the mouse.
    top, left = panel.mosaic.tile_origin(3)
    panel.hover_at(top + 5.5, left + 7.5)
    diff = float(difference(current, reference, "conv1")[3, 5, 7])
    assert panel.hover_label.text().endswith(f"Δ {diff:+.3f}")
    # Another layer shows its own difference.
    current = show_layer(qtbot, window, "pool5")
    _wait_shown(qtbot, panel, current, reference, "pool5")
    assert np.array_equal(panel.mosaic.image, difference_mosaic(current, reference, "pool5").image)
    assert panel.title.text() == "A/B pool5: current − reference"


def test_clear_reference(shown, qtbot):
    window, _ = shown
    panel = window.inspect.compare_panel
    panel.freeze_button.click()
    panel.clear_button.click()
    assert panel.reference is None and panel.mosaic is None and panel.table.rowCount() == 0
    assert panel.reference_label.text() == NO_REFERENCE and not panel.clear_button.isEnabled()
    assert panel.canvas.image_item.image is None


def test_nothing_is_computed_while_the_panel_is_hidden(shown, qtbot):
    window, reference = shown
    panel = window.inspect.compare_panel
    panel.freeze_button.click()
    _wait_shown(qtbot, panel, reference, reference, "conv1")
    window.compare_dock.hide()
    frame = window.current_job.frame_id
    window.inspect.ablation.toggle("conv1", 0)
    next_result(qtbot, window, frame, lambda _r, job: job.view.ablations != ())
    # One more frame through the same path: whatever the last one set off, at once or queued
    # behind it, has happened once this one is drawn; and once no difference is under way,
    # one asked for would be on the panel.
    current = wait_for_frame(qtbot, window, window.post_current())
    qtbot.waitUntil(lambda: not panel._job.busy, timeout=20000)
    assert panel.current is current and panel.shown_key[0] is reference  # still the one from before
    window.compare_dock.show()
    _wait_shown(qtbot, panel, current, reference, "conv1")
    assert np.array_equal(panel.mosaic.image, difference_mosaic(current, reference, "conv1").image)


def test_a_narrow_panel_keeps_the_class_heading_whole(shown, qtbot):
    """In a 1280-px window the A/B dock is ~170 px wide: the class column keeps room for its
    heading and the table scrolls sideways, rather than cutting the heading to ":lass"."""
    window, _ = shown
    window.state.select_workspace("inside")  # A/B beside Ablation, as a lecturer meets it
    panel = window.inspect.compare_panel
    qtbot.waitUntil(panel.isVisible)
    panel.table.setRowCount(5)
    for row in range(5):  # the widest read-outs it shows
        for column, text in enumerate(("red-backed sandpiper", "100.00 %", "100.00 %", "+100.00", "5 → 1 ▲4")):
            panel.table.setItem(row, column, QTableWidgetItem(text))
    header = panel.table.horizontalHeader()
    assert header.sectionSize(0) >= header.fontMetrics().horizontalAdvance("class")
