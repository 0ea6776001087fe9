"""A real atlas, damaged in many ways: ``atlas top`` says one sentence naming the file and
exits 2 (never a traceback, never a non-finite number in its JSON, bounded memory), and
``atlas build`` rebuilds the damaged part, or with --force starts again, to the same atlas.
Its relu7 codes alike: ``atlas neighbours`` says one sentence, the next build codes them again."""

import contextlib
import io
import json
import shutil

import numpy as np
import pytest

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.atlas.manifest import MAX_MANIFEST_BYTES
from tests import damage
from tests.atlas_fixtures import assert_same_atlas, atlas_by_path, make_folder

WEIGHTS = ["--random-weights", "--seed", "0", "--device", "cpu"]
MEMORY = 64 << 20  # far below what any absurd count would cost


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def build_args(folder, atlas, *extra):
    return ["atlas", "build", str(folder), "--out", str(atlas), "--top", "3", "--batch", "4", "--workers", "0", *WEIGHTS, *extra]


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    root = tmp_path_factory.mktemp("damaged-atlas")
    folder = make_folder(root, count=4)
    code, _, err = run(*build_args(folder, root / "atlas"))
    assert code == 1, err  # the fixture's broken.jpg
    return root, folder, root / "atlas"


def copy_of(atlas, tmp_path):
    _, _, original = atlas
    copy = tmp_path / "atlas"
    shutil.copytree(original, copy)
    return copy


def top_file(folder):
    return next(folder.glob("top-*.npz"))


def records_file(folder):
    return next(folder.glob("records-*.npz"))


def manifest(folder):
    return folder / "manifest.json"


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return damage.change_json(change)


MANIFEST_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "empty": damage.empty,
    "a list, not an object": damage.change_json(lambda data: [1, 2, 3]),
    "top_k as text": _set(("top_k",), "3"),
    "top_k absurd (10^12)": _set(("top_k",), 10**12),
    "top_k NaN": _set(("top_k",), float("nan")),
    "files not a list": _set(("files",), {"a": 1}),
    "a picture's size as text": _set(("files", 0, "size"), "big"),
    "a picture's shard out of range": _set(("files", 0, "shard"), 99),
    "a picture's row negative": _set(("files", 0, "row"), -1),
    "complete as text": _set(("complete",), "yes"),
    "layers of another network": _set(("layers", 0, "height"), 54),
    "a layer's channels absurd": _set(("layers", 0, "channels"), 10**9),
    "layers missing": _set(("layers",), []),
    "a file name leaving the folder": _set(("top",), "../top-00.npz"),
    "crop as text": _set(("preprocess", "crop"), "224"),
    "an absurd size (past 4 GB)": damage.absurd_size(MAX_MANIFEST_BYTES + 1),
    "deeply nested": lambda path: path.write_text('{"format": "alexnet-viewer atlas", "version": 1, "weights": '
                                                  + "[" * 100_000 + "]" * 100_000 + "}"),
}

TOP_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "empty": damage.empty,
    "missing": lambda path: path.unlink(),
    "a pickled object array": damage.pickled("values"),
    "values of the wrong shape": damage.change_npz("values", lambda a: a[:, :2]),
    "values as text": damage.change_npz("values", lambda a: a.astype("U8")),
    "pictures as floats": damage.change_npz("pictures", lambda a: a.astype(np.float32)),
    "an array missing": lambda path: damage.write_npz(path, {k: v for k, v in damage.read_npz(path).items() if k != "positions"}),
    "a picture index out of range": damage.change_npz("pictures", lambda a: np.where(a == a.max(), 10**6, a)),
    "a position outside its layer": damage.change_npz("positions", lambda a: np.full_like(a, 5000)),
    "a NaN value": damage.change_npz("values", lambda a: np.where(a == a.max(), np.nan, a)),
    "an infinite value": damage.change_npz("values", lambda a: np.where(a == a.max(), np.inf, a)),
    "an absurd count in the header": damage.absurd_header("values"),
    "an absurd object count in the header": damage.absurd_header("pictures", (10**12,), "|O"),
}


def _top_says_one_sentence(folder, tmp_path, names):
    json_path = tmp_path / "top.json"
    with damage.peak_memory(MEMORY):
        code, out, err = run("atlas", "top", str(folder), "conv2:5", "--json", str(json_path))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith("."), err
    assert "Traceback" not in err and any(name in lines[0] for name in names), lines[0]
    assert not json_path.exists() and out == ""
    return lines[0]


@pytest.mark.parametrize("name", MANIFEST_DAMAGE)
def test_a_damaged_manifest_is_one_sentence(atlas, tmp_path, name):
    folder = copy_of(atlas, tmp_path)
    MANIFEST_DAMAGE[name](manifest(folder))
    line = _top_says_one_sentence(folder, tmp_path, [str(folder)])
    assert "not an alexnet-viewer atlas" in line or "--force" in line


@pytest.mark.parametrize("name", TOP_DAMAGE)
def test_a_damaged_top_k_is_one_sentence(atlas, tmp_path, name):
    folder = copy_of(atlas, tmp_path)
    path = top_file(folder)
    TOP_DAMAGE[name](path)
    line = _top_says_one_sentence(folder, tmp_path, [path.name])
    assert "atlas build" in line


RECORDS_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "a pickled object array": damage.pickled("positions"),
    "fewer rows than the manifest": damage.change_npz("values", lambda a: a[:1]),
    "an absurd count in the header": damage.absurd_header("values"),
    "a NaN value": damage.change_npz("values", lambda a: np.where(a == a.max(), np.nan, a)),
    "a position outside its layer": damage.change_npz("positions", lambda a: np.full_like(a, -3)),
}


def _build_matches_the_original(atlas, folder, *extra):
    root, pictures, original = atlas
    with damage.peak_memory(1 << 30):  # the build itself: a model and a batch, nothing absurd
        code, out, err = run(*build_args(pictures, folder, *extra))
    assert code == 1 and "Traceback" not in err, err  # 1: the fixture's broken.jpg, as in the first build
    assert_same_atlas(atlas_by_path(folder), atlas_by_path(original))
    assert run("atlas", "top", str(folder), "conv2:5")[0] == 0
    return err


@pytest.mark.parametrize("name", ["truncated", "a NaN value", "a position outside its layer"])
def test_build_recomputes_the_records_and_the_top_k(atlas, tmp_path, name):
    """A records file damaged with a top-K that still reads: the top-K (made from it) is
    dropped with it when its header is bad, else recomputed, and the pictures decoded again."""
    folder = copy_of(atlas, tmp_path)
    RECORDS_DAMAGE[name](records_file(folder))
    TOP_DAMAGE["a NaN value"](top_file(folder))  # forces a recompute from the records
    err = _build_matches_the_original(atlas, folder)
    assert "note: " in err and "processed again" in err


@pytest.mark.parametrize("name", list(RECORDS_DAMAGE))
def test_a_damaged_records_file_is_rebuilt_from_the_pictures(atlas, tmp_path, name):
    folder = copy_of(atlas, tmp_path)
    damaged = records_file(folder)
    RECORDS_DAMAGE[name](damaged)
    top_file(folder).unlink()  # the next build must read the records
    err = _build_matches_the_original(atlas, folder)
    assert f"'{damaged.name}'" in err and "processed again" in err
    assert not damaged.exists()  # never half-merged: the damaged file is gone


def test_a_damaged_top_k_is_recomputed_by_the_next_build(atlas, tmp_path):
    folder = copy_of(atlas, tmp_path)
    TOP_DAMAGE["garbage bytes"](top_file(folder))
    err = _build_matches_the_original(atlas, folder)
    assert "recomputed from the records" in err


def test_a_damaged_manifest_says_how_to_mend_it_and_force_starts_again(atlas, tmp_path):
    root, pictures, _ = atlas
    folder = copy_of(atlas, tmp_path)
    MANIFEST_DAMAGE["a picture's size as text"](manifest(folder))
    code, _, err = run(*build_args(pictures, folder))
    assert code == 2 and err.count("\n") == 1 and "--force" in err and "Traceback" not in err
    _build_matches_the_original(atlas, folder, "--force")


def test_force_never_overwrites_a_folder_that_is_not_an_atlas(atlas, tmp_path):
    _, pictures, _ = atlas
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "manifest.json").write_text("{ someone else's manifest")
    (folder / "notes.txt").write_text("mine")
    code, _, err = run(*build_args(pictures, folder, "--force"))
    assert code == 2 and "Traceback" not in err
    assert (folder / "manifest.json").read_text() == "{ someone else's manifest"


def codes_files(folder):
    """The first shard's (codes, crops) .npy files and the codes' index."""
    index = folder / "codes" / "index.json"
    shard = json.loads(index.read_text())["shards"][0]
    return folder / "codes" / f"{shard}-codes.npy", folder / "codes" / f"{shard}-crops.npy", index


CODES_DAMAGE = {  # (which file: 0 codes, 1 crops, 2 index; the damage)
    "codes truncated": (0, damage.truncate),
    "crops garbage bytes": (1, damage.garbage),
    "codes a pickled object array": (0, damage.change_npy(lambda a: np.array([object()] * len(a), dtype=object))),
    "codes with a NaN": (0, damage.change_npy(lambda a: np.where(a == a.max(), np.nan, a))),
    "codes with an infinity": (0, damage.change_npy(lambda a: np.full_like(a, np.inf))),
    "codes of the wrong width": (0, damage.change_npy(lambda a: a[:, :10])),
    "codes as text": (0, damage.change_npy(lambda a: a.astype("U3"))),
    "codes as complex numbers": (0, damage.change_npy(lambda a: a.astype(np.complex64))),
    "crops as floats": (1, damage.change_npy(lambda a: a.astype(np.float32))),
    "crops of another size": (1, damage.change_npy(lambda a: a[:, :8, :8])),
    "codes an absurd count in the header": (0, damage.absurd_npy_header()),
    "index deeply nested": (2, lambda path: path.write_text("[" * 100_000 + "]" * 100_000)),
    "index files not a list": (2, damage.change_json(lambda data: {**data, "files": {"a": 1}})),
    "index a row negative": (2, damage.change_json(lambda data: data["files"][0].__setitem__("row", -1))),
    "index an absurd size (past 4 GB)": (2, damage.absurd_size(MAX_MANIFEST_BYTES + 1)),
}


def damage_codes(folder, name):
    which, change = CODES_DAMAGE[name]
    change(codes_files(folder)[which])


def neighbours(folder, tmp_path):
    picture = json.loads(manifest(folder).read_text())["files"][0]["path"]  # stored: no network needed
    return run("atlas", "neighbours", str(folder), picture, "--json", str(tmp_path / "near.json"))


@pytest.mark.parametrize("name", CODES_DAMAGE)
def test_damaged_codes_are_one_sentence(atlas, tmp_path, name):
    folder = copy_of(atlas, tmp_path)
    which = CODES_DAMAGE[name][0]
    named = codes_files(folder)[which].name if which < 2 else "no relu7 codes"  # a damaged index: none
    damage_codes(folder, name)
    with damage.peak_memory(MEMORY):
        code, out, err = neighbours(folder, tmp_path)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith("."), err
    assert "Traceback" not in err and str(folder) in lines[0] and named in lines[0], lines[0]
    assert "atlas build" in lines[0] and lines[0].count(". ") == 0, lines[0]
    assert not (tmp_path / "near.json").exists()


@pytest.mark.parametrize("name", ["codes with a NaN", "codes of the wrong width", "crops as floats", "index deeply nested"])
def test_damaged_codes_are_coded_again_by_the_next_build(atlas, tmp_path, name):
    folder = copy_of(atlas, tmp_path)
    damage_codes(folder, name)
    _build_matches_the_original(atlas, folder)
    code, _, err = neighbours(folder, tmp_path)
    assert code == 0 and json.loads((tmp_path / "near.json").read_text())[0]["distance"] == 0, err
