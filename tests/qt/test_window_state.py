"""The window around one viewer state: what it shows follows the state, nothing stale stays,
one message area, the top-5 marks what Explain shows, and the bugs of issue 15."""

from __future__ import annotations

import inspect as pyinspect

import pytest

from alexnet_viewer.core.errors import WeightsUnavailableError
from alexnet_viewer.core.model import loader as model_module
from alexnet_viewer.core.session import Cell
from alexnet_viewer.qt.panels.top5_panel import EXPLAIN_MARK
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.window import messages as messages_module
from tests.qt.conftest import wait_for_frame, write_picture
from tests.qt.inspect_helpers import gradient_picture, mosaic_scene_pos, open_window, show_layer


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))


def test_the_job_is_built_from_the_state(shown, qtbot):
    window, _ = shown
    frame = window.current_job.frame_id
    window.state.channel_order = "mean"  # as any view writing the state would
    qtbot.waitUntil(lambda: window.current_job.frame_id > frame, timeout=30000)
    assert window.current_job.view.channel_order == "mean"
    assert window.feature_maps_panel.order_combo.currentData() == "mean"  # the panel follows
    window.state.select_layer("conv4")
    qtbot.waitUntil(lambda: window.feature_maps_panel.shown_layer == "conv4", timeout=30000)
    assert window.current_job.view.layer == "conv4" and window.stats_panel.layer == "conv4"
    assert window.feature_maps_panel.layer_combo.currentText() == "conv4"
    window.feature_maps_panel.colormap_combo.setCurrentText("inferno")
    assert window.state.colormap == "inferno"
    assert window.state.result is window.current_result and window.state.picture.label == "gradient.png"


def test_a_pinned_or_hovered_field_leaves_with_its_layer_and_fc_layers_draw_none(shown, qtbot):
    window, _ = shown
    overlay, canvas = window.inspect.overlay, window.feature_maps_panel.canvas
    canvas.handle_click(mosaic_scene_pos(window, 3, 10, 20))
    canvas.handle_mouse_moved(mosaic_scene_pos(window, 3, 11, 21))
    assert window.state.pinned_cell == Cell("conv1", 10, 20, window.state.picture.token)
    assert overlay.pinned is not None and overlay.hovered is not None
    show_layer(qtbot, window, "conv5")
    assert window.state.pinned_cell is None and window.state.hover_cell is None
    assert overlay.pinned is None and overlay.hovered is None
    assert not any(item.isVisible() for item in (*overlay._pin_items, *overlay._hover_items))
    show_layer(qtbot, window, "fc8")
    overlay.pin("fc8", 0, 0)
    overlay.hover("fc8", 0, 0)
    assert overlay.pinned is None and overlay.hovered is None and window.state.pinned_cell is None


def test_a_field_leaves_with_its_picture(shown, qtbot, tmp_path):
    window, _ = shown
    window.feature_maps_panel.canvas.handle_click(mosaic_scene_pos(window, 3, 10, 20))
    assert window.inspect.overlay.pinned is not None
    wait_for_frame(qtbot, window, window.open_path(write_picture(tmp_path / "other.png")))
    assert window.state.pinned_cell is None and window.inspect.overlay.pinned is None


def test_the_hover_outline_goes_when_the_pointer_leaves_the_detail(shown, qtbot):
    from PySide6.QtCore import QEvent

    window, _ = shown
    overlay = window.inspect.overlay
    overlay.hover("conv1", 4, 4)
    assert overlay.hovered is not None
    overlay.eventFilter(window.feature_maps_panel.channel_detail.plot_widget, QEvent(QEvent.Type.Leave))
    assert overlay.hovered is None


def test_one_message_area_replaces_fades_and_keeps_a_history(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(messages_module, "FADE_MS", {"info": 1, "warning": 1, "error": 1})
    window = make_window(start=False)
    state = window.state
    state.say("first")
    state.say("second", "error")
    assert window.messages.text == "second" and window.messages.level == "error"
    assert [m.text for m in state.history][-2:] == ["first", "second"]
    assert window.messages.history_texts()[:2] == ["error: second", "info: first"]
    qtbot.waitUntil(lambda: not window.messages.isVisible(), timeout=5000)  # it faded
    assert state.message is None
    state.say("Pick one", "error", needs_answer=True)
    assert not window.messages.fade_timer.isActive()  # one that needs an answer stays


def test_presentation_shows_no_messages_and_no_toolbars(make_window, qtbot):
    window = make_window(start=False)
    window.state.say("An error the audience should not see", "error")
    window.presentation.enter(full_screen=False, size=(1280, 720))
    assert window.state.presentation
    assert not window.messages.isVisible()
    assert not any(bar.isVisible() for bar in (window.workspaces.toolbar, window.live.toolbar))
    window.presentation.leave()
    assert not window.state.presentation and window.messages.isVisible()


def test_the_title_follows_the_picture_after_an_error_that_is_not_about_a_picture(make_window, qtbot, tmp_path):
    window = make_window()
    first = write_picture(tmp_path / "first.png")
    wait_for_frame(qtbot, window, window.open_path(first))
    window.show_error("The camera went away.", about_picture=False)
    second = write_picture(tmp_path / "second.png", colour=(10, 10, 200))
    wait_for_frame(qtbot, window, window.open_path(second))
    assert window.windowTitle().startswith("second.png")
    assert window.settings.recent_files()[0] == second.absolute()
    assert window.messages.text == "The camera went away."  # not about the picture: it stays


def test_pretrained_offline_with_weights_in_use_reaches_the_dialog(make_window, qtbot, monkeypatch):
    window = make_window()
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)

    def offline(spec, device=None, progress=None, should_cancel=None):
        raise WeightsUnavailableError("no network")

    monkeypatch.setattr(model_module, "load_model", offline)
    asked = []
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice",
                        lambda parent, current: __import__("alexnet_viewer.core.model.weights_spec",
                                                           fromlist=["WeightsSpec"]).WeightsSpec.pretrained())
    monkeypatch.setattr(weights_dialogs, "ask_offline_choice",
                        lambda parent, message, reason, quit_text="Quit": asked.append((reason, quit_text)))
    window.weights_dialog()
    qtbot.waitUntil(lambda: asked != [], timeout=30000)
    assert asked == [("unavailable", "Keep the weights in use")]
    # Nothing still says it is loading: the weights in use are named again.
    assert "loading" not in window.status_line.weights_label.text()
    assert window.top5_panel.status_label.text() != "Loading model…"
    assert window.state.weights_status == "ready"


def test_the_top5_marks_the_class_explain_shows(shown, qtbot):
    window, result = shown
    window.explain.show_panel()
    qtbot.waitUntil(lambda: window.state.explain_class == window.current_result.top5[0].index, timeout=30000)
    assert window.top5_panel.marked_rank() == 1
    second = window.current_result.top5[1].index
    window.explain.controller.choose_class(second)
    assert window.state.explain_class == second and window.top5_panel.marked_rank() == 2
    assert window.top5_panel.name_labels[1].text().endswith(EXPLAIN_MARK)


def test_no_mixins_remain():
    import alexnet_viewer.qt.window.main_window as main_window

    assert [base.__name__ for base in main_window.MainWindow.__mro__[:2]] == ["MainWindow", "QMainWindow"]
    assert "Mixin" not in pyinspect.getsource(main_window)


def test_each_outline_on_the_picture_has_a_legend(shown, qtbot):
    from alexnet_viewer.qt.inspect.rf_overlay import LEGEND

    window, _ = shown
    overlay, legend = window.inspect.overlay, window.input_panel.legend
    assert legend.isHidden()
    overlay.hover("conv1", 4, 4)
    assert not legend.isHidden() and LEGEND["hover"][1] in legend.text()
    overlay.pin("conv1", 5, 5)
    overlay.set_point((100.0, 100.0))
    assert all(LEGEND[key][1] in legend.text() for key in ("hover", "pin", "point"))
    overlay.unhover()
    assert LEGEND["hover"][1] not in legend.text() and LEGEND["pin"][1] in legend.text()
