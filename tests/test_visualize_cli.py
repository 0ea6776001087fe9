"""``alexnet-viewer visualize``: the PNG, the cache, class names, and one-sentence refusals."""

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.cli.dispatch import main

RANDOM = ["--random-weights", "--device", "cpu"]


@pytest.fixture(autouse=True)
def private_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "alexnet-viewer" / "visualize"


def test_writes_the_picture_and_serves_the_second_run_from_the_cache(tmp_path, private_cache, capsys):
    out = tmp_path / "unit.png"
    assert main(["visualize", "relu2:7", "--out", str(out), "--steps", "4", *RANDOM]) == 0
    first = capsys.readouterr()
    assert "relu2:7: mean activation" in first.out and "4 steps in" in first.out
    assert "best bundled photo: " in first.out
    assert "untrained" in first.err and "step 4/4" in first.err
    picture = np.asarray(Image.open(out))
    assert picture.shape == (224, 224, 3) and picture.dtype == np.uint8 and picture.std() > 0
    assert len(list(private_cache.iterdir())) == 1
    out.unlink()
    assert main(["visualize", "relu2:7", "--out", str(out), "--steps", "4", *RANDOM]) == 0
    assert "from the cache" in capsys.readouterr().out
    assert np.array_equal(np.asarray(Image.open(out)), picture)


def test_fc8_takes_a_class_name(tmp_path, capsys):
    assert main(["visualize", "fc8:Tabby", "--out", str(tmp_path / "cat.png"), "--steps", "1", *RANDOM]) == 0
    assert capsys.readouterr().out.startswith("fc8:281 (tabby): mean activation")


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["conv9:1"], "Unknown layer 'conv9'"),
        (["conv2:500"], "conv2 has channels 0 to 191"),
        (["fc8:doggo"], "'doggo' is not one of the weights' categories"),
        (["conv3"], "Expected LAYER:CHANNEL"),
        (["conv1:0", "--steps", "0"], "--steps must be at least 1"),
    ],
)
def test_bad_requests_exit_2_with_one_sentence(arguments, words, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["visualize", *arguments, "--out", str(out), *RANDOM]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and not out.exists()


def test_bad_output_and_bad_weights_exit_2(tmp_path, capsys):
    assert main(["visualize", "conv1:0", "--out", str(tmp_path / "no" / "x.png"), *RANDOM]) == 2
    assert "does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"PK\x03\x04 not a checkpoint")
    assert main(["visualize", "conv1:0", "--out", str(tmp_path / "x.png"), "--weights", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot read weights from 'broken.pth'") and "Traceback" not in err
