"""alexnet-viewer atlas neighbours / atlas map from the command line."""

import contextlib
import io
import json
import shutil

import numpy as np
import pytest

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.atlas.codes import FOLDER
from alexnet_viewer.core.atlas.neighbours import load_codes
from tests.atlas_fixtures import make_folder, write_picture

WEIGHTS = ["--random-weights", "--seed", "0", "--device", "cpu"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("papers-cli")
    folder = make_folder(root, count=6)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["atlas", "build", str(folder), "--out", str(root / "atlas"), "--top", "2", "--batch", "4", "--workers", "0", *WEIGHTS])
    return root, folder


def test_neighbours_json_is_nearest_first_and_the_picture_itself_at_zero(built):
    root, folder = built
    target = root / "n.json"
    assert main(["atlas", "neighbours", str(root / "atlas"), str(folder / "p01.png"), "--k", "4", "--json", str(target)]) == 0
    rows = json.loads(target.read_text())
    assert [row["rank"] for row in rows] == [1, 2, 3, 4]
    assert rows[0] == {"rank": 1, "path": str(folder / "p01.png"), "distance": 0.0}
    atlas = load_codes(root / "atlas")
    mine = atlas.paths.index(str(folder / "p01.png"))
    expected = np.linalg.norm(atlas.codes.astype(np.float64) - atlas.codes[mine], axis=1)
    assert [row["path"] for row in rows] == [atlas.paths[i] for i in np.argsort(expected, kind="stable")[:4]]
    np.testing.assert_allclose([row["distance"] for row in rows], np.sort(expected)[:4], rtol=1e-5)


def test_neighbours_of_a_new_picture_in_pixels(built, capsys):
    root, folder = built
    query = write_picture(root / "query.png", seed=12)
    assert main(["atlas", "neighbours", str(root / "atlas"), str(query), "--space", "pixels", "--k", "2", *WEIGHTS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "in pixels among 6 pictures" in lines[0] and len(lines) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.png"], "does not exist"),
        (["pictures/broken.jpg"], "damaged file"),
        (["pictures/p00.png", "--k", "0"], "--k must be at least 1"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(built, capsys, args, message):
    root, _ = built
    assert main(["atlas", "neighbours", str(root / "atlas"), str(root / args[0]), *args[1:]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_atlas_without_codes_says_to_build_again(built, tmp_path, capsys):
    root, folder = built
    copy = tmp_path / "old-atlas"
    shutil.copytree(root / "atlas", copy)
    shutil.rmtree(copy / FOLDER)
    assert main(["atlas", "neighbours", str(copy), str(folder / "p00.png")]) == 2
    assert main(["atlas", "map", str(copy), "--out", str(tmp_path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("run 'alexnet-viewer atlas build' on its folders again") == 2


def test_map_writes_the_picture_and_the_positions(built, tmp_path):
    root, _ = built
    out, listing = tmp_path / "map.png", tmp_path / "map.json"
    assert main(["atlas", "map", str(root / "atlas"), "--out", str(out), "--json", str(listing), "--size", "400", "--thumb", "40"]) == 0
    rows = json.loads(listing.read_text())
    assert sorted(row["path"] for row in rows) == sorted(load_codes(root / "atlas").paths)
    assert all(np.isfinite([row["x"], row["y"]]).all() for row in rows)
    from PIL import Image

    assert max(Image.open(out).size) == 400
