"""export and bench on CUDA through the command line (skipped without CUDA)."""

import json

import pytest
import torch

if not torch.cuda.is_available():
    pytest.skip("needs a CUDA GPU", allow_module_level=True)

from alexnet_viewer.cli.dispatch import main  # noqa: E402
from alexnet_viewer.core.pictures.samples import list_samples  # noqa: E402


def test_export_on_cuda(tmp_path, capsys):
    samples = [path for _, path in list_samples()[:2]]
    out = tmp_path / "out"
    code = main(["export", *map(str, samples), "--out", str(out), "--random-weights", "--device", "cuda"])
    assert code == 0, capsys.readouterr().err
    for path in samples:
        predictions = json.loads((out / path.name / "predictions.json").read_text())
        assert len(predictions["top5"]) == 5
        stats = json.loads((out / path.name / "stats.json").read_text())
        assert "conv1" in json.dumps(stats)
        assert (out / path.name / "conv1.png").stat().st_size > 0


def test_bench_on_cuda(tmp_path):
    report_path = tmp_path / "bench.json"
    assert main(["bench", "--device", "cuda", "--random-weights", "--frames", "30", "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["device"].startswith("cuda") and report["frames"] == 30
    assert report["bare_forward_ms"] > 0 and report["engine_ms"] > 0
    assert set(report["engine_stages_ms"]) >= {"preprocess", "forward", "stats", "mosaics", "transfer"}
    assert report["graph_replays"] >= report["frames"]  # the timed frames replay a CUDA graph
