"""The t-SNE map of an atlas's relu7 codes: keeps neighbours, cached, placed, drawn."""

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

import alexnet_viewer.core.atlas.embedding as embedding
from alexnet_viewer.core.atlas.embedding import Placer, cache_path, draw_map, embed, read_cached
from alexnet_viewer.core.atlas.neighbours import load_codes
from alexnet_viewer.core.atlas.store import AtlasError
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from tests import damage
from tests.photo_fixtures import photo_atlas


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    root = tmp_path_factory.mktemp("map")
    loaded = load_model(WeightsSpec.random(0), device="cpu")
    return load_codes(photo_atlas(root, loaded)), loaded


def test_the_map_keeps_neighbours_on_real_photos(atlas):
    codes, _ = atlas
    xy = embed(codes)
    assert xy.shape == (32, 2) and np.isfinite(xy).all()
    assert trustworthiness(codes.codes, xy, n_neighbors=5) >= 0.8


def test_the_map_is_cached_and_a_damaged_cache_is_recomputed(atlas, monkeypatch):
    codes, _ = atlas
    first = embed(codes)
    np.testing.assert_array_equal(read_cached(codes), first)

    class Refuse:
        def __init__(self, *args, **kwargs):
            raise AssertionError("the cache should have been used")

    monkeypatch.setattr("openTSNE.TSNE", Refuse)
    np.testing.assert_array_equal(embed(codes), first)
    monkeypatch.undo()
    cache_path(codes).write_bytes(b"PK damaged")
    assert read_cached(codes) is None
    np.testing.assert_allclose(embed(codes), first)
    assert read_cached(codes) is not None


MAP_DAMAGE = {
    "truncated": damage.truncate,
    "garbage bytes": damage.garbage,
    "a pickled object array": damage.pickled("xy"),
    "positions as text": damage.change_npz("xy", lambda a: a.astype("U8")),
    "positions of the wrong shape": damage.change_npz("xy", lambda a: a[:, :1]),
    "a NaN position": damage.change_npz("xy", lambda a: np.where(a == a.max(), np.nan, a)),
    "an absurd count in the header": damage.absurd_header("xy"),
    "the key missing": lambda path: damage.write_npz(path, {"xy": damage.read_npz(path)["xy"]}),
}


@pytest.mark.parametrize("name", MAP_DAMAGE)
def test_a_damaged_map_cache_counts_as_a_miss(atlas, name):
    codes, _ = atlas
    embed(codes)
    assert read_cached(codes) is not None
    MAP_DAMAGE[name](cache_path(codes))
    with damage.peak_memory(64 << 20):
        assert read_cached(codes) is None


def test_a_cache_for_other_pictures_is_not_used(atlas, monkeypatch):
    codes, _ = atlas
    embed(codes)
    monkeypatch.setattr(embedding, "map_key", lambda _atlas: "another-atlas-state")
    assert read_cached(codes) is None


def test_a_stopped_map_raises_and_caches_nothing(atlas):
    codes, _ = atlas
    cache_path(codes).unlink(missing_ok=True)
    with pytest.raises(AtlasError, match="Stopped"):
        embed(codes, should_stop=lambda: True)
    assert not cache_path(codes).exists()


def test_a_new_picture_lands_among_its_family(atlas):
    codes, _ = atlas
    xy = embed(codes)
    placer = Placer(codes, xy)
    whole = next(i for i, path in enumerate(codes.paths) if path.endswith("astronaut-whole.png"))
    x, y = placer.place(codes.codes[whole] * 1.001)
    distances = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    assert whole in np.argsort(distances)[:4]


def test_the_drawing_shows_each_crop_at_its_place(atlas):
    codes, _ = atlas
    xy = embed(codes)
    picture = draw_map(codes, xy, size=512, thumb=32)
    assert max(picture.shape[:2]) == 512 and picture.shape[2] == 3
    corner = embedding.layout(xy, 512, 32)[-1]
    x, y = corner
    assert (picture[y : y + 32, x : x + 32] != 255).any()


def test_too_few_pictures_is_one_sentence(atlas, monkeypatch):
    codes, _ = atlas
    cache_path(codes).unlink(missing_ok=True)
    monkeypatch.setattr(embedding, "MIN_PICTURES", 100)
    with pytest.raises(AtlasError, match="at least 100 pictures"):
        embed(codes)
