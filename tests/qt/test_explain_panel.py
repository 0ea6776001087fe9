"""The Explain panel in the window: Grad-CAM of the top-1 once a result is drawn, of the very
frame drawn; targets from a top-5 click, a typed name, presentation keys or the selected
unit; gradient views and the heat map's view without recomputing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.explain.display import gradient_image, upsample
from alexnet_viewer.core.inspect.formula import normalised_input
from alexnet_viewer.qt.explain.jobs import ClassTarget, UnitTarget
from alexnet_viewer.qt.inspect.geometry import crop_box_on_picture
from tests.qt.conftest import wait_for_frame
from tests.qt.explain_helpers import explain_window, wait_drawn
from tests.qt.inspect_helpers import mosaic_scene_pos, show_layer


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return explain_window(make_window, qtbot, shared_engine, tmp_path)


@pytest.fixture(scope="module")
def explainer(loaded_model):
    return Explainer(loaded_model)


def test_the_top1_grad_cam_is_drawn_for_the_frame_on_screen(shown, qtbot, explainer, loaded_model):
    window, result = shown
    explanation = wait_drawn(qtbot, window)
    assert explanation.job.result is window.current_result is result
    assert explanation.frame_id == window.current_job.frame_id
    assert explanation.job.request.method == "gradcam" and explanation.job.request.layer == "relu5"
    top = result.top5[0]
    assert explanation.job.request.target == ClassTarget(top.index, top.label)
    # of exactly that frame: the same map as a fresh forward of its own crop gives
    batch = torch.from_numpy(normalised_input(loaded_model, result)).unsqueeze(0)
    np.testing.assert_allclose(explanation.maps, explainer.gradcam(batch, top.index), rtol=1e-4, atol=1e-9)
    panel = window.explain.panel
    np.testing.assert_allclose(panel.heat_item.image, upsample(explanation.maps, (224, 224)), rtol=1e-6)
    assert panel.picture_shown is result.image  # the heat lies over the picture explained
    top_, left, bottom, right = crop_box_on_picture((0, 0, 224, 224), result.image.shape[:2])
    rect = panel.heat_item.mapRectToParent(panel.heat_item.boundingRect())
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == pytest.approx((left, top_, right, bottom))
    assert panel.color_bar.isVisible() and top.label in panel.caption.text()


def test_the_crop_view_opacity_and_a_new_layer(shown, qtbot, explainer):
    window, result = shown
    panel = window.explain.panel
    first = wait_drawn(qtbot, window)
    explained = len(window.explain.worker.frames_explained)
    panel.crop_button.click()
    panel.opacity_slider.setValue(25)
    assert panel.picture_shown is result.crop
    rect = panel.heat_item.mapRectToParent(panel.heat_item.boundingRect())
    assert (rect.width(), rect.height()) == (224, 224)
    assert panel.heat_item.opacity() == pytest.approx(0.25)
    assert panel.explanation is first and len(window.explain.worker.frames_explained) == explained  # nothing recomputed
    panel.layer_combo.setCurrentText("conv4")
    cam = wait_drawn(qtbot, window, lambda e: e.job.request.layer == "conv4")
    expected = explainer.gradcam(None, result.top5[0].index, "conv4", activations=result.activations)
    assert cam.maps.shape == (13, 13)
    np.testing.assert_allclose(cam.maps, expected, rtol=1e-6)


def test_clicking_a_top5_bar_explains_that_class(shown, qtbot):
    window, result = shown
    wait_drawn(qtbot, window)
    third = result.top5[2]
    qtbot.mouseClick(window.top5_panel.bars[2], Qt.MouseButton.LeftButton)
    explanation = wait_drawn(qtbot, window, lambda e: e.job.request.target.index == third.index)
    assert window.explain.panel.class_edit.text() == third.label
    assert not window.explain.panel.top1_button.isChecked()
    # the class stays the target on the next frame; Top-1 goes back
    qtbot.mouseClick(window.explain.panel.top1_button, Qt.MouseButton.LeftButton)
    again = wait_drawn(qtbot, window, lambda e: e.job.request.target.index == result.top5[0].index)
    assert again.job.serial > explanation.job.serial


def test_presentation_key_2_shows_the_panel_on_the_second_class(shown, qtbot):
    window, result = shown
    wait_drawn(qtbot, window)
    window.activateWindow()
    window.presentation.enter(full_screen=False)
    qtbot.waitUntil(lambda: window.presentation.active)
    qtbot.keyClick(window, Qt.Key.Key_2)
    assert window.centralWidget().view_widget is window.explain.panel
    wait_drawn(qtbot, window, lambda e: e.job.request.target.index == result.top5[1].index)
    window.presentation.leave()


def test_a_typed_class_name_is_explained_and_a_bad_one_gets_a_message(shown, qtbot, loaded_model):
    window, _result = shown
    panel = window.explain.panel
    wait_drawn(qtbot, window)
    completions = panel.completions.stringList()
    assert len(completions) == len(loaded_model.categories) and "tabby" in completions
    panel.class_edit.setText("TABBY")
    qtbot.keyClick(panel.class_edit, Qt.Key.Key_Return)
    explanation = wait_drawn(qtbot, window, lambda e: e.job.request.target.label == "tabby")
    assert explanation.job.request.target.index == loaded_model.categories.index("tabby")
    panel.class_edit.setText("no such animal")
    qtbot.keyClick(panel.class_edit, Qt.Key.Key_Return)
    assert "No class is called 'no such animal'" in panel.caption.text()
    assert panel.explanation is explanation  # the last map stays


def test_the_selected_unit_and_one_cell_of_it(shown, qtbot, explainer):
    window, _result = shown
    panel = window.explain.panel
    wait_drawn(qtbot, window)
    show_layer(qtbot, window, "conv5")
    window.feature_maps_panel.select_channel("conv5", 7)
    panel.unit_button.click()
    unit = wait_drawn(qtbot, window, lambda e: isinstance(e.job.request.target, UnitTarget))
    assert unit.job.request.target == UnitTarget("conv5", 7)
    assert unit.job.request.method == "guided_backprop"  # a unit's own method is chosen for it
    assert not panel.method_combo.model().item(panel.method_combo.findData("gradcam")).isEnabled()
    expected = explainer.unit_map(None, "conv5", 7, method="guided_backprop", activations=unit.job.result.activations)
    np.testing.assert_allclose(unit.maps, expected, rtol=1e-5, atol=1e-5 * float(np.abs(expected).max()))
    np.testing.assert_array_equal(panel.picture_shown, gradient_image(unit.maps, "raw"))
    assert not panel.color_bar.isVisible() and panel.gradient_combo.isVisible()
    panel.gradient_combo.setCurrentIndex(panel.gradient_combo.findData("normblur"))
    np.testing.assert_array_equal(panel.picture_shown, gradient_image(unit.maps, "normblur"))

    panel.cell_check.setChecked(True)
    window.feature_maps_panel.canvas.handle_click(mosaic_scene_pos(window, 11, 4, 6))
    cell = wait_drawn(qtbot, window, lambda e: e.job.request.target == UnitTarget("conv5", 11, 4, 6))
    expected = explainer.unit_map(None, "conv5", 11, 4, 6, "guided_backprop", activations=cell.job.result.activations)
    np.testing.assert_allclose(cell.maps, expected, rtol=1e-5, atol=1e-5 * float(np.abs(expected).max()))
    assert "cell (y 4, x 6)" in panel.caption.text()


def test_a_new_result_of_the_same_frame_is_not_explained_again(shown, qtbot):
    window, _result = shown
    wait_drawn(qtbot, window)
    worker = window.explain.worker
    posted = worker.mailbox.counts().posted
    frame = window.post_current()  # what a layer switch does: the same picture run again
    wait_for_frame(qtbot, window, frame)
    # One more frame of the picture on screen, through the same path: whatever the last one
    # set off, at once or queued behind it, has happened by the time this one is drawn.
    wait_for_frame(qtbot, window, window.post_current())
    assert worker.mailbox.counts().posted == posted  # neither new result asked for an explanation
    assert worker.frames_explained[-1] < frame


def test_nothing_is_explained_while_the_panel_is_behind_another_tab(make_window, qtbot, shared_engine, tmp_path):
    from tests.qt.inspect_helpers import gradient_picture, open_window

    window, _result = open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))
    window.stats_dock.raise_()
    frame = window.open_path(gradient_picture(tmp_path, "second.png", phase=40))
    wait_for_frame(qtbot, window, frame)
    # One more frame of the picture on screen, through the same path: whatever the last one
    # set off, at once or queued behind it, has happened by the time this one is drawn.
    wait_for_frame(qtbot, window, window.post_current())
    assert window.explain.worker.mailbox.counts().posted == 0  # none asked for, for any frame drawn
    assert window.explain.worker.frames_explained == []
    window.explain.show_panel()
    explanation = wait_drawn(qtbot, window)
    assert explanation.frame_id == window.current_job.frame_id > frame


def test_a_screenshot_with_explain_waits_for_the_map(qtbot, tmp_path, settings_path, shared_engine):
    from PIL import Image

    from alexnet_viewer.core.model.weights_spec import WeightsSpec
    from alexnet_viewer.qt.app import GuiOptions, create_app
    from tests.qt.conftest import RecordingFactory, write_picture
    from tests.qt.inspect_helpers import with_model

    out = tmp_path / "shot.png"
    options = GuiOptions(image=write_picture(tmp_path / "in.png"), weights=WeightsSpec.random(0), screenshot=out,
                         settings_path=settings_path, screenshot_size=(1280, 800), explain=True)
    window = create_app(options, exec_app=False, engine_factory=RecordingFactory(shared_engine, wrap=with_model))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.screenshot_run.finished, timeout=60000) as finished:
        pass
    explanation = window.explain.panel.explanation
    seen = window.explain.controller.panel_seen
    window.close()
    assert finished.args == [0] and seen  # the Explain tab in front, at 1280x800 too
    assert explanation is not None and explanation.job.result.top5[0] == window.current_result.top5[0]
    with Image.open(out) as shot:
        assert shot.size == (1280, 800)
