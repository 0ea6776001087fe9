"""atlas build: against a brute-force ranking, incremental, resumable, and careful with bad input."""

import os
import shutil

import numpy as np
import pytest
import torch

from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.pictures import draft_size, load_picture
from alexnet_viewer.core.atlas.store import AtlasError, read_manifest
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from alexnet_viewer.core.pictures.picture_files import list_pictures
from alexnet_viewer.core.frame.preprocess import Preprocessor
from tests.atlas_fixtures import (
    assert_ranked_as,
    assert_same_atlas,
    atlas_by_path,
    make_folder,
    write_picture,
)

OPTIONS = BuildOptions(top_k=3, batch_size=2, commit_seconds=0.0, flush_rows=2)  # commit every batch


@pytest.fixture
def folder(tmp_path):
    return make_folder(tmp_path)


def build(loaded, folder, out, options=OPTIONS, **kwargs):
    return build_atlas(loaded, [folder], out, options, spec=WeightsSpec.random(0), **kwargs)


def brute_force(loaded, paths, k, draft=True):
    """Each picture alone through a plain forward whose hooks clone every layer's output
    (decoded as an atlas does in draft mode, or in full as the window does)."""
    preprocess = Preprocessor(loaded.transforms, torch.device("cpu"))
    outputs = {}
    handles = [
        layer_module(loaded.model, name).register_forward_hook(
            lambda _m, _i, out, name=name: outputs.__setitem__(name, out.detach().clone())
        )
        for name in SPATIAL_LAYERS
    ]
    maxima, where = [], []
    try:
        for path in paths:
            batch, _ = load_picture(path, preprocess, draft_size(loaded.transforms) if draft else None)
            with torch.inference_mode():
                loaded.model(batch.unsqueeze(0))
            maps = [outputs[name][0].flatten(1).numpy() for name in SPATIAL_LAYERS]
            maxima.append(np.concatenate([m.max(axis=1) for m in maps]))
            where.append(np.concatenate([m.argmax(axis=1) for m in maps]))  # first maximum, as in the atlas
    finally:
        for handle in handles:
            handle.remove()
    maxima, where = np.array(maxima), np.array(where)
    order = [sorted(range(len(paths)), key=lambda i: (-maxima[i, c], str(paths[i])))[:k] for c in range(maxima.shape[1])]
    return maxima, where, np.array(order)


def test_atlas_matches_a_brute_force_ranking(loaded_model, folder, tmp_path):
    report = build(loaded_model, folder, tmp_path / "atlas")
    assert (report.pictures, report.processed, report.bad) == (7, 7, 1)
    atlas = atlas_by_path(tmp_path / "atlas")
    good = sorted(p for p in list_pictures(folder, recursive=True) if p.name != "broken.jpg")
    assert atlas["files"] == sorted(str(p) for p in good)
    paths = [p for p in sorted(good, key=str)]
    maxima, where, order = brute_force(loaded_model, paths, 3)
    assert_ranked_as(atlas, paths, (maxima, where, order), rtol=1e-5, atol=1e-6)
    assert atlas["bad"] == [str(folder / "broken.jpg")]


def test_incremental_build_equals_a_fresh_one(loaded_model, folder, tmp_path):
    build(loaded_model, folder, tmp_path / "atlas")  # records files of 2: [p00] [p01 p02] [p03 p04] [p05 p06]
    write_picture(folder / "sub" / "new.png", seed=40)  # added
    write_picture(folder / "new2.png", seed=42)
    changed = folder / "p01.png"
    write_picture(changed, seed=41)  # changed: new content, new size or time
    os.utime(changed, ns=(1, 1))
    (folder / "p02.jpg").unlink()  # removed: no record of [p01 p02] is still in use
    (folder / "p03.png").unlink()
    report = build(loaded_model, folder, tmp_path / "atlas")  # two batches, two commits
    assert (report.processed, report.reused, report.dropped) == (3, 4, 3)
    fresh = build(loaded_model, folder, tmp_path / "fresh")
    assert fresh.processed == 7
    assert_same_atlas(atlas_by_path(tmp_path / "atlas"), atlas_by_path(tmp_path / "fresh"))
    assert build(loaded_model, folder, tmp_path / "atlas").up_to_date


def test_interrupted_build_resumes_to_the_same_atlas(loaded_model, folder, tmp_path):
    def stop_after_two(step):
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(loaded_model, folder, tmp_path / "atlas", after_batch=stop_after_two)
    partial = read_manifest(tmp_path / "atlas")
    assert not partial.complete and len(partial.files) + len(partial.bad) == 4
    report = build(loaded_model, folder, tmp_path / "atlas")
    assert report.processed == 8 - 4 and report.reused == len(partial.files)  # only the rest is decoded
    build(loaded_model, folder, tmp_path / "fresh")
    resumed = atlas_by_path(tmp_path / "atlas")
    assert resumed["complete"]
    assert_same_atlas(resumed, atlas_by_path(tmp_path / "fresh"))


def test_a_build_killed_before_its_first_commit_starts_again_cleanly(loaded_model, folder, tmp_path):
    def stop(step):
        raise KeyboardInterrupt

    options = BuildOptions(top_k=3, batch_size=2, flush_rows=2, commit_seconds=3600)
    with pytest.raises(KeyboardInterrupt):
        build(loaded_model, folder, tmp_path / "atlas", options, after_batch=stop)
    kept = [name.split("-")[0] for name in os.listdir(tmp_path / "atlas") if name != "codes"]  # codes: core/atlas/codes.py
    assert kept == ["records"]  # flushed, not committed
    assert build(loaded_model, folder, tmp_path / "atlas").processed == 7
    assert len([name for name in os.listdir(tmp_path / "atlas") if name.startswith("records")]) == 4


def test_bad_files_are_named_skipped_and_not_decoded_again(loaded_model, folder, tmp_path):
    messages = []
    first = build(loaded_model, folder, tmp_path / "atlas", on_bad=messages.append)
    assert first.bad == 1 and messages == ['Cannot open "broken.jpg": damaged file.']
    messages.clear()
    again = build(loaded_model, folder, tmp_path / "atlas", on_bad=messages.append)
    assert again.up_to_date and again.bad == 1 and again.processed == 0
    assert "broken.jpg" in messages[0] and "unchanged" in messages[0]
    write_picture(folder / "broken.jpg", seed=50)  # repaired: decoded this time
    repaired = build(loaded_model, folder, tmp_path / "atlas", on_bad=messages.append)
    assert (repaired.processed, repaired.bad, repaired.pictures) == (1, 0, 8)


def test_a_new_top_k_comes_from_the_stored_records(loaded_model, folder, tmp_path):
    build(loaded_model, folder, tmp_path / "atlas")
    report = build(loaded_model, folder, tmp_path / "atlas", BuildOptions(top_k=5, batch_size=4))
    assert report.processed == 0 and read_manifest(tmp_path / "atlas").top_k == 5
    build(loaded_model, folder, tmp_path / "fresh", BuildOptions(top_k=5, batch_size=3))
    assert_same_atlas(atlas_by_path(tmp_path / "atlas"), atlas_by_path(tmp_path / "fresh"))


def test_other_weights_are_refused_unless_forced(loaded_model, folder, tmp_path):
    build(loaded_model, folder, tmp_path / "atlas")
    other = load_model(WeightsSpec.random(seed=1), device="cpu")
    with pytest.raises(AtlasError, match="other weights.*--force"):
        build_atlas(other, [folder], tmp_path / "atlas", OPTIONS)
    before = set(os.listdir(tmp_path / "atlas"))
    report = build_atlas(other, [folder], tmp_path / "atlas", BuildOptions(top_k=3, force=True))
    assert report.processed == 7 and report.reused == 0
    assert not before & {name for name in os.listdir(tmp_path / "atlas") if name.endswith(".npz")}


@pytest.mark.parametrize(
    "case, message",
    [("missing", "does not exist"), ("file", "is not a folder"), ("empty", "No pictures found")],
)
def test_bad_folders_are_refused_in_one_sentence(loaded_model, tmp_path, case, message):
    target = tmp_path / "target"
    if case == "file":
        target.write_text("x")
    elif case == "empty":
        target.mkdir()
    with pytest.raises(AtlasError, match=message):
        build(loaded_model, target, tmp_path / "atlas")


def test_bad_atlas_folders_are_refused(loaded_model, folder, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(AtlasError, match="Cannot write the atlas"):
        build(loaded_model, folder, tmp_path / "a-file")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(AtlasError, match="not an atlas"):
        build(loaded_model, folder, tmp_path / "busy")
    shutil.copytree(tmp_path / "busy", tmp_path / "copy")
    (tmp_path / "copy" / "manifest.json").write_text("{broken")
    with pytest.raises(AtlasError, match="Cannot read the atlas"):
        build(loaded_model, folder, tmp_path / "copy")
