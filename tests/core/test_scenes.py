"""Scenes and lectures round-trip through their JSON file without Qt."""

import json
from pathlib import Path

import pytest

from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.core.lecture.scenes import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Lecture,
    LectureError,
    Scene,
    edits_from_json,
    edits_to_json,
    load_lecture,
    missing_pictures,
    save_lecture,
)

EDITS = Edits(rotate_degrees=90, flip_horizontal=True, crop=(0.1, 0.2, 0.9, 0.8), brightness=0.25,
              contrast=1.5, blur_radius=2.0, greyscale=True, occluder=(0.4, 0.6, 0.2))


def make_lecture(tmp_path: Path) -> tuple[Lecture, Path]:
    inside = tmp_path / "course" / "pictures" / "cat.png"
    outside = tmp_path / "elsewhere" / "dog.png"
    for picture in (inside, outside):
        picture.parent.mkdir(parents=True, exist_ok=True)
        picture.write_bytes(b"not read by the core")
    lecture = Lecture((
        Scene("Edges", inside, layer="conv1", channel=7, edits=EDITS, view="filters"),
        Scene("Deeper", outside, layer="pool5", channel=None, view="architecture"),
        Scene("Pasted", None, layer="fc8", channel=3, view="statistics"),
    ))
    return lecture, tmp_path / "course" / "week1.lecture.json"


def test_lecture_round_trips_through_its_file(tmp_path):
    lecture, path = make_lecture(tmp_path)
    save_lecture(lecture, path)
    assert load_lecture(path) == lecture


def test_pictures_in_the_lecture_folder_are_relative_others_absolute(tmp_path):
    lecture, path = make_lecture(tmp_path)
    save_lecture(lecture, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT_NAME and data["version"] == FORMAT_VERSION
    pictures = [scene["picture"] for scene in data["scenes"]]
    assert pictures[0] == "pictures/cat.png"
    assert Path(pictures[1]).is_absolute() and Path(pictures[1]) == (tmp_path / "elsewhere" / "dog.png")
    assert pictures[2] is None


def test_a_moved_lecture_folder_still_finds_its_pictures(tmp_path):
    lecture, path = make_lecture(tmp_path)
    save_lecture(lecture, path)
    moved = tmp_path / "next-term"
    (tmp_path / "course").rename(moved)
    reopened = load_lecture(moved / path.name)
    assert reopened.scenes[0].picture == moved / "pictures" / "cat.png"
    assert missing_pictures(reopened) == []


def test_a_missing_picture_still_loads_the_scene(tmp_path):
    lecture, path = make_lecture(tmp_path)
    save_lecture(lecture, path)
    (tmp_path / "elsewhere" / "dog.png").unlink()
    reopened = load_lecture(path)
    assert len(reopened) == 3
    assert [scene.name for scene in missing_pictures(reopened)] == ["Deeper"]
    assert reopened.scenes[1].layer == "pool5"


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path):
    lecture, path = make_lecture(tmp_path)
    save_lecture(lecture, path)
    save_lecture(Lecture(lecture.scenes[:1]), path)
    assert len(load_lecture(path)) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["pictures", path.name]


def test_saving_into_a_missing_folder_is_one_sentence(tmp_path):
    with pytest.raises(LectureError, match=r"^Cannot save the lecture to .*\.$"):
        save_lecture(Lecture(), tmp_path / "no" / "such" / "x.lecture.json")


@pytest.mark.parametrize("content, reason", [
    (b"\xff\xfe\x00garbage", "not text"),
    (b"{ not json", "not valid JSON"),
    (b'{"format": "something-else", "version": 1, "scenes": []}', "not an AlexNet Viewer lecture file"),
    (b'[1, 2, 3]', "not an AlexNet Viewer lecture file"),
    (b'{"format": "alexnet-viewer-lecture", "version": 99, "scenes": []}', "newer AlexNet Viewer"),
    (b'{"format": "alexnet-viewer-lecture", "scenes": []}', "version is missing"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1}', "no list of scenes"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1, "scenes": [{"name": "a", "layer": "conv9"}]}',
     "scene 1 is damaged: unknown layer"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1, "scenes": [{"name": "a", "channel": -2}]}',
     "scene 1 is damaged"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1, "scenes": [{"name": "a", "edits": {"zoom": 2}}]}',
     "unknown edit 'zoom'"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1, "scenes": [{"name": "a", "edits": {"crop": [1]}}]}',
     "'crop' must be 4 numbers"),
    (b'{"format": "alexnet-viewer-lecture", "version": 1, "scenes": [{"layer": "conv1"}]}', "has no name"),
])
def test_bad_or_foreign_files_are_refused_in_one_sentence(tmp_path, content, reason):
    path = tmp_path / "bad.lecture.json"
    path.write_bytes(content)
    with pytest.raises(LectureError) as caught:
        load_lecture(path)
    message = str(caught.value)
    assert reason in message
    assert message.endswith(".") and "\n" not in message


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(LectureError, match="does not exist"):
        load_lecture(tmp_path / "gone.lecture.json")


def test_edits_round_trip_and_defaults_fill_in():
    assert edits_from_json(edits_to_json(EDITS)) == EDITS
    assert edits_from_json({}) == Edits()
    assert edits_from_json({"greyscale": True}) == Edits(greyscale=True)
    with pytest.raises(ValueError, match="true or false"):
        edits_from_json({"greyscale": 1})
    with pytest.raises(ValueError, match="finite"):
        edits_from_json({"brightness": float("nan")})


def test_a_scene_of_the_same_name_is_replaced():
    first = Scene("Intro", None, layer="conv1")
    lecture = Lecture().with_scene(first).with_scene(Scene("Other", None)).with_scene(
        Scene("Intro", None, layer="conv5"))
    assert [scene.name for scene in lecture.scenes] == ["Intro", "Other"]
    assert lecture.scenes[0].layer == "conv5"
