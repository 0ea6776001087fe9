"""The formula view: a clicked cell's arithmetic from core/formula.py, computed off the GUI
thread, ending in the value the map shows."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from alexnet_viewer.core.inspect.formula import cell_formula
from alexnet_viewer.qt.inspect import formula_controller
from alexnet_viewer.qt.inspect.formula_view import TOP_CHANNELS, FormulaView, number
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from tests.qt.inspect_helpers import (
    gradient_picture,
    mosaic_scene_pos,
    open_window,
    show_layer,
)
from tests.qt.panel_results import process


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))


def _click(qtbot, window, channel, y, x):
    view = window.inspect.formula_view
    with qtbot.waitSignal(window.inspect.formula.computed, timeout=20000):
        window.feature_maps_panel.canvas.handle_click(mosaic_scene_pos(window, channel, y, x))
    return view


def test_a_conv1_cell_shows_patch_kernel_product_and_the_maps_value(shown, qtbot):
    window, result = shown
    view = _click(qtbot, window, 5, 20, 31)
    value = float(result.activations["conv1"][5, 20, 31])
    assert view.stack.currentWidget() is view.pictures
    assert view.shown_value == pytest.approx(value, abs=1e-4)
    assert f"<b>{number(value)}</b> (conv1)" in view.equation_label.text()
    relu = float(window.current_result.activations["relu1"][5, 20, 31])
    assert f"ReLU → <b>{number(relu)}</b> (relu1)" in view.equation_label.text()
    assert number(value) in view.note_label.text()
    expected = cell_formula(window.worker.loaded_model, result, "conv1", 5, 20, 31)
    for key in ("patch", "kernel", "product"):
        image = view.pictures.items[key].image
        assert image.shape == (11, 11, 3)
        np.testing.assert_allclose(image, np.moveaxis(getattr(expected, key), 0, -1), rtol=1e-6)
    assert view.cell_label.text() == "conv1 · channel 5 · (y 20, x 31)"


def test_a_deeper_conv_cell_shows_its_strongest_input_channels(shown, qtbot):
    window, _ = shown
    result = show_layer(qtbot, window, "conv3")
    view = _click(qtbot, window, 7, 6, 6)
    value = float(result.activations["conv3"][7, 6, 6])
    assert view.stack.currentWidget() is view.bars
    assert view.shown_value == pytest.approx(value, abs=1e-4, rel=1e-4)
    assert f"<b>{number(value)}</b> (conv3)" in view.equation_label.text()
    formula = view.formula
    top = formula.top(TOP_CHANNELS)
    assert view.bars.names == [str(channel) for channel, _ in top] + ["rest", "bias"]
    assert view.bars.heights == [v for _, v in top] + [formula.rest(TOP_CHANNELS), formula.bias]
    assert sum(view.bars.heights) == pytest.approx(value, abs=1e-4, rel=1e-4)  # the bars add up to the map


def test_a_pool_cell_shows_its_window_and_the_maximum(shown, qtbot):
    window, _ = shown
    result = show_layer(qtbot, window, "pool1")
    view = _click(qtbot, window, 9, 0, 13)
    assert view.stack.currentWidget() is view.pool
    value = float(result.activations["pool1"][9, 0, 13])
    assert view.shown_value == value
    window_values = result.activations["relu1"][9, 0:3, 26:29]
    for r in range(3):
        for c in range(3):
            assert view.pool.cells[r][c].text() == f"{float(window_values[r, c]):.3f}"
    r, c = view.formula.argmax
    assert "bold" in view.pool.cells[r][c].styleSheet()
    assert float(window_values[r, c]) == value


def test_a_relu_cell_shows_its_conv_then_the_relu(shown, qtbot):
    window, _ = shown
    result = show_layer(qtbot, window, "relu2")
    view = _click(qtbot, window, 11, 3, 4)
    assert view.formula.layer == "conv2"
    relu = float(result.activations["relu2"][11, 3, 4])
    assert view.formula.relu == pytest.approx(relu, abs=1e-4)
    assert f"ReLU → <b>{number(relu)}</b> (relu2)" in view.equation_label.text()


def test_formulas_are_computed_off_the_gui_thread(shown, qtbot, monkeypatch):
    window, _ = shown
    threads = []
    real = cell_formula

    def recording(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr("alexnet_viewer.core.inspect.formula.cell_formula", recording)
    _click(qtbot, window, 1, 2, 3)
    assert threads and all(thread is not threading.main_thread() for thread in threads)


def test_the_formula_follows_new_frames_and_ablation(shown, qtbot):
    window, _ = shown
    view = _click(qtbot, window, 4, 10, 10)
    frame = window.current_job.frame_id
    with qtbot.waitSignal(window.inspect.formula.computed, timeout=20000):
        window.inspect.ablation.toggle("conv1", 4)
    assert window.current_job.frame_id > frame
    assert "switched off" in view.note_label.text()
    assert number(0.0) in view.note_label.text()


def test_fully_connected_units_and_a_missing_model_say_why(shown, qtbot, monkeypatch):
    window, _ = shown
    controller = window.inspect.formula
    controller.show_cell("fc6", 10, 0, 0)
    assert "fully connected" in controller.view.message_label.text()
    assert controller.view.formula is None
    monkeypatch.setattr(type(window.worker), "loaded_model", property(lambda self: None))
    controller.show_cell("conv1", 0, 0, 0)
    assert controller.view.message_label.text() == formula_controller.NO_MODEL


def test_the_patch_kernel_and_product_keep_their_least_side_in_a_small_dock(qtbot, shared_engine):
    result = process(shared_engine)
    view = FormulaView()
    qtbot.addWidget(view)
    view.show_formula(cell_formula(shared_engine.loaded, result, "conv1", 5, 20, 31), "conv1",
                      float(result.activations["conv1"][5, 20, 31]))
    view.resize(420, 240)  # smaller than the pictures need: the view keeps their room
    view.show()
    items = view.pictures.items.values()

    def fitted(item) -> bool:  # drawn inside its box, as the view fits it
        return item.getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1).contains(item.sceneBoundingRect())

    qtbot.waitUntil(lambda: view.pictures.isVisible() and all(fitted(item) for item in items), timeout=5000)
    assert all(min(item.sceneBoundingRect().width(), item.sceneBoundingRect().height()) >= PICTURE_MIN_SIDE
               for item in items)
