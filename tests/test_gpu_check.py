"""tools/gpu_check.py's plan: which steps it runs on a GPU and in the dry run, and that a
bench mode this checkout lacks is skipped with a line (CI runs the real dry run)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def gpu_check(monkeypatch):
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "tools" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ran = []

    def fake_step(name, command, log, timeout, passes=frozenset({0})):
        ran.append((name, command))
        if "--json" in command:
            Path(command[command.index("--json") + 1]).write_text(json.dumps({"engine_ms": 2.0, "ratio": 1.2}))
        return {"name": name, "rc": 0, "ok": True}

    monkeypatch.setattr(module, "run_step", fake_step)
    monkeypatch.setattr(module, "bench_help", lambda: "--frames --json --explain")
    monkeypatch.setattr(module, "environment", lambda: {"nvidia_smi": "H200", "torch_gpu": ["H200"], "python": "3.12",
                                                       "torch": "2.11", "torchvision": "0.26"})
    module.ran = ran
    return module


def test_a_gpu_run_has_every_step_and_skips_a_missing_mode(gpu_check, tmp_path, capsys):
    assert gpu_check.main(["--device", "cuda", "--out", str(tmp_path)]) == 0
    names = [name for name, _ in gpu_check.ran]
    assert names == ["pytest tests/gpu", "bench", "bench-explain", "pytest tests/core"]
    assert "bench-atlas: this checkout's bench has no --atlas yet; skipped" in capsys.readouterr().out
    bench = dict(gpu_check.ran)["bench"]
    assert bench[bench.index("--device") + 1] == "cuda" and bench[bench.index("--frames") + 1] == "300"
    summary = json.loads((tmp_path / "gpu_check.json").read_text())
    assert summary["ok"] and summary["steps"][1]["figures"]["engine_frames_per_s"] == 500.0


def test_the_dry_run_is_small(gpu_check, tmp_path):
    assert gpu_check.main(["--device", "cpu", "--out", str(tmp_path)]) == 0
    commands = dict(gpu_check.ran)
    assert commands["bench"][commands["bench"].index("--frames") + 1] == "3"
    core = [name for name in commands if name.startswith("pytest tests/core")]
    assert core and "tests/core/test_engine_paths.py" in core[0]


def test_no_gpu_is_refused_with_a_sentence(gpu_check, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gpu_check, "environment", lambda: {"nvidia_smi": None, "torch_gpu": None, "python": "3.12",
                                                          "torch": "2.11", "torchvision": "0.26"})
    assert gpu_check.main(["--device", "cuda", "--out", str(tmp_path)]) == 2
    assert "torch sees no CUDA GPU here" in capsys.readouterr().err and gpu_check.ran == []
