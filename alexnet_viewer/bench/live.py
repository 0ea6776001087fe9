"""``alexnet-viewer bench --live``: the real window, offscreen, every panel showing, fed by a
synthetic camera (640×480) at ``--source-fps`` (default 60: faster than a CPU keeps up with).

One run measures, in one process:
- what a lecturer sees: ``display_ratio`` (results drawn per second ÷ frames arriving per
  second) and ``latency_ratio`` (95th percentile of the time from a frame's arrival in the
  window to its result drawn, ÷ one bare forward measured in the same run);
- throughput: frames the engine processed per second against a bare torchvision AlexNet on
  the same frame and threads (``live_ratio``; meaningful when the source outpaces the engine),
  and the engine's full work alone against the bare forward (``engine_alone_ratio``), both
  measured with the window closed right before and right after the live run;
- the GUI: the longest the GUI thread went without running a 10 ms timer
  (``max_gui_stall_ms``), its CPU share, the median hand-over of a result to every panel;
- memory: resident memory at the first results, after a warm-up of 300 frames (or half the
  run) and at the end (``rss_growth_mb``, end minus warm-up: the soak figure for long runs).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SOURCE_FPS = 60.0
CAMERA_SIZE = (640, 480)
WARMUP_RESULTS = 5
MEMORY_WARMUP_FRAMES = 300
BARE_RUNS = 20
TICK_MS = 10
WINDOW_SIZE = (1600, 1000)  # wide enough for every panel to show side by side
RESULT_TIMEOUT_S = 120.0


def resident_mb() -> float:
    """This process's resident memory in MiB (Linux: now; elsewhere: the peak so far)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def idle_timings(engine, frame) -> dict[str, float]:
    """Median ms of a bare forward (hook-free AlexNet, the engine's weights, the preprocessed
    batch) and of the engine's full work on the camera frame, taking turns, no window busy."""
    import torch

    from alexnet_viewer.bench.frames import bare_model, interleaved_median_ms
    from alexnet_viewer.core.frame.engine import FrameRequest

    device = engine.loaded.device
    model = bare_model(engine)
    batch = engine.loaded.transforms(torch.from_numpy(frame).permute(2, 0, 1)).unsqueeze(0).to(device)
    with torch.inference_mode():
        runs = {"bare": lambda: model(batch), "engine": lambda: engine.process(frame, FrameRequest())}
        return interleaved_median_ms(runs, frames=BARE_RUNS, warmup=2, device=device)


class _StallMeter:
    """The largest gap between ticks of a 10 ms timer: how long the GUI thread was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.largest_ms = 0.0
        self._last = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.largest_ms = max(self.largest_ms, (now - self._last) * 1000)
        self._last = now


def _wait(app, condition, timeout_s: float) -> bool:
    """Run the real event loop until ``condition()`` holds; checked every 20 ms, not spun."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return True
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    check.start()
    loop.exec()
    check.stop()
    return condition()


def _make_window(engine, spec, settings_path: Path):
    from alexnet_viewer.qt.settings import ViewerSettings
    from alexnet_viewer.qt.window.main_window import MainWindow

    window = MainWindow(ViewerSettings(settings_path), engine_factory=lambda *_args: engine, weights=spec,
                        interactive=False, restore_layout=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.start()
    return window


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure_live(app, window, frames: int, source_fps: float = SOURCE_FPS) -> dict:
    """Drive ``window`` from a synthetic camera until the engine processed ``frames`` more frames."""
    from alexnet_viewer.qt.live import SyntheticSource

    shown: list[tuple[float, float, float, float]] = []  # (time, draw ms, engine ms, arrival to screen ms)
    plans: Counter[str] = Counter()

    def on_shown(result, job) -> None:
        now = time.perf_counter()
        shown.append((now, window.last_draw_ms, result.timings_ms.get("total", float("nan")),
                      (now - job.posted_at) * 1000))
        plans[window.worker.plan.describe() if not window.worker.pipelined else "pipelined"] += 1

    window.result_shown.connect(on_shown)
    explained: list[float] = []  # when each explanation was drawn (bench --live --with-explain)
    window.explain.controller.drawn.connect(lambda e: e is not None and explained.append(time.perf_counter()))
    source = SyntheticSource(fps=source_fps, width=CAMERA_SIZE[0], height=CAMERA_SIZE[1])
    stall = _StallMeter()
    window.live.use_source(source)
    if not _wait(app, lambda: len(shown) >= WARMUP_RESULTS, RESULT_TIMEOUT_S):
        raise RuntimeError("no live result arrived in time")
    rss_first_results = resident_mb()
    start_time = time.perf_counter()
    start_emitted, start_dropped = source.frames_emitted, window.worker.mailbox.counts().dropped
    start_processed, start_shown = window.worker.frames_processed, len(shown)
    plans.clear()
    stall.start()
    gui_cpu_start = time.thread_time()
    needed = start_processed + frames
    # Memory settles over the first frames (allocator arenas of each engine thread, Qt's
    # caches); growth is counted from here, so a leak shows and warm-up does not.
    settled = start_processed + min(MEMORY_WARMUP_FRAMES, frames // 2)
    if not _wait(app, lambda: window.worker.frames_processed >= settled, RESULT_TIMEOUT_S + frames * 5):
        raise RuntimeError("the live run stalled")
    rss_after_warmup = resident_mb()
    if not _wait(app, lambda: window.worker.frames_processed >= needed, RESULT_TIMEOUT_S + frames * 5):
        raise RuntimeError("the live run stalled")
    elapsed = time.perf_counter() - start_time
    stall.stop()
    gui_cpu = time.thread_time() - gui_cpu_start
    emitted = source.frames_emitted - start_emitted
    dropped = window.worker.mailbox.counts().dropped - start_dropped
    window.live.stop()
    measured = shown[start_shown:]
    latencies = [m[3] for m in measured]
    return {
        "source_fps": source_fps,
        "frames_processed": frames,
        "seconds": round(elapsed, 3),
        "processed_fps": round(frames / elapsed, 3),
        "displayed_fps": round(len(measured) / elapsed, 3),
        "arriving_fps": round(emitted / elapsed, 3),
        "frames_arrived": emitted,
        "frames_dropped": dropped,
        "lane_plans": dict(plans.most_common()),  # how results were made: frames at once x threads
        "latency_median_ms": round(statistics.median(latencies), 2),
        "latency_p95_ms": round(percentile(latencies, 0.95), 2),
        "max_gui_stall_ms": round(stall.largest_ms, 1),
        "gui_thread_cpu_share": round(gui_cpu / elapsed, 3),
        "redraw_median_ms": round(statistics.median(m[1] for m in measured), 2),
        "engine_total_median_ms": round(statistics.median(m[2] for m in measured), 2),
        "rss_first_results_mb": round(rss_first_results, 1),
        "memory_warmup_frames": settled - start_processed,
        "rss_after_warmup_mb": round(rss_after_warmup, 1),
        "rss_end_mb": round(resident_mb(), 1),
        "explained_fps": round(sum(1 for moment in explained if moment >= start_time) / elapsed, 3),
    }


def engine_and_app(args):
    """(weights spec, engine, QApplication) for the window benches (the weights flags, random
    by default), or 2 after one sentence on stderr when the weights cannot be had."""
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.cli.weights_options import weights_spec
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.frame.engine import Engine
    from alexnet_viewer.core.model.loader import load_model
    from alexnet_viewer.core.model.weights_spec import WeightsSpec

    spec = weights_spec(args) or WeightsSpec.random(args.seed)
    try:
        engine = Engine(load_model(spec, device=args.device))
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return spec, engine, QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "alexnet-viewer"])


def run_live_bench(args) -> int:
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from alexnet_viewer.bench.frames import machine
    from alexnet_viewer.qt.live.synthetic import SyntheticPattern
    from alexnet_viewer.cli.weights_options import write_report

    source_fps = getattr(args, "source_fps", None) or SOURCE_FPS
    if not (math.isfinite(source_fps) and 0 < source_fps <= 240):
        print("error: --source-fps must be between 0 and 240", file=sys.stderr)
        return 2
    made = engine_and_app(args)
    if isinstance(made, int):
        return made
    spec, engine, app = made
    frame = SyntheticPattern(*CAMERA_SIZE).frame(0)
    # Idle figures right before and right after the live run; the window (and its worker
    # threads) exists only in between, so the engine is never used from two places at once.
    before = idle_timings(engine, frame)
    with tempfile.TemporaryDirectory() as folder:
        window = _make_window(engine, spec, Path(folder) / "bench.ini")
        if getattr(args, "with_explain", False):
            window.explain.show_panel()  # Grad-CAM of each frame's top-1, as the panel follows frames
        try:
            if not _wait(app, lambda: window.worker.has_engine, RESULT_TIMEOUT_S):
                print("error: the window's engine did not start", file=sys.stderr)
                return 2
            live = measure_live(app, window, args.frames, source_fps)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            window.close()
    after = idle_timings(engine, frame)
    bare_ms = (before["bare"] + after["bare"]) / 2
    alone_ms = (before["engine"] + after["engine"]) / 2
    report = {
        **machine(engine.loaded.device),
        "cpus": os.cpu_count(),
        "weights": engine.weights.description,
        "source": f"synthetic {CAMERA_SIZE[0]}x{CAMERA_SIZE[1]} at {source_fps:g} fps",
        "window": f"{WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}",
        "explain": bool(getattr(args, "with_explain", False)),
        "bare_forward_ms": round(bare_ms, 3),
        "bare_fps": round(1000 / bare_ms, 3),
        "engine_alone_ms": round(alone_ms, 3),
        "engine_alone_fps": round(1000 / alone_ms, 3),
        **live,
    }
    report["display_ratio"] = round(report["displayed_fps"] / report["arriving_fps"], 3)
    report["latency_ratio"] = round(report["latency_p95_ms"] / bare_ms, 3)
    report["live_ratio"] = round(report["processed_fps"] / report["bare_fps"], 3)
    # How much of the gap is the engine's own extra work, and how much the live window.
    report["engine_alone_ratio"] = round(alone_ms / bare_ms, 3)
    report["live_vs_engine_alone"] = round(report["processed_fps"] / report["engine_alone_fps"], 3)
    report["rss_growth_mb"] = round(report["rss_end_mb"] - report["rss_after_warmup_mb"], 1)
    print(format_live_report(report))
    write_report(report, args.json)
    return 0


def format_live_report(r: dict) -> str:
    plans = ", ".join(f"{plan} {count}" for plan, count in r["lane_plans"].items()) or "none"
    return "\n".join([
        f"device {r['device']}  torch {r['torch']}  threads {r['threads']} idle  cpus {r['cpus']}  "
        f"window {r['window']}",
        f"source: {r['source']}; {r['frames_processed']} frames processed in {r['seconds']:.1f} s",
        f"display ratio    {r['display_ratio']:8.3f}       (results drawn {r['displayed_fps']:.2f} fps / "
        f"arriving {r['arriving_fps']:.2f} fps; target >= 0.95 at 30 fps)",
        f"latency ratio    {r['latency_ratio']:8.3f}       (arrival to screen, 95th percentile "
        f"{r['latency_p95_ms']:.1f} ms, median {r['latency_median_ms']:.1f} ms, / bare forward; "
        "target <= 3)",
        f"processed        {r['processed_fps']:8.2f} fps   ({r['frames_dropped']} of {r['frames_arrived']} "
        "arriving frames dropped unseen)",
        f"bare forward     {r['bare_fps']:8.2f} fps   ({r['bare_forward_ms']:.1f} ms, window closed)",
        f"engine alone     {r['engine_alone_fps']:8.2f} fps   ({r['engine_alone_ms']:.1f} ms, window closed)",
        f"live ratio       {r['live_ratio']:8.3f}       (processed / bare; a throughput figure: meaningful "
        "when the source outpaces the engine)",
        f"  engine alone   {r['engine_alone_ratio']:8.3f}       engine alone / bare forward, time per frame "
        "(the engine's extra work; target <= 1.15)",
        f"  and            {r['live_vs_engine_alone']:8.3f}       processed / engine alone (the live window's cost)",
        f"lanes            {plans}  (results made under each plan)",
        f"GUI stall        {r['max_gui_stall_ms']:8.1f} ms    (largest gap of a 10 ms timer; target <= 50)",
        f"GUI thread CPU   {r['gui_thread_cpu_share']:8.1%}       of one core during the live run",
        f"redraw           {r['redraw_median_ms']:8.2f} ms    (median hand-over to all panels per result; "
        f"their painting follows and counts in the GUI thread CPU)",
        f"engine total     {r['engine_total_median_ms']:8.2f} ms    (median, in the window)",
        *([f"explained        {r['explained_fps']:8.2f} fps   (Grad-CAMs of the top-1 drawn by the Explain panel, "
           "newest frame first)"] if r.get("explain") else []),
        f"resident memory  {r['rss_first_results_mb']:.1f} MiB at the first results, "
        f"{r['rss_after_warmup_mb']:.1f} MiB after {r['memory_warmup_frames']} frames, "
        f"{r['rss_end_mb']:.1f} MiB at the end (growth after warm-up {r['rss_growth_mb']:+.1f} MiB)",
    ])
