"""``bench --explain``: every figure present and sane (no timing is asserted: ratios are noisy)."""

import json

from alexnet_viewer.bench.explain import format_explain_report, run_explain_bench
from alexnet_viewer.cli.dispatch import main


def test_explain_bench_reports_every_run_and_its_ratio(engine):
    report = run_explain_bench(engine, frames=1, warmup=0)
    ms, ratios = report["median_ms"], report["ratios"]
    for name in ("bare_forward", "frame", "frame_gradcam", "frame_guided_backprop", "gradcam_alone"):
        assert ms[name] > 0
    assert ratios["gradcam_ratio"] == round(ms["frame_gradcam"] / ms["bare_forward"], 3)
    assert set(report["targets_met"]) == {"gradcam_ratio", "guided_ratio"}
    compared = {"captum_layergradcam", "captum_guided_backprop", "pytorch_grad_cam"} & set(ms)
    assert all(f"frame_plus_{name}_ratio" in ratios for name in compared)
    assert bool(compared) or report["not_installed"]
    text = format_explain_report(report)
    assert "frame + Grad-CAM of the top-1" in text and "target <= 2.6" in text


def test_explain_bench_from_the_command_line_writes_json(tmp_path, monkeypatch, capsys):
    import alexnet_viewer.bench.explain as bench_explain

    monkeypatch.setattr(bench_explain, "_other_libraries", lambda *args: ({}, ["captum"]))
    original = bench_explain.run_explain_bench
    monkeypatch.setattr(bench_explain, "run_explain_bench", lambda engine, frames: original(engine, frames, warmup=0))
    out = tmp_path / "explain.json"
    assert main(["bench", "--explain", "--frames", "1", "--random-weights", "--device", "cpu", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["device"] == "cpu" and report["not_installed"] == ["captum"]
    assert "guided backprop alone" in capsys.readouterr().out
