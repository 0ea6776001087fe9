"""Ablation in the window: Ctrl-click a tile or type LAYER:C1,C2, and the next frame runs with
those channels off, exactly as core's ablation computes it; remove and reset bring them back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.qt.inspect.ablation_panel import NOTHING_OFF, toggled
from tests.qt.inspect_helpers import (
    gradient_picture,
    mosaic_scene_pos,
    next_result,
    open_window,
    show_layer,
)
from tests.qt.panel_results import gradient_image


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))


def _ctrl_click(qtbot, window, channel, y=0, x=0, modifier=Qt.KeyboardModifier.ControlModifier):
    canvas = window.feature_maps_panel.canvas
    position = canvas.mapFromScene(mosaic_scene_pos(window, channel, y, x))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, modifier, position)
    # Qt Test leaves the application's keyboard state as the last synthetic event had it:
    # a plain click on a label lets go of Ctrl for whatever runs next.
    qtbot.mouseClick(window.feature_maps_panel.hover_label, Qt.MouseButton.LeftButton)
    assert QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier


def test_toggled_adds_and_removes_one_channel():
    spec = toggled((), "conv5", 7)
    assert spec == (("conv5", (7,)),)
    spec = toggled(toggled(spec, "conv5", 3), "relu2", 0)
    assert spec == (("relu2", (0,)), ("conv5", (3, 7)))
    assert toggled(toggled(spec, "conv5", 3), "conv5", 7) == (("relu2", (0,)),)


def test_ctrl_click_switches_a_channel_off_exactly_as_core_does(shown, qtbot, shared_engine):
    window, before = shown
    show_layer(qtbot, window, "conv2")
    frame = window.current_job.frame_id
    selected = window.feature_maps_panel.selected_channel
    _ctrl_click(qtbot, window, 17, 3, 4)
    spec = (("conv2", (17,)),)
    assert window.inspect.ablation.spec == spec
    result = next_result(qtbot, window, frame, lambda _r, job: job.view.ablations == spec)
    assert not result.activations["conv2"][17].any()  # the channel is all zeros ...
    assert result.activations["relu2"][17].max() == 0
    # ... and everything after it is what core's ablation gives for the same picture.
    expected = shared_engine.process(gradient_image(), FrameRequest(("conv2",), ablations=spec))
    np.testing.assert_array_equal(result.activations["fc8"], expected.activations["fc8"])
    assert [(p.index, p.probability) for p in result.top5] == [(p.index, p.probability) for p in expected.top5]
    assert not np.array_equal(result.activations["fc8"], before.activations["fc8"])
    # A Ctrl-click does not change the channel in the detail; the tile is crossed out.
    assert window.feature_maps_panel.selected_channel == selected
    assert window.inspect.marks.marked == (17,)
    assert not window.inspect.marks.item.path().isEmpty()
    # The dock lists it; its button switches it back on.
    panel = window.inspect.ablation_panel
    assert panel.rows() == [("conv2", 17)]
    frame = window.current_job.frame_id
    panel.remove_button(0).click()
    result = next_result(qtbot, window, frame, lambda _r, job: job.view.ablations == ())
    assert result.activations["conv2"][17].any()
    np.testing.assert_array_equal(result.activations["fc8"], before.activations["fc8"])
    assert panel.rows() == [] and panel.status_label.text() == NOTHING_OFF
    assert window.inspect.marks.item.path().isEmpty()


def test_a_plain_click_selects_and_a_second_ctrl_click_switches_back_on(shown, qtbot):
    window, _ = shown
    _ctrl_click(qtbot, window, 5, modifier=Qt.KeyboardModifier.NoModifier)
    assert window.feature_maps_panel.selected_channel == ("conv1", 5)
    assert window.inspect.ablation.spec == ()
    _ctrl_click(qtbot, window, 8)
    _ctrl_click(qtbot, window, 8)
    assert window.inspect.ablation.spec == ()


def test_typed_channels_reset_and_a_bad_entry(shown, qtbot):
    window, _ = shown
    panel = window.inspect.ablation_panel
    frame = window.current_job.frame_id
    panel.entry.setText("relu3:2,1")
    panel.entry.returnPressed.emit()
    spec = (("relu3", (1, 2)),)
    result = next_result(qtbot, window, frame, lambda _r, job: job.view.ablations == spec)
    assert not result.activations["relu3"][[1, 2]].any() and result.activations["relu3"].any()
    assert panel.rows() == [("relu3", 1), ("relu3", 2)] and panel.entry.text() == ""
    assert panel.status_label.text() == "2 off — relu3: 1, 2"
    panel.entry.setText("fc6:1")
    panel.add_button.click()
    assert panel.status_label.text() == "only conv, relu and pool layers can be ablated, not fc6"
    assert panel.entry.text() == "fc6:1" and window.inspect.ablation.spec == spec
    panel.entry.setText("conv1:99")
    panel.add_button.click()
    assert "conv1 has channels 0…63" in panel.status_label.text()
    frame = window.current_job.frame_id
    panel.reset_button.click()
    next_result(qtbot, window, frame, lambda _r, job: job.view.ablations == ())
    assert not panel.reset_button.isEnabled()


def test_a_layer_change_keeps_the_ablation(shown, qtbot):
    window, _ = shown
    window.inspect.ablation.toggle("pool1", 0)
    result = show_layer(qtbot, window, "conv2")
    assert window.current_job.view.ablations == (("pool1", (0,)),)
    assert not result.activations["pool1"][0].any()
    assert window.inspect.marks.marked == ()  # none of conv2's tiles is off
