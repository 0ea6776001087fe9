"""``export --ten-crop`` and ``export --occlusion``: the files read back equal brute force with
torchvision; bad windows, strides and combinations are one sentence, exit 2."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.visualize.network import private_model
from tests.core.test_ten_crop import brute_force, picture as synthetic

RANDOM = ["--random-weights", "--seed", "0", "--device", "cpu"]  # the session's loaded_model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One export of a 256x341 picture (no resampling: torchvision's crops are exact)."""
    folder = tmp_path_factory.mktemp("papers")
    pixels = synthetic(256, 341)
    path = folder / "wide.png"
    Image.fromarray(pixels).save(path)
    arguments = ["export", str(path), "--out", str(folder / "out"), *RANDOM, "--ten-crop", "--occlusion",
                 "--occlusion-window", "64", "--occlusion-stride", "80"]
    assert main(arguments) == 0
    return folder / "out" / "wide.png", pixels


def test_ten_crop_predictions_equal_brute_force(loaded_model, exported):
    folder, pixels = exported
    payload = json.loads((folder / "predictions.json").read_text())
    assert "ten" in payload["top5_from"] and "4.1" in payload["top5_from"]
    assert len(payload["centre_crop_top5"]) == 5 and len(payload["ten_crop_top1"]) == 10
    _, mean = brute_force(loaded_model, pixels)
    mean = mean.numpy()
    fifth = np.sort(mean)[-5]
    for entry in payload["top5"]:
        assert entry["probability"] == pytest.approx(float(mean[entry["index"]]), rel=1e-5)
        assert mean[entry["index"]] >= fifth * (1 - 1e-5)
        assert entry["label"] == loaded_model.categories[entry["index"]]


def test_occlusion_files_equal_brute_force(loaded_model, exported):
    folder, pixels = exported
    from alexnet_viewer.core.frame.preprocess import Preprocessor

    batch, _ = Preprocessor(loaded_model.transforms, torch.device("cpu"))(pixels)
    top1 = json.loads((folder / "predictions.json").read_text())["centre_crop_top5"][0]["index"]
    explain = folder / "explain"
    probability = np.load(explain / f"occlusion_{top1}.npy")
    strongest = np.load(explain / "occlusion_relu5_strongest.npy")
    labels = np.load(explain / "occlusion_labels.npy")
    about = json.loads((explain / "occlusion_relu5_strongest.json").read_text())
    legend = json.loads((explain / "occlusion_labels.json").read_text())["legend"]
    assert probability.dtype == np.float32 and labels.dtype == np.int64 and probability.shape == (3, 3)
    assert about["offsets"] == [0, 80, 160] and about["layer"] == "relu5"
    assert sum(entry["positions"] for entry in legend) == 9
    model = private_model(loaded_model.model)
    with torch.inference_mode():
        assert about["channel"] == int(model.features[:12](batch).sum(dim=(0, 2, 3)).argmax())
        for i, top in enumerate((0, 80, 160)):
            for j, left in enumerate((0, 80, 160)):
                occluded = batch.clone()
                occluded[..., top : top + 64, left : left + 64] = 0.0
                logits = model(occluded)[0]
                relu5 = model.features[:12](occluded)[0, about["channel"]]
                assert probability[i, j] == pytest.approx(float(torch.softmax(logits, 0)[top1]), rel=1e-5)
                assert strongest[i, j] == pytest.approx(float(relu5.sum()), rel=1e-5, abs=1e-6 * about["unoccluded_sum"])
                assert labels[i, j] == int(logits.argmax())
    for stem in (f"occlusion_{top1}", "occlusion_relu5_strongest", "occlusion_labels"):
        assert Image.open(explain / f"{stem}.png").size[0] >= 224


@pytest.mark.parametrize("arguments, words", [
    (["--occlusion", "--occlusion-window", "300"], "--occlusion-window must be 1..224"),
    (["--occlusion-stride", "0"], "--occlusion-stride at least 1"),  # the flag alone turns --occlusion on
    (["--ten-crop", "--ablate", "conv1:0"], "cannot be combined with --ablate"),
])
def test_bad_flags_are_one_sentence_exit_2(tmp_path, exported, capsys, arguments, words):
    picture = exported[0].parent.parent / "wide.png"
    assert main(["export", str(picture), "--out", str(tmp_path / "o"), *RANDOM, *arguments]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "o" / "wide.png").exists()
