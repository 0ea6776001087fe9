"""The methods view, standalone: prices before a click, maps off the GUI thread, running
estimates while SmoothGrad works, newest-wins on a live source, one sentence for bad input."""

import threading

import numpy as np
import pytest
import torch

from alexnet_viewer.core.explain.display import gradient_image
from alexnet_viewer.core.explain.methods import MethodRunner, Settings
from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.inspect.formula import normalised_input
from alexnet_viewer.core.session import ViewerState
from alexnet_viewer.qt.explain.methods_view import ORDER, MethodsView

SMALL = Settings(samples=4, steps=4, chunk=2, mask_batch=64)


@pytest.fixture
def result(shared_engine, loaded_model):
    rows, cols = np.mgrid[0:240, 0:320]
    frame = np.stack([(rows % 256), (cols % 256), ((rows + cols) % 256)], axis=-1).astype(np.uint8)
    return shared_engine.process(frame, FrameRequest(timings=True))


def make_view(qtbot, loaded_model, state=None, **kwargs):
    state = state or ViewerState()
    view = MethodsView(state, lambda: loaded_model, settings=SMALL, **kwargs)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    return state, view


def expected(loaded_model, result, method, class_index, layer="relu5"):
    batch = torch.from_numpy(normalised_input(loaded_model, result)).unsqueeze(0)
    return MethodRunner(loaded_model).run(method, batch, class_index, layer, SMALL)


def test_prices_are_shown_before_any_click_and_times_once_a_frame_ran(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.follow_check.setChecked(False)
    row = ORDER.index("smoothgrad")
    assert view.table.item(row, 1).text() == "4 forwards + 4 backwards"
    assert view.table.item(row, 2).text() == "–"  # no frame timed yet
    assert view.table.item(ORDER.index("scorecam"), 1).text() == "257 forwards"  # relu5's 256 masks
    view.layer_combo.setCurrentText("conv1")
    assert view.table.item(ORDER.index("scorecam"), 1).text() == "65 forwards"
    state.result = result
    assert view.table.item(row, 2).text().startswith("≈ ")
    qtbot.waitUntil(lambda: view.task is None and view.shown is not None, timeout=60000)


def test_a_map_is_computed_off_the_gui_thread_inside_the_device_gate_and_drawn(qtbot, loaded_model, result, monkeypatch):
    from alexnet_viewer.core.model import device_gate

    threads = []

    def factory(loaded):
        threads.append((threading.current_thread(), device_gate.held_here()))
        return MethodRunner(loaded)

    monkeypatch.setattr(device_gate, "_forced", True)  # serial as on MPS (force_serial), undone after the test
    state, view = make_view(qtbot, loaded_model, runner_factory=factory)
    view.select("grad_x_input")
    state.explain_class = 281
    state.result = result
    qtbot.waitUntil(lambda: view.task is None and view.shown is not None and view.shown.request.method == "grad_x_input",
                    timeout=60000)
    assert threads and all(thread is not threading.main_thread() and held for thread, held in threads)
    np.testing.assert_allclose(view.shown.values, expected(loaded_model, result, "grad_x_input", 281), rtol=1e-5,
                               atol=1e-6 * float(np.abs(view.shown.values).max()))
    np.testing.assert_array_equal(view.image_item.image, gradient_image(view.shown.values, "raw"))
    assert "Gradient × input of" in view.caption.text() and "(281)" in view.caption.text() and "estimated" in view.caption.text()


def test_smoothgrad_shows_running_estimates_then_the_map(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.follow_check.setChecked(False)
    seen = []
    state.result = result
    qtbot.waitUntil(lambda: view.task is None, timeout=60000)
    original = view._show
    view._show = lambda shown, timing="": (seen.append((shown.done, shown.total)), original(shown, timing))
    view.select("smoothgrad")
    qtbot.waitUntil(lambda: view.task is None and view.shown.request.method == "smoothgrad", timeout=60000)
    assert seen == [(2, 4), (1, 1)]  # one running mean after the first chunk, then the whole map
    top1 = result.top5[0].index
    np.testing.assert_allclose(view.shown.values, expected(loaded_model, result, "smoothgrad", top1), rtol=1e-5,
                               atol=1e-6 * float(np.abs(view.shown.values).max()))


def test_a_cam_at_the_chosen_layer_and_a_new_choice_cancels_the_old(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.follow_check.setChecked(False)
    view.select("layercam")
    view.layer_combo.setCurrentText("conv3")
    state.result = result
    view.select("scorecam")  # starts; the next choice cancels it
    view.select("gradcam_pp")
    qtbot.waitUntil(lambda: view.task is None and view.shown is not None and view.shown.request.method == "gradcam_pp",
                    timeout=60000)
    assert view.shown.values.shape == (13, 13) and view.shown.request.layer == "conv3"
    assert view.image_item.image.shape == (224, 224, 3)


def test_a_bad_class_is_one_sentence_and_no_model_waits(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.class_edit.setText("zebrafish")
    state.result = result
    assert view.task is None and view.caption.text().startswith("No class is called 'zebrafish'")
    missing = MethodsView(ViewerState(result=result), lambda: None, settings=SMALL)
    qtbot.addWidget(missing)
    missing.show()
    assert missing.task is None and "weights are not loaded yet" in missing.caption.text()
    assert missing.table.item(ORDER.index("scorecam"), 1).text() == "1 + 1 per channel"


def test_cancel_stops_the_map_under_way_with_a_sentence(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.follow_check.setChecked(False)
    state.result = result
    qtbot.waitUntil(lambda: view.task is None, timeout=60000)
    view.select("scorecam")  # 257 forwards in batches of 64: time to cancel between them
    assert view.cancel_button.isVisibleTo(view)
    view.cancel_button.click()
    qtbot.waitUntil(lambda: view.task is None, timeout=60000)
    assert view.caption.text() == "The Score-CAM map was cancelled."
    assert view.shown.request.method == "saliency" and not view.cancel_button.isVisibleTo(view)


def test_a_hidden_view_computes_nothing_and_catches_up_when_shown(qtbot, loaded_model, result):
    state, view = make_view(qtbot, loaded_model)
    view.hide()
    state.result = result
    assert view.task is None and view.shown is None  # nobody would see the map
    row = ORDER.index("smoothgrad")
    assert view.table.item(row, 2).text() == "–"  # nor the prices, brought up to date when shown
    view.show()  # on screen once laid out (ScreenWatch): the map of the frame on screen starts
    qtbot.waitUntil(lambda: view.task is not None or view.shown is not None)
    assert view.table.item(row, 2).text().startswith("≈ ")
    assert len(view.completions.stringList()) == len(loaded_model.categories)
    qtbot.waitUntil(lambda: view.task is None and view.shown is not None, timeout=60000)
    assert view.shown.request.result is result
    view.show()  # shown again with the same frame: no second map
    assert view.task is None

