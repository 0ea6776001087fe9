"""Scenes on the window: a saved lecture reopened next term sets the picture, layer,
channel, edits and view again; a lost picture or a bad file is said, not fatal."""

from __future__ import annotations

import pytest

from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.core.lecture.scenes import Lecture, Scene, load_lecture, save_lecture
from alexnet_viewer.qt.lecture import scenes as lecture_scenes
from tests.qt.conftest import wait_for_frame, write_picture

EDITS = Edits(rotate_degrees=270, flip_horizontal=True, brightness=0.2, contrast=1.5, blur_radius=1.5,
              greyscale=True, crop=(0.1, 0.1, 0.9, 0.9))


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    return (folder, write_picture(folder / "pictures" / "red.png"),
            write_picture(folder / "pictures" / "blue.png", colour=(20, 20, 220)))


def test_a_scene_captured_saved_and_reopened_sets_everything_again(make_window, qtbot, course, monkeypatch):
    folder, red, blue = course
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(red))
    window.set_layer("conv2")
    window.feature_maps_panel.select_channel("conv2", 17)
    lecture_scenes.show_edits(window.edits.panel, EDITS)
    window.presentation.show_view("statistics")
    monkeypatch.setattr(lecture_scenes, "ask_scene_name", lambda parent, default: "Red, conv2")
    scene = window.presentation.lecture.save_scene()
    assert scene == Scene("Red, conv2", red.absolute(), "conv2", 17, EDITS, "statistics")
    path = folder / "week1.lecture.json"
    monkeypatch.setattr(lecture_scenes, "ask_lecture_file", lambda parent, start, save: path)
    assert window.presentation.lecture.save_lecture()
    assert load_lecture(path).scenes == (scene,)

    # Next term: another window, another picture and state; the lecture brings it all back.
    again = make_window()
    wait_for_frame(qtbot, again, again.open_path(blue))
    assert again.presentation.lecture.open_lecture(path)
    qtbot.waitUntil(lambda: again.current_path == red.absolute() and again.current_job.edits == EDITS,
                    timeout=30000)
    assert again.layer == "conv2" and again.current_job.view.layer == "conv2"
    assert again.feature_maps_panel.selected_channel == ("conv2", 17)
    assert again.edits.current == EDITS and again.edits.panel.edits == EDITS
    assert again.presentation.view_key == "statistics"
    again.presentation.enter(full_screen=False)
    assert again.centralWidget().view_widget is again.stats_panel


def test_a_missing_picture_is_said_and_the_rest_still_applies(make_window, qtbot, course, tmp_path):
    folder, _red, blue = course
    gone = write_picture(tmp_path / "elsewhere" / "gone.png")
    path = folder / "l.lecture.json"
    save_lecture(Lecture((Scene("Lost", gone, "pool5", 3, Edits(greyscale=True), "filters"),)), path)
    gone.unlink()
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(blue))
    assert window.presentation.lecture.open_lecture(path)
    assert "1 of 1 scenes have lost their picture ('Lost')" in window.messages.text
    assert window.layer == "pool5" and window.edits.current == Edits(greyscale=True)
    assert window.presentation.view_key == "filters"
    qtbot.waitUntil(lambda: window.current_job.edits == Edits(greyscale=True), timeout=30000)
    assert window.current_path == blue.absolute()  # the picture on screen stays
    window.presentation.lecture.go_to(0)
    assert "The picture of scene 'Lost' is missing" in window.messages.text


def test_a_foreign_file_is_refused_with_one_sentence_and_nothing_changes(make_window, qtbot, course):
    folder, red, _blue = course
    bad = folder / "notes.json"
    bad.write_text('{"hello": "world"}', encoding="utf-8")
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(red))
    window.presentation.lecture.save_scene("kept")
    assert not window.presentation.lecture.open_lecture(bad)
    message = window.messages.text
    assert message == "notes.json cannot be opened: it is not an AlexNet Viewer lecture file."
    assert [s.name for s in window.presentation.lecture.lecture.scenes] == ["kept"]


def test_stepping_stops_at_the_ends_and_a_same_name_replaces(make_window, qtbot, picture):
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    lecture = window.presentation.lecture
    lecture.step(+1)
    assert "No scenes yet" in window.messages.text
    lecture.save_scene("one")
    window.set_layer("fc8")
    lecture.save_scene("two")
    lecture.step(+1)
    assert lecture.index == 1 and "last scene" in window.messages.text
    window.set_layer("conv4")
    lecture.save_scene("one")  # replaces the first, keeps its place
    assert [s.name for s in lecture.lecture.scenes] == ["one", "two"] and lecture.lecture.scenes[0].layer == "conv4"
    assert "Replaced scene 1: one" in window.messages.text
    lecture.go_to(1)
    lecture.step(-1)
    assert window.layer == "conv4"
    menu = window.presentation.scenes_menu
    lecture.fill_menu(menu)
    assert [a.text() for a in menu.actions()] == ["1. one", "2. two"]
    menu.actions()[1].trigger()
    assert window.layer == "fc8"


def test_saving_an_empty_lecture_or_to_a_bad_folder_says_why(make_window, qtbot, picture, tmp_path):
    window = make_window()
    lecture = window.presentation.lecture
    assert not lecture.save_lecture(tmp_path / "x.lecture.json")
    assert "no scenes to save" in window.messages.text
    wait_for_frame(qtbot, window, window.open_path(picture))
    lecture.save_scene("a")
    assert not lecture.save_lecture(tmp_path / "missing" / "x.lecture.json")
    assert window.messages.text.startswith("Cannot save the lecture to ")


def test_show_edits_sets_every_control(make_window):
    window = make_window(start=False)
    edits = Edits(rotate_degrees=-30, flip_vertical=True, occluder=(0.3, 0.6, 0.2), contrast=0.5)
    lecture_scenes.show_edits(window.edits.panel, edits)
    assert window.edits.panel.edits == edits
    lecture_scenes.show_edits(window.edits.panel, Edits())
    assert window.edits.panel.edits == Edits()


def test_a_scene_with_a_channel_the_layer_lacks_is_named_and_the_others_load(make_window, qtbot, course):
    folder, red, blue = course
    path = folder / "damaged.lecture.json"
    save_lecture(Lecture((Scene("Good", red, "conv2", 5), Scene("Bad", blue, "conv5", 7))), path)
    text = path.read_text(encoding="utf-8").replace('"channel": 7', '"channel": 999')
    path.write_text(text, encoding="utf-8")
    window = make_window()
    assert window.presentation.lecture.open_lecture(path)
    assert [scene.name for scene in window.presentation.lecture.lecture.scenes] == ["Good"]
    message = window.messages.text
    assert "Scene 2 is damaged: conv5 has channels 0…255, not 999 (the scene 'Bad'); it was skipped." in message
    qtbot.waitUntil(lambda: window.current_path == red.absolute(), timeout=30000)
    assert window.layer == "conv2"
