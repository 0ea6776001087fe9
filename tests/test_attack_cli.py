"""``alexnet-viewer attack``: the files, the exit codes, one sentence for each failure."""

import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.frame.preprocess import Preprocessor

RANDOM = ["--random-weights", "--seed", "0", "--device", "cpu"]  # the session's loaded_model


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    rows, cols = np.mgrid[0:150, 0:200]
    pixels = np.stack([(np.sin(cols / 9.0) * 127 + 128), (rows // 20 + cols // 20) % 2 * 255, (rows + cols) % 256], -1)
    path = tmp_path_factory.mktemp("attack") / "stripes.png"
    Image.fromarray(pixels.astype(np.uint8)).convert("P").save(path)  # a palette picture: saved back as RGB
    return path


def ranking(loaded, path):
    array = np.asarray(Image.open(path).convert("RGB"))
    with torch.inference_mode():
        return loaded.model(Preprocessor(loaded.transforms, loaded.device)(array)[0])[0].argsort(descending=True).tolist()


def test_a_reachable_target_writes_the_three_files(loaded_model, picture, tmp_path, capsys):
    target = ranking(loaded_model, picture)[3]
    out = tmp_path / "fooled"
    assert main(["attack", str(picture), "--out", str(out), "--target", str(target), *RANDOM]) == 0
    report = json.loads((out / "attack.json").read_text())
    assert report["success"] and report["target"]["index"] == target
    assert report["eps_levels"] == 2 and report["steps"] == 10 and 1 <= report["achieved_linf_levels"] <= 2
    assert len(report["top5_before"]) == len(report["top5_after"]) == 5 and report["top5_after"][0]["index"] == target
    saved = Image.open(out / "adversarial.png")
    assert saved.mode == "RGB" and saved.size == Image.open(picture).size
    original = np.asarray(Image.open(picture).convert("RGB"), dtype=int)
    assert np.abs(np.asarray(saved, dtype=int) - original).max() == report["achieved_linf_levels"]
    assert ranking(loaded_model, out / "adversarial.png")[0] == target  # opened again as the viewer does
    assert Image.open(out / "perturbation.png").size == saved.size
    said = capsys.readouterr().out
    assert "->" in said and "(s)" not in said and re.search(r" in (1 step|[02-9]\d* steps|1\d+ steps);", said)


def test_an_unreachable_target_is_exit_1_with_a_sentence(loaded_model, picture, tmp_path, capsys):
    target = ranking(loaded_model, picture)[-1]
    assert main(["attack", str(picture), "--out", str(tmp_path), "--target", str(target), "--eps", "1", "--steps", "2", *RANDOM]) == 1
    said = capsys.readouterr().err
    assert "did not make AlexNet answer" in said and "error: 1 level and 2 steps did not" in said
    assert json.loads((tmp_path / "attack.json").read_text())["success"] is False


@pytest.mark.parametrize("extra, words", [
    (["--target", "no such thing"], "No class is called"),
    (["--eps", "0"], "--eps must be"),
    (["--steps", "0"], "--steps must be"),
])
def test_bad_arguments_are_exit_2(picture, tmp_path, capsys, extra, words):
    assert main(["attack", str(picture), "--out", str(tmp_path / "o"), *extra, *RANDOM]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_missing_picture_and_a_file_as_out_are_exit_2(picture, tmp_path, capsys):
    assert main(["attack", str(tmp_path / "none.png"), "--out", str(tmp_path / "o"), *RANDOM]) == 2
    assert "error:" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["attack", str(picture), "--out", str(blocker), *RANDOM]) == 2
    assert "output folder" in capsys.readouterr().err
