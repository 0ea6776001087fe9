"""``alexnet-viewer bench --startup``: time to the window's first paint and first result.

Each run launches the real program in a fresh process (as a user would, offscreen unless a
display is set) on the first sample with random weights, and subtracts the launch time from
the wall-clock stamps that qt/startup_timing.py writes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_LOG_VARIABLE = "ALEXNET_VIEWER_STARTUP_LOG"  # read by qt/startup_timing.py


def time_one_launch(device: str | None, timeout_s: float = 300) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "startup.json"
        env = dict(os.environ, **{STARTUP_LOG_VARIABLE: str(log), "XDG_CONFIG_HOME": folder})
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        command = [sys.executable, "-m", "alexnet_viewer", "--random-weights"]
        if device:
            command += ["--device", device]
        start = time.time()
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)
        if not log.is_file():
            raise RuntimeError(f"the window reported no result (exit {completed.returncode}): {completed.stderr[-500:]}")
        stamps = json.loads(log.read_text(encoding="utf-8"))
    return {name: stamp - start for name, stamp in stamps.items()}


def run_startup_bench(runs: int = 3, device: str | None = None) -> dict:
    launches = [time_one_launch(device) for _ in range(runs)]
    return {
        "runs": runs,
        "first_paint_s": round(statistics.median(l["first_paint"] for l in launches), 3),
        "first_result_s": round(statistics.median(l["first_result"] for l in launches), 3),
        "launches": [{k: round(v, 3) for k, v in l.items()} for l in launches],
    }


def format_startup_report(report: dict) -> str:
    return (
        f"launch to first paint   {report['first_paint_s']:6.2f} s (median of {report['runs']})\n"
        f"launch to first result  {report['first_result_s']:6.2f} s"
    )
