"""alexnet-viewer atlas build / atlas top from the command line."""

import contextlib
import io
import json

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.inspect.receptive_field import receptive_field
from tests.atlas_fixtures import atlas_by_path, make_folder

WEIGHTS = ["--random-weights", "--seed", "0", "--device", "cpu"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One atlas built from the command line; its exit code and output."""
    root = tmp_path_factory.mktemp("atlas-cli")
    folder = make_folder(root, count=4)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["atlas", "build", str(folder), "--out", str(root / "atlas"), "--top", "3", "--batch", "4", "--workers", "0", *WEIGHTS])
    return root, code, out.getvalue(), err.getvalue()


def test_build_names_the_bad_file_and_exits_1(built):
    _, code, out, err = built
    assert code == 1
    assert 'skipped: Cannot open "broken.jpg": damaged file.' in err
    assert "4 pictures (4 processed" in out and "1 could not be used" in out


def test_top_lists_the_channel_best_first_with_boxes(built, capsys):
    root, *_ = built
    assert main(["atlas", "top", str(root / "atlas"), "conv2:5", "--json", str(root / "top.json")]) == 0
    rows = json.loads((root / "top.json").read_text())
    stored = atlas_by_path(root / "atlas")
    channel = 64 * 3 + 5  # conv2 comes after conv1, relu1 and pool1
    assert [row["path"] for row in rows] == list(stored["paths"][channel])
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert [row["value"] for row in rows] == sorted((row["value"] for row in rows), reverse=True)
    np.testing.assert_allclose([row["value"] for row in rows], stored["values"][channel])
    for row, position in zip(rows, stored["positions"][channel]):
        assert (row["y"], row["x"]) == divmod(int(position), 27)
        field = receptive_field("conv2", row["y"], row["x"])
        assert row["box"] == list(field.clipped(224, 224)) and row["field"] == list(field.box)
        assert row["picture_size"] == [64, 48] and row["unchanged"]
        top, left, bottom, right = row["picture_box"]
        assert 0 <= top < bottom <= 48 and 0 <= left < right <= 64
    assert "conv2:5" in capsys.readouterr().out


def test_top_patches_are_the_box_crop_and_its_deconvnet(built):
    root, *_ = built
    patches = root / "patches"
    assert main(["atlas", "top", str(root / "atlas"), "relu5:7", "--patches", str(patches), "--json", str(root / "r5.json")]) == 0
    rows = json.loads((root / "r5.json").read_text())
    for row in rows:
        top, left, bottom, right = row["box"]
        for kind in ("crop", "deconv"):
            with Image.open(patches / f"{row['rank']:02d}-{kind}.png") as image:
                assert image.size == (right - left, bottom - top) and image.mode == "RGB"


def test_top_refuses_other_weights_for_patches(built, capsys):
    root, *_ = built
    code = main(["atlas", "top", str(root / "atlas"), "conv1:0", "--patches", str(root / "p2"), "--random-weights", "--seed", "3"])
    assert code == 2 and "not the weights this atlas was built with" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["top", "{atlas}", "conv9:1"], "expected LAYER:CHANNEL"),
        (["top", "{atlas}", "conv2:192"], "conv2 has channels 0…191"),
        (["top", "{root}", "conv2:1"], "is not an atlas"),
        (["build", "{root}/nowhere", "--out", "{root}/x", *WEIGHTS], "does not exist"),
        (["build", "{root}/pictures", "--out", "{root}/pictures/p00.png", *WEIGHTS], "Cannot write the atlas"),
        (["build", "{root}/pictures", "--out", "{root}/y", "--top", "0"], "--top must be at least 1"),
        (["build", "{root}/pictures", "--out", "{root}/y", "--decode", "gpu", *WEIGHTS], "--decode gpu needs a CUDA device"),
    ],
)
def test_bad_usage_is_one_sentence_and_exit_2(built, capsys, args, message):
    root, *_ = built
    argv = [arg.format(root=root, atlas=root / "atlas") for arg in args]
    assert main(["atlas", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_bench_atlas_reports_the_ratio_and_an_extrapolation_computed_from_it(shared_engine):
    from alexnet_viewer.bench.atlas import (
        IMAGENET_TRAIN_PICTURES,
        format_atlas_report,
        run_atlas_bench,
    )

    report = run_atlas_bench(shared_engine, pictures=4, batch=2, workers=0)
    assert report["pictures"] == 4 and report["picture_size"] == [640, 480] and report["jpeg_decoder"] == "pillow"
    assert report["atlas_ratio"] == pytest.approx(report["atlas_images_per_s"] / report["bare_images_per_s"], rel=0.01)
    hours = IMAGENET_TRAIN_PICTURES / report["atlas_images_per_s"] / 3600
    assert report["imagenet_train_hours"] == pytest.approx(hours, rel=0.01)
    text = format_atlas_report(report)
    assert f"atlas_ratio {report['atlas_ratio']:9.3f}".split() == text.splitlines()[4].split()
    assert f"{report['imagenet_train_hours']:.2f} h" in text
