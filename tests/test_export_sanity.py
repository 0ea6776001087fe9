"""``export --sanity METHOD``: the cascade's maps and the JSON of Spearman correlations."""

import json

import numpy as np
import pytest

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.explain.sanity import CASCADE, ORIGINAL, sanity_check
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.pictures.samples import list_samples

RANDOM = ["--random-weights", "--seed", "0", "--device", "cpu"]


@pytest.fixture(scope="module")
def picture():
    return list_samples()[0][1]


def test_sanity_writes_each_step_and_the_correlations(loaded_model, picture, tmp_path):
    out = tmp_path / "out"
    assert main(["export", str(picture), "--out", str(out), *RANDOM, "--sanity", "gradcam", "--explain-class", "7"]) == 0
    folder = out / picture.name / "sanity"
    names = [ORIGINAL, *CASCADE]
    report = json.loads((folder / "gradcam_7.json").read_text())
    assert list(report["spearman"]) == names and report["spearman"][ORIGINAL] == 1.0
    assert report["layer"] == "relu5" and report["seed"] == 0
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(image_to_array(load_image(picture)))
    expected = sanity_check(loaded_model, batch, "gradcam", 7, "relu5", seed=0)
    for k, (name, step) in enumerate(zip(names, expected.steps)):
        values = np.load(folder / f"gradcam_7_{k}_{name}.npy")
        assert values.dtype == np.float32
        np.testing.assert_allclose(values, step.map, rtol=1e-5, atol=1e-6 * max(float(np.abs(step.map).max()), 1e-30))
        assert (folder / f"gradcam_7_{k}_{name}.png").is_file()
        assert report["spearman"][name] == pytest.approx(step.rho, abs=1e-9) if step.rho is not None else report["spearman"][name] is None


def test_an_unknown_method_is_one_sentence_exit_2(picture, tmp_path, capsys):
    assert main(["export", str(picture), "--out", str(tmp_path / "o"), *RANDOM, "--sanity", "lime"]) == 2
    assert "No sanity check for method 'lime'" in capsys.readouterr().err
