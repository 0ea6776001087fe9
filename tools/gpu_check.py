"""The GPU check (run it through tools/gpu_check.sh): one call, under 5 minutes.

Prints the GPU (nvidia-smi and torch), runs ``pytest tests/gpu``, every bench mode that
needs no window and ``pytest tests/core``, with Qt made unimportable (tools/no_qt) as on
the GPU machine, and writes each bench's JSON, the pytest logs and JUnit files and a
summary, ``gpu_check.json``, under $OUT (else ./gpu_check_out). A bench mode this
checkout does not have yet is reported and skipped. ``--device cpu`` is the dry run: the
same steps with a few frames, and of tests/core only the Qt check and the accelerator
code paths run on the CPU (tests/gpu skips all but its tests that force the accelerator
paths on the CPU, such as prepare/run from two threads), so CI keeps the script working.
tests/gpu/test_cuda_syncs.py runs frames under torch.cuda.set_sync_debug_mode("error").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 285  # the whole check, GPU machine included
# (name, flag) of every bench mode that runs without a window; --live and --startup need one.
BENCH_MODES = [("bench", None), ("bench-explain", "--explain"), ("bench-atlas", "--atlas")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/gpu_check.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu for the dry run")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT") or ROOT / "gpu_check_out"))
    args = parser.parse_args(argv)
    dry_run = args.device == "cpu"
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = {"device": args.device, "dry_run": dry_run, **environment()}
    print(f"GPU (nvidia-smi): {summary['nvidia_smi'] or 'nvidia-smi not found'}")
    print(f"GPU (torch): {summary['torch_gpu'] or 'no CUDA device visible to torch'}")
    print(f"python {summary['python']}  torch {summary['torch']}  torchvision {summary['torchvision']}")
    steps = summary["steps"] = []
    if not dry_run and summary["torch_gpu"] is None:
        print("error: torch sees no CUDA GPU here; run with --device cpu for the dry run", file=sys.stderr)
        write_summary(out, summary, ok=False)
        return 2

    def remaining() -> float:  # the dry run is not held to the GPU machine's limit (CI may be slow)
        return (DEADLINE_S if not dry_run else 3 * DEADLINE_S) - (time.monotonic() - started)

    # tests/gpu first, then the benches (their figures are what the check is for), then
    # tests/core with the time left; the dry run takes only the Qt-free core and the
    # accelerator code paths run on the CPU from tests/core.
    steps.append(run_pytest(["tests/gpu"], "gpu", out, min(120, remaining()), all_skipped_ok=dry_run))
    modes = bench_help()
    for name, flag in BENCH_MODES:
        if flag is not None and flag not in modes:
            print(f"{name}: this checkout's bench has no {flag} yet; skipped")
            steps.append({"name": name, "ok": True, "skipped": f"bench has no {flag} yet"})
            continue
        report = out / f"{name}_{args.device.replace(':', '')}.json"
        command = [sys.executable, "-m", "alexnet_viewer", "bench", "--device", args.device, "--random-weights"]
        command += [flag] if flag else []
        command += ["--frames", "3" if dry_run else ("300" if flag is None else "50")]
        command += ["--json", str(report)]
        step = run_step(name, command, out / f"{name}.log", min(90, remaining()))
        if step["ok"] and report.is_file():
            step["report"] = report.name
            step["figures"] = headline(json.loads(report.read_text()))
        steps.append(step)
    dry_core = ["tests/core/test_engine_paths.py", "tests/core/test_tensor_decode.py", "tests/core/test_core_has_no_qt.py"]
    core = dry_core if dry_run else ["tests/core"]
    steps.append(run_pytest(core, "core", out, remaining()))
    ok = all(step["ok"] for step in steps)
    summary["seconds"] = round(time.monotonic() - started, 1)
    write_summary(out, summary, ok)
    print(f"{'all steps passed' if ok else 'SOME STEPS FAILED'} in {summary['seconds']} s; JSON under {out}")
    return 0 if ok else 1


def run_pytest(paths: list[str], label: str, out: Path, timeout: float, all_skipped_ok: bool = False) -> dict:
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider"]
    command.append(f"--junitxml={out / f'pytest_{label}.xml'}")
    # pytest's exit 5 (nothing ran) is right for tests/gpu off CUDA: each module skips itself.
    passes = {0, 5} if all_skipped_ok else {0}
    return run_step("pytest " + " ".join(paths), command, out / f"pytest_{label}.log", timeout, passes)


def bench_help() -> str:
    command = [sys.executable, "-m", "alexnet_viewer", "bench", "--help"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=child_env()).stdout


def child_env() -> dict[str, str]:
    """Qt unimportable, no third-party pytest plugins (the GPU machine has neither)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tools" / "no_qt"), str(ROOT), env.get("PYTHONPATH")]))
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def run_step(name: str, command: list[str], log: Path, timeout: float, passes: set[int] = frozenset({0})) -> dict:
    print(f"== {name}", flush=True)
    begun = time.monotonic()
    if timeout < 5:
        print(f"{name}: no time left within the {DEADLINE_S} s limit; not run")
        return {"name": name, "rc": 124, "ok": False, "seconds": 0.0, "note": "no time left"}
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout
        )
        rc, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        rc = 124
        output = (expired.stdout or b"").decode(errors="replace") + f"\n(timed out after {timeout:.0f} s)"
    log.write_text(output)
    tail = output.strip().splitlines()[-12:]
    print("\n".join(tail))
    seconds = round(time.monotonic() - begun, 1)
    ok = rc in passes
    print(f"-- {name}: {'ok' if ok else f'FAILED (exit {rc})'} in {seconds} s (log {log.name})", flush=True)
    return {"name": name, "command": " ".join(command[1:]), "rc": rc, "ok": ok, "seconds": seconds, "tail": tail[-3:]}


def headline(report: dict) -> dict:
    keys = ("device", "bare_forward_ms", "engine_ms", "ratio", "graph_replays", "engine_stages_ms",
            "atlas_images_per_s", "imagenet_train_hours", "jpeg_decoder")
    figures = {key: report[key] for key in keys if key in report}
    if report.get("engine_ms"):
        figures["engine_frames_per_s"] = round(1000 / report["engine_ms"], 1)
    return figures


def environment() -> dict:
    info = {"python": platform.python_version(), "nvidia_smi": None, "torch_gpu": None}
    smi = shutil.which("nvidia-smi")
    if smi:
        query = [smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
        done = subprocess.run(query, capture_output=True, text=True)
        info["nvidia_smi"] = done.stdout.strip() or done.stderr.strip()
    import torch
    import torchvision

    info["torch"], info["torchvision"] = torch.__version__, torchvision.__version__
    if torch.cuda.is_available():
        info["torch_gpu"] = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
        info["cuda"] = torch.version.cuda
    return info


def write_summary(out: Path, summary: dict, ok: bool) -> None:
    summary["ok"] = ok
    (out / "gpu_check.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
