"""relu7 codes and crops kept by atlas build; neighbours against a brute-force torchvision pass."""

import json
import shutil

import numpy as np
import pytest
import torch

import alexnet_viewer.core.atlas.pictures as pictures_module
from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.codes import FOLDER, INDEX, read_index
from alexnet_viewer.core.atlas.neighbours import load_codes, picture_query
from alexnet_viewer.core.atlas.pictures import draft_size, load_picture
from alexnet_viewer.core.atlas.store import AtlasError, read_manifest
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from tests.atlas_fixtures import make_folder, write_picture

OPTIONS = BuildOptions(top_k=3, batch_size=3, commit_seconds=0.0, flush_rows=3)


@pytest.fixture(scope="module")
def loaded():
    return load_model(WeightsSpec.random(0), device="cpu")


@pytest.fixture
def built(tmp_path, loaded):
    folder = make_folder(tmp_path, count=7)
    out = tmp_path / "atlas"
    build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0))
    return folder, out


def brute_force(loaded, paths):
    """Each picture alone through torchvision's plain forward; relu7 cloned by a hook."""
    preprocess = Preprocessor(loaded.transforms, torch.device("cpu"))
    kept = {}
    handle = loaded.model.classifier[5].register_forward_hook(lambda _m, _i, out: kept.__setitem__("relu7", out.clone()))
    codes, crops = [], []
    try:
        for path in paths:
            batch, crop = load_picture(path, preprocess, draft_size(loaded.transforms))
            with torch.inference_mode():
                loaded.model(batch.unsqueeze(0))
            codes.append(kept["relu7"][0].numpy())
            crops.append(crop.permute(1, 2, 0).numpy())
    finally:
        handle.remove()
    return np.array(codes, np.float64), np.array(crops)


def brute_ranking(distances, paths):
    return sorted(range(len(paths)), key=lambda i: (distances[i], paths[i]))


def test_build_keeps_every_picture_code_and_crop_as_torchvision_computes_them(built, loaded):
    _, out = built
    atlas = load_codes(out)
    assert len(atlas) == 7 and atlas.codes.shape == (7, 4096) and atlas.codes.dtype == np.float32
    codes, crops = brute_force(loaded, atlas.paths)
    scale = np.abs(codes).max()
    np.testing.assert_allclose(atlas.codes, codes, rtol=1e-4, atol=1e-5 * scale)
    for i in range(len(atlas)):
        np.testing.assert_array_equal(atlas.crop(i), crops[i])


@pytest.mark.parametrize("space", ["relu7", "pixels"])
def test_nearest_equals_a_brute_force_ranking(built, loaded, space):
    folder, out = built
    atlas = load_codes(out)
    codes, crops = brute_force(loaded, atlas.paths)
    query_path = write_picture(folder.parent / "query.png", seed=41, size=(80, 60))
    query_codes, query_crops = brute_force(loaded, [query_path])
    if space == "relu7":
        distances = np.linalg.norm(codes - query_codes[0], axis=1)
    else:
        distances = np.linalg.norm(crops.reshape(len(crops), -1) / 255.0 - query_crops.reshape(1, -1) / 255.0, axis=1)
    code, crop = picture_query(atlas, query_path, loaded)
    found = atlas.nearest(space, code if space == "relu7" else crop, 7)
    assert [item.index for item in found] == brute_ranking(distances, atlas.paths)
    np.testing.assert_allclose([item.distance for item in found], np.sort(distances), rtol=1e-4)
    assert [item.rank for item in found] == list(range(1, 8))


def test_an_atlas_picture_is_its_own_nearest_at_zero(built, loaded):
    _, out = built
    atlas = load_codes(out)
    for space in ("relu7", "pixels"):
        code, crop = picture_query(atlas, atlas.paths[3], loaded)
        first = atlas.nearest(space, code if space == "relu7" else crop, 1)[0]
        assert (first.path, first.distance) == (atlas.paths[3], 0.0)


def test_an_atlas_without_codes_says_to_build_again_which_adds_them(built, loaded, monkeypatch):
    folder, out = built
    before = load_codes(out).codes.copy()
    shutil.rmtree(out / FOLDER)
    with pytest.raises(AtlasError, match="run 'alexnet-viewer atlas build'"):
        load_codes(out)
    decoded = []
    original = pictures_module.load_picture
    monkeypatch.setattr(pictures_module, "load_picture", lambda path, *a: decoded.append(path) or original(path, *a))
    report = build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0))
    assert report.up_to_date and report.coded == 7 and len(decoded) == 7
    np.testing.assert_allclose(load_codes(out).codes, before, rtol=1e-5, atol=1e-6 * np.abs(before).max())


def test_a_new_picture_is_decoded_once_for_its_record_and_its_code(built, loaded, monkeypatch):
    folder, out = built
    write_picture(folder / "new.png", seed=77)
    decoded = []
    original = pictures_module.load_picture
    monkeypatch.setattr(pictures_module, "load_picture", lambda path, *a: decoded.append(path.name) or original(path, *a))
    report = build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0))
    assert report.processed == 1 and report.coded == 0 and decoded == ["new.png"]
    assert "new.png" in {p.rsplit("/", 1)[-1] for p in load_codes(out).paths}


def test_removed_pictures_leave_the_index_and_their_unused_shards_go(built, loaded):
    folder, out = built
    for name in ("p00.png", "p01.png", "p02.jpg"):  # the first shard's pictures
        (folder / name).unlink()
    build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0))
    index = read_index(out)
    assert sorted(index.files) == sorted(entry.path for entry in read_manifest(out).files)
    assert len(list((out / FOLDER).glob("*.npy"))) == 2 * len(index.shards)
    assert len(load_codes(out)) == 4


def test_a_damaged_index_is_redone_by_the_next_build(built, loaded):
    folder, out = built
    (out / FOLDER / INDEX).write_text("{not json")
    with pytest.raises(AtlasError, match="atlas build"):
        load_codes(out)
    assert build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0)).coded == 7
    assert len(load_codes(out)) == 7


def test_a_damaged_shard_is_one_sentence(built):
    _, out = built
    index = json.loads((out / FOLDER / INDEX).read_text())
    (out / FOLDER / f"{index['shards'][0]}-crops.npy").write_bytes(b"garbage")
    with pytest.raises(AtlasError, match="atlas build"):
        load_codes(out)


def test_adding_codes_reports_progress_and_a_stopped_pass_keeps_what_it_flushed(built, loaded):
    folder, out = built
    shutil.rmtree(out / FOLDER)
    seen = []

    def stop_after_first(done, total):
        seen.append((done, total))
        if len(seen) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0), progress=stop_after_first)
    assert seen == [(3, 7)]  # one batch of three coded and flushed
    assert len(read_index(out).files) == 3
    report = build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0), progress=lambda *_: None)
    assert report.coded == 4 and len(load_codes(out)) == 7


def test_a_damaged_shard_is_coded_again_by_the_next_build(built, loaded):
    folder, out = built
    index = json.loads((out / FOLDER / INDEX).read_text())
    (out / FOLDER / f"{index['shards'][0]}-codes.npy").write_bytes(b"garbage")
    report = build_atlas(loaded, [folder], out, OPTIONS, spec=WeightsSpec.random(0))
    assert report.coded == sum(entry["shard"] == 0 for entry in index["files"]) > 0
    assert len(load_codes(out)) == 7
