"""A real lecture file and a real cached visualisation, damaged in many ways: a lecture says
one sentence or loads its good scenes and names the skipped ones; a cache entry is deleted
and computed again; a damaged record of verified weights means hashing them again. (The
atlas's damages: tests/test_damaged_atlas.py.)"""

import json

import numpy as np
import pytest

from alexnet_viewer.core.lecture.scenes import Lecture, LectureError, Scene, load_lecture, save_lecture
from alexnet_viewer.core.model import verified
from alexnet_viewer.core.visualize import cache, visualize
from tests import damage

MEMORY = 64 << 20


@pytest.fixture
def lecture_file(tmp_path):
    path = tmp_path / "week1.lecture.json"
    save_lecture(Lecture((
        Scene("Edges", tmp_path / "cat.png", layer="conv1", channel=7, view="filters"),
        Scene("Deeper", None, layer="pool5", channel=None),
        Scene("Classes", None, layer="fc8", channel=3, view="statistics"),
    )), path)
    return path


def _scene(index, key, value):
    def change(data):
        data["scenes"][index][key] = value

    return damage.change_json(change)


# Damages after which no lecture can be read: one sentence.
WHOLE_FILE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "empty": damage.empty,
    "a list, not an object": damage.change_json(lambda data: [1, 2]),
    "scenes not a list": damage.change_json(lambda data: {**data, "scenes": {"a": 1}}),
    "version as text": damage.change_json(lambda data: {**data, "version": "1"}),
    "deeply nested": lambda path: path.write_text('{"format": "alexnet-viewer-lecture", "version": 1, "scenes": '
                                                  + "[" * 100_000 + "]" * 100_000 + "}"),
    "every scene damaged": damage.change_json(lambda data: {**data, "scenes": [1, "two"]}),
    "an absurd size (256 MB)": damage.absurd_size(256 << 20),
}

# Damages to the second scene: it is named and skipped, the others load.
ONE_SCENE = {
    "a layer that does not exist": (_scene(1, "layer", "conv9"), "unknown layer 'conv9'"),
    "a layer as a number": (_scene(1, "layer", 5), "unknown layer 5"),
    "a channel past the layer's": (_scene(1, "channel", 256), "pool5 has channels 0…255, not 256"),
    "an absurd channel": (_scene(1, "channel", 10**30), "not 1000000000000000000000000000000"),
    "a channel as text": (_scene(1, "channel", "7"), "whole number"),
    "a negative channel": (_scene(1, "channel", -1), "whole number"),
    "a NaN edit": (_scene(1, "edits", {"brightness": float("nan")}), "finite numbers"),
    "edits of the wrong type": (_scene(1, "edits", [1, 2]), "not an object"),
    "a name as a number": (_scene(1, "name", 3), "has no name"),
    "a scene that is not an object": (damage.change_json(lambda d: d["scenes"].__setitem__(1, [1])), "not an object"),
}


@pytest.mark.parametrize("name", WHOLE_FILE)
def test_a_lecture_that_cannot_be_read_is_one_sentence(lecture_file, name):
    WHOLE_FILE[name](lecture_file)
    with damage.peak_memory(MEMORY), pytest.raises(LectureError) as caught:
        load_lecture(lecture_file)
    message = str(caught.value)
    assert lecture_file.name in message or str(lecture_file) in message
    assert message.endswith(".") and "\n" not in message


@pytest.mark.parametrize("name", ONE_SCENE)
def test_a_damaged_scene_is_named_and_skipped_and_the_others_load(lecture_file, name):
    change, reason = ONE_SCENE[name]
    change(lecture_file)
    with damage.peak_memory(MEMORY):
        lecture = load_lecture(lecture_file)
    assert [scene.name for scene in lecture.scenes] == ["Edges", "Classes"]
    (note,) = lecture.skipped
    assert note.startswith("Scene 2 is damaged: ") and reason in note and note.endswith("it was skipped.")
    assert lecture.scenes[1].channel == 3 and lecture.scenes[1].layer == "fc8"


def test_every_scene_of_a_good_file_loads_with_nothing_skipped(lecture_file):
    lecture = load_lecture(lecture_file)
    assert len(lecture) == 3 and lecture.skipped == ()


STEPS = 2


@pytest.fixture(scope="module")
def cached(loaded_model, tmp_path_factory):
    """A real cache entry (conv1:0, two steps) and the picture it holds."""
    folder = tmp_path_factory.mktemp("cache")
    first = visualize(loaded_model, "conv1", 0, steps=STEPS, seed=0, cache_dir=folder)
    (entry,) = folder.iterdir()
    return entry, entry.read_bytes(), first


CACHE_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "empty": damage.empty,
    "a pickled object array": damage.pickled("history"),
    "an image of floats": damage.change_npz("image", lambda a: a.astype(np.float32)),
    "an image without colour": damage.change_npz("image", lambda a: a[..., 0]),
    "an image of four channels": damage.change_npz("image", lambda a: np.concatenate([a, a[..., :1]], axis=2)),
    "a NaN activation": damage.change_npz("activation", lambda a: np.float64(np.nan)),
    "an infinite history": damage.change_npz("history", lambda a: np.full_like(a, np.inf)),
    "a history of the wrong length": damage.change_npz("history", lambda a: a[:1]),
    "an array missing": lambda path: damage.write_npz(path, {k: v for k, v in damage.read_npz(path).items() if k != "history"}),
    "an absurd count in the header": damage.absurd_header("image", (10**6, 10**6, 3), "|u1"),
}


@pytest.mark.parametrize("name", CACHE_DAMAGE)
def test_a_damaged_cache_entry_is_deleted_and_counts_as_a_miss(cached, tmp_path, name):
    original, data, _ = cached
    entry = tmp_path / original.name
    entry.write_bytes(data)
    assert cache.read_entry(entry, STEPS) is not None  # the undamaged copy reads
    CACHE_DAMAGE[name](entry)
    with damage.peak_memory(MEMORY):
        assert cache.read_entry(entry, STEPS) is None
    assert not entry.exists()


def test_a_damaged_entry_is_computed_again_and_cached_anew(cached, loaded_model, tmp_path):
    original, data, first = cached
    entry = tmp_path / original.name
    entry.write_bytes(data)
    CACHE_DAMAGE["a pickled object array"](entry)
    again = visualize(loaded_model, "conv1", 0, steps=STEPS, seed=0, cache_dir=tmp_path)
    assert not again.cached and np.array_equal(again.image, first.image)
    assert visualize(loaded_model, "conv1", 0, steps=STEPS, seed=0, cache_dir=tmp_path).cached
    assert json.dumps(again.history) and all(np.isfinite(again.history))


RECORD_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "empty": damage.empty,
    "a list, not an object": damage.change_json(lambda data: [1, 2]),
    "deeply nested": lambda path: path.write_text("[" * 100_000 + "]" * 100_000),
    "an entry as text": damage.change_json(lambda data: {key: "verified" for key in data}),
    "a size as text": damage.change_json(lambda data: [entry.__setitem__("size", str(entry["size"])) for entry in data.values()]),
    "a hash as a number": damage.change_json(lambda data: [entry.__setitem__("sha256", 5) for entry in data.values()]),
    "an absurd size (256 MB)": damage.absurd_size(256 << 20),
}


@pytest.mark.parametrize("name", RECORD_DAMAGE)
def test_a_damaged_record_of_verified_weights_means_hashing_again(tmp_path, monkeypatch, name):
    """The record is a shortcut only: damaged, the weights are hashed again and recorded anew."""
    monkeypatch.setattr(verified, "RECORD_DIR", tmp_path)
    weights = tmp_path / "alexnet-owt-7be5be79.pth"
    weights.write_bytes(b"weights")
    verified.remember(weights, "ab" * 32)
    assert verified.known_hash(weights) == "ab" * 32
    RECORD_DAMAGE[name](verified.record_path())
    with damage.peak_memory(MEMORY):
        assert verified.known_hash(weights) is None
    verified.remember(weights, "cd" * 32)
    assert verified.known_hash(weights) == "cd" * 32
