"""``alexnet-viewer invariance``: the JSON equals brute force; bad input is one sentence, exit 2."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from alexnet_viewer.core.visualize.network import private_model
from tests.core.test_invariance import brute_force

RANDOM = ["--random-weights", "--seed", "3", "--device", "cpu"]


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    rows, cols = np.mgrid[0:300, 0:400]
    pixels = np.stack([cols % 256, rows % 256, (rows * cols) % 256], axis=-1).astype(np.uint8)
    path = tmp_path_factory.mktemp("pictures") / "grid.png"
    Image.fromarray(pixels).save(path)
    return path, pixels


def test_json_equals_brute_force(tmp_path, picture, capsys):
    path, pixels = picture
    out = tmp_path / "invariance.json"
    assert main(["invariance", str(path), "--json", str(out), "--class", "tabby", "--layers", "relu1, relu7", *RANDOM]) == 0
    captured = capsys.readouterr()
    assert "class 281 (tabby)" in captured.out and "untrained" in captured.err
    payload = json.loads(out.read_text())
    assert payload["class"] == 281 and set(payload["sweeps"]) == {"translation", "scale", "rotation"}
    loaded = load_model(WeightsSpec.random(3), device="cpu")
    model = private_model(loaded.model)
    batch, _ = Preprocessor(loaded.transforms, torch.device("cpu"))(pixels)
    origin1, origin7, _ = brute_force(model, batch, "scale", 1.0, 281)
    for name, identity in (("translation", 0.0), ("scale", 1.0), ("rotation", 0.0)):
        sweep = payload["sweeps"][name]
        assert identity in sweep["values"] and len(sweep["probability"]) == len(sweep["values"])
        for step in (0, len(sweep["values"]) // 3, len(sweep["values"]) - 1):
            relu1, relu7, probability = brute_force(model, batch, name, sweep["values"][step], 281)
            for layer, features, origin in (("relu1", relu1, origin1), ("relu7", relu7, origin7)):
                expected = float(torch.linalg.vector_norm(features - origin))
                assert abs(sweep["distance"][layer][step] - expected) <= 1e-4 * float(origin.norm()) + 1e-5 * expected
            assert sweep["probability"][step] == pytest.approx(probability, rel=1e-4)
    assert payload["sweeps"]["translation"]["values"][0] == -60 and payload["sweeps"]["rotation"]["values"][-1] == 360


@pytest.mark.parametrize("arguments, words", [
    (["--layers", "relu9"], "unknown layer 'relu9'"),
    (["--class", "no such thing"], "No class is called"),
    (["--class", "1000"], "out of range"),
    (["--json", "/nonexistent/folder/x.json"], "does not exist"),
])
def test_bad_arguments_are_one_sentence_exit_2(picture, capsys, arguments, words):
    assert main(["invariance", str(picture[0]), *arguments, *RANDOM]) == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith("error: ") and "Traceback" not in err


def test_unreadable_picture_is_one_sentence_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    assert main(["invariance", str(bad), *RANDOM]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "broken.jpg" in err and err.count("\n") == 1
