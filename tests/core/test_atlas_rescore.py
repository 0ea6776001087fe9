"""Atlas values are the viewer's values (issue 17, item 4): candidates found in draft-decoded
JPEGs are rescored in full, so on real photos (the bundled samples) the atlas equals a
brute-force ranking of fully decoded pictures, although the draft decoding alone would differ."""

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.core.atlas.build import BuildOptions
from alexnet_viewer.core.atlas.rescore import reaching_rows
from alexnet_viewer.core.atlas.topk import TopK
from tests.atlas_fixtures import assert_ranked_as, atlas_by_path
from tests.core.test_atlas_build import brute_force, build

K = 3


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """The bundled sample photos (scikit-image's), flipped too, large enough for draft
    decoding (short side >= 2 x the resize), as JPEGs."""
    from alexnet_viewer.core.pictures.samples import list_samples

    samples = list_samples()
    if not samples:
        pytest.skip("no bundled sample photos")
    folder = tmp_path_factory.mktemp("photos")
    for _, path in samples:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        if min(image.size) < 512:
            scale = -(-512 // min(image.size))
            image = image.resize((image.width * scale, image.height * scale), Image.BICUBIC)
        image.save(folder / f"{path.stem}.jpg", quality=90)
        image.transpose(Image.FLIP_LEFT_RIGHT).save(folder / f"{path.stem}-flipped.jpg", quality=90)
    return folder


def test_the_atlas_equals_a_full_decode_ranking_of_real_photos(loaded_model, photos, tmp_path):
    build(loaded_model, photos, tmp_path / "atlas", BuildOptions(top_k=K, batch_size=4, commit_seconds=0.0))
    atlas = atlas_by_path(tmp_path / "atlas")
    paths = sorted(photos.glob("*.jpg"), key=str)
    maxima, where, order = brute_force(loaded_model, paths, K, draft=False)
    assert_ranked_as(atlas, paths, (maxima, where, order), rtol=1e-5, atol=1e-6)
    # The test can tell: draft decoding alone gives other values for these photos.
    draft_maxima, _, _ = brute_force(loaded_model, paths, K, draft=True)
    assert np.abs(draft_maxima - maxima).max() > 1e-3 * np.abs(maxima).max()


def test_only_rows_near_a_top_k_are_rescored():
    top = TopK.empty(2, 1).add(np.array([[10.0, 10.0]], np.float32), np.zeros((1, 2), np.int16), np.array([0]))
    values = np.array([[9.8, 1.0], [1.0, 2.0], [1.0, 12.0]], np.float32)
    rows = reaching_rows(top, np.array([1, 2, 3]), values, np.zeros((3, 2), np.int16))
    assert rows.tolist() == [0, 2]  # 9.8 is within 5 % of 10; 12 enters; row 1 is far from both


def test_pictures_draft_decoding_leaves_alone_are_not_rescored(tmp_path):
    from alexnet_viewer.core.atlas.rescore import pixels_may_differ

    sizes = {"big.jpg": (1024, 768), "camera.jpg": (640, 480), "big.png": (1024, 768)}
    for name, size in sizes.items():
        Image.new("RGB", size, (90, 30, 200)).save(tmp_path / name)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not a JPEG")
    verdicts = {name: pixels_may_differ(tmp_path / name, (256, 256)) for name in [*sizes, "broken.jpg"]}
    assert verdicts == {"big.jpg": True, "camera.jpg": False, "big.png": False, "broken.jpg": False}
