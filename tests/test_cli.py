"""The headless commands: bench's figures and bad arguments (export: tests/test_export.py)."""

import json

import pytest

from alexnet_viewer.cli.dispatch import main


def test_bench_reports_the_ratio(tmp_path, capsys):
    report_path = tmp_path / "bench.json"
    assert main(["bench", "--frames", "3", "--device", "cpu", "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["frames"] == 3 and report["input_shape"] == [480, 640, 3]
    assert report["ratio"] == pytest.approx(report["engine_ms"] / report["bare_forward_ms"], rel=0.01)
    assert set(report["engine_stages_ms"]) >= {"preprocess", "forward", "stats", "mosaics"}
    assert report["graph_replays"] == 0  # CUDA graphs are for CUDA
    assert "ratio engine / bare" in capsys.readouterr().out


def test_bench_refuses_zero_frames(capsys):
    assert main(["bench", "--frames", "0"]) == 2
    assert "--frames" in capsys.readouterr().err


def test_window_size_is_parsed_and_checked():
    import argparse

    from alexnet_viewer.cli.dispatch import _window_size

    assert _window_size("1280x800") == (1280, 800)
    assert _window_size("1920X1080") == (1920, 1080)
    for bad in ("1280", "axb", "10x10", "1280x800x2"):
        with pytest.raises(argparse.ArgumentTypeError):
            _window_size(bad)


def test_an_unknown_workspace_is_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--workspace", "kitchen"])
    assert stop.value.code == 2
    assert "look" in capsys.readouterr().err
