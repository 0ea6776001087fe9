"""The headless commands: export's files and exit codes, bench's figures, bad arguments."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.cli import main
from alexnet_viewer.core.layers import SPATIAL_LAYERS

RANDOM = ["--random-weights", "--seed", "3", "--device", "cpu"]


@pytest.fixture()
def pictures(tmp_path):
    good = tmp_path / "stripes.png"
    rows, cols = np.mgrid[0:300, 0:400]
    Image.fromarray(((cols // 10 % 2) * 255).astype(np.uint8)).convert("RGB").save(good)
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    return good, bad


def test_export_writes_every_file(tmp_path, pictures, capsys):
    good, _ = pictures
    out = tmp_path / "out"
    assert main(["export", str(good), "--out", str(out), *RANDOM]) == 0
    folder = out / "stripes.png"
    expected = {"predictions.json", "stats.json", "filters.png", "filters_per_filter.png", "input_224.png"}
    expected |= {f"{name}.png" for name in SPATIAL_LAYERS}
    assert {p.name for p in folder.iterdir()} == expected  # no temporary files left behind
    predictions = json.loads((folder / "predictions.json").read_text())
    assert predictions["weights"] == {"source": "random", "description": "random, seed 3", "trained": False}
    top5 = predictions["top5"]
    assert len(top5) == 5 and top5[0]["probability"] >= top5[-1]["probability"]
    assert set(top5[0]) == {"index", "label", "probability"}
    stats = json.loads((folder / "stats.json").read_text())["layers"]
    assert list(stats)[0] == "conv1" and len(stats) == 18
    assert stats["conv1"]["shape"] == [64, 55, 55] and stats["conv1"]["min"] < 0
    assert len(stats["relu2"]["histogram"]["counts"]) == 64 and stats["relu2"]["zero_fraction"] > 0
    assert Image.open(folder / "input_224.png").size == (224, 224)
    assert Image.open(folder / "conv2.png").size == (391, 391)
    assert "untrained" in capsys.readouterr().err


def test_export_skips_a_bad_image_and_exits_1(tmp_path, pictures, capsys):
    good, bad = pictures
    out = tmp_path / "out"
    assert main(["export", str(bad), str(good), "--out", str(out), *RANDOM]) == 1
    err = capsys.readouterr().err
    assert 'Cannot open "notes.jpg": not an image.' in err
    assert (out / "stripes.png" / "predictions.json").is_file()
    assert not (out / "notes.jpg").exists()


def test_export_keeps_two_images_of_the_same_name_apart(tmp_path, pictures):
    good, _ = pictures
    other = tmp_path / "again"
    other.mkdir()
    (other / good.name).write_bytes(good.read_bytes())
    out = tmp_path / "out"
    assert main(["export", str(good), str(other / good.name), "--out", str(out), *RANDOM]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["stripes.png", "stripes.png-2"]


def test_export_with_bad_weights_exits_2(tmp_path, pictures, capsys):
    good, _ = pictures
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"PK\x03\x04 definitely not a checkpoint")
    assert main(["export", str(good), "--out", str(tmp_path / "o"), "--weights", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot read weights from 'broken.pth'")
    assert "Traceback" not in err


def test_export_with_an_unknown_device_exits_2(tmp_path, pictures, capsys):
    good, _ = pictures
    code = main(["export", str(good), "--out", str(tmp_path / "o"), "--random-weights", "--device", "toaster"])
    assert code == 2
    assert "Unknown device 'toaster'" in capsys.readouterr().err


def test_export_offline_without_cached_weights_explains(tmp_path, pictures, capsys, monkeypatch):
    from alexnet_viewer.core import model

    monkeypatch.setattr(model, "PRETRAINED_URL", "http://127.0.0.1:9/alexnet-owt-7be5be79.pth")
    monkeypatch.setattr(model, "PRETRAINED_CACHE_DIR", tmp_path / "cache")
    good, _ = pictures
    assert main(["export", str(good), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--weights FILE" in err and "--random-weights" in err and "Traceback" not in err


def test_bench_reports_the_ratio(tmp_path, capsys):
    report_path = tmp_path / "bench.json"
    assert main(["bench", "--frames", "3", "--device", "cpu", "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["frames"] == 3 and report["input_shape"] == [480, 640, 3]
    assert report["ratio"] == pytest.approx(report["engine_ms"] / report["bare_forward_ms"], rel=0.01)
    assert set(report["engine_stages_ms"]) >= {"preprocess", "forward", "stats", "mosaics"}
    assert "ratio engine / bare" in capsys.readouterr().out


def test_bench_refuses_zero_frames(capsys):
    assert main(["bench", "--frames", "0"]) == 2
    assert "--frames" in capsys.readouterr().err


def test_module_entry_point_runs_export(tmp_path, pictures):
    good, _ = pictures
    completed = subprocess.run(
        [sys.executable, "-m", "alexnet_viewer", "export", str(good), "--out", str(tmp_path / "o"), *RANDOM],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "o" / "stripes.png" / "filters.png").is_file()


def test_window_size_is_parsed_and_checked():
    import argparse

    from alexnet_viewer.cli import _window_size

    assert _window_size("1280x800") == (1280, 800)
    assert _window_size("1920X1080") == (1920, 1080)
    for bad in ("1280", "axb", "10x10", "1280x800x2"):
        with pytest.raises(argparse.ArgumentTypeError):
            _window_size(bad)
