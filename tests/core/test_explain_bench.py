"""``bench --explain``: every figure present and sane (no timing is asserted: ratios are noisy)."""

import json

import pytest

from alexnet_viewer.bench.explain import format_explain_report, run_explain_bench
from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.explain.methods import NEW_METHODS, Settings

SMALL = Settings(samples=2, steps=2, chunk=2, mask_batch=64)  # a bench test, not a bench: few passes, conv1's 64 masks


def test_explain_bench_reports_every_run_and_its_ratio(engine):
    report = run_explain_bench(engine, frames=1, warmup=0, settings=SMALL, method_layer="conv1")
    ms, ratios = report["median_ms"], report["ratios"]
    for name in ("bare_forward", "frame", "frame_gradcam", "frame_guided_backprop", "gradcam_alone"):
        assert ms[name] > 0
    assert ratios["gradcam_ratio"] == pytest.approx(ms["frame_gradcam"] / ms["bare_forward"], rel=1e-3, abs=1e-3)
    assert set(report["targets_met"]) == {"gradcam_ratio", "guided_ratio"}
    compared = {"captum_layergradcam", "captum_guided_backprop", "pytorch_grad_cam"} & set(ms)
    assert all(f"frame_plus_{name}_ratio" in ratios for name in compared)
    assert bool(compared) or report["not_installed"]
    text = format_explain_report(report)
    assert "frame + Grad-CAM of the top-1" in text and "target <= 2.6" in text
    methods = report["methods"]
    assert set(methods["methods"]) == set(NEW_METHODS) and methods["layer"] == "conv1"
    for name, row in methods["methods"].items():
        # The ratio (3 decimals) comes from the unrounded times: equal to the rounded ones within 1e-3.
        assert row["ms"] > 0 and row["ratio"] == pytest.approx(row["ms"] / methods["bare_forward_ms"], rel=1e-3, abs=1e-3)
        assert ("reference_ms" in row) or methods["not_installed"], name
    assert methods["methods"]["scorecam"]["forwards"] == 65 and methods["methods"]["smoothgrad"]["backwards"] == 2
    assert "reference ms" in text and "integrated_gradients" in text


def test_explain_bench_from_the_command_line_writes_json(tmp_path, monkeypatch, capsys):
    import alexnet_viewer.bench.explain as bench_explain

    monkeypatch.setattr(bench_explain, "_other_libraries", lambda *args: ({}, ["captum"]))
    monkeypatch.setattr(bench_explain, "run_methods_bench", lambda *args: {"rounds": 1, "layer": "relu5", "bare_forward_ms": 1.0,
                                                                         "methods": {}, "not_installed": []})
    original = bench_explain.run_explain_bench
    monkeypatch.setattr(bench_explain, "run_explain_bench", lambda engine, frames: original(engine, frames, warmup=0))
    out = tmp_path / "explain.json"
    assert main(["bench", "--explain", "--frames", "1", "--random-weights", "--device", "cpu", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["device"] == "cpu" and report["not_installed"] == ["captum"]
    assert "guided backprop alone" in capsys.readouterr().out
