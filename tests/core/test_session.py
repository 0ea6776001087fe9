"""The viewer state, headless: fields emit (new, old), stale cells go with their layer or picture."""

from pathlib import Path

import pytest

from alexnet_viewer.core.session import MESSAGE_HISTORY, Cell, PictureRef, ViewerState


def test_a_field_emits_new_and_old_once_per_change():
    state = ViewerState()
    seen = []
    state.events.layer.connect(lambda new, old: seen.append((new, old)))
    state.select_layer("conv5")
    state.select_layer("conv5")  # no change, no event
    assert seen == [("conv5", "conv1")]


def test_an_unknown_layer_is_refused_and_the_state_keeps_its_layer():
    state = ViewerState()
    with pytest.raises(Exception, match="conv9"):
        state.select_layer("conv9")
    assert state.layer == "conv1"


def test_a_pinned_cell_leaves_with_its_layer():
    state = ViewerState(picture=PictureRef(1, "cat", Path("cat.png")))
    state.select_layer("conv5")
    state.pinned_cell = state.cell(3, 4)
    state.hover_cell = state.cell(1, 1)
    assert state.cell_is_current(state.pinned_cell)
    state.select_layer("fc8")
    assert state.pinned_cell is None and state.hover_cell is None


def test_a_pinned_cell_leaves_with_its_picture_but_not_with_a_live_frame_of_the_same_source():
    state = ViewerState(picture=PictureRef(1, "camera", live=True))
    state.pinned_cell = state.cell(2, 2)
    state.picture = PictureRef(1, "camera", live=True)  # the next frame of the same source
    assert state.pinned_cell == Cell("conv1", 2, 2, 1)
    state.picture = PictureRef(2, "dog", Path("dog.png"))
    assert state.pinned_cell is None
    assert not state.cell_is_current(Cell("conv1", 2, 2, 1))


def test_no_cell_without_a_picture():
    assert ViewerState().cell(0, 0) is None


def test_messages_replace_each_other_and_the_history_is_bounded():
    state = ViewerState()
    shown = []
    state.events.message.connect(lambda new: shown.append(new and new.text))
    for i in range(MESSAGE_HISTORY + 5):
        state.say(f"m{i}")
    assert state.message.text == f"m{MESSAGE_HISTORY + 4}"
    assert len(state.history) == MESSAGE_HISTORY and state.history[0].text == "m5"
    state.clear_message()
    assert shown[-1] is None and state.history[-1].text == f"m{MESSAGE_HISTORY + 4}"
    with pytest.raises(ValueError, match="level"):
        state.say("x", "shout")


def test_workspaces_are_checked():
    state = ViewerState()
    state.select_workspace("why")
    assert state.workspace == "why"
    with pytest.raises(ValueError, match="look"):
        state.select_workspace("kitchen")
