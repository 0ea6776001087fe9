"""``alexnet-viewer bench --live``: the real window, offscreen, fed by a synthetic camera.

One run measures, in one process: how many frames per second the window's engine
processes while a 640×480 source posts faster than it can keep up (and how many results
per second are drawn: the newest, paced); how many per second a bare
torchvision AlexNet manages on the same machine and threads (measured right before and
right after the live run, with the window idle); their ratio (``live_ratio``); frames
arriving and dropped; the longest the GUI thread went without running a 10 ms timer; the
median time the window spends handing a result to every panel; the engine's median
per-frame time; and resident memory at the first results, after a memory warm-up of 300
frames (or half the run) and at the end (``rss_growth_mb``, end minus warm-up: the soak
figure for long runs such as ``--frames 3000``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
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


def _idle_timings(engine, frame, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds per frame, with no window busy: a bare forward pass of a hook-free
    AlexNet with the engine's weights on the preprocessed 224 batch, and the engine's full
    work on the camera frame, interleaved so that machine noise falls on both alike."""
    import torch

    from alexnet_viewer.bench import _synchronize, bare_model
    from alexnet_viewer.core.engine import FrameRequest

    device = engine.loaded.device
    model = bare_model(engine)
    batch = engine.loaded.transforms(torch.from_numpy(frame).permute(2, 0, 1)).unsqueeze(0).to(device)
    bare, full = [], []
    with torch.inference_mode():
        for index in range(runs + 2):
            _synchronize(device)
            start = time.perf_counter()
            model(batch)
            _synchronize(device)
            middle = time.perf_counter()
            engine.process(frame, FrameRequest(), frame_id=index)
            end = time.perf_counter()
            if index >= 2:  # the first passes warm caches up
                bare.append((middle - start) * 1000)
                full.append((end - middle) * 1000)
    return bare, full


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
    from alexnet_viewer.qt.window.main_window import MainWindow
    from alexnet_viewer.qt.settings import ViewerSettings

    window = MainWindow(ViewerSettings(settings_path), engine_factory=lambda *_args: engine, weights=spec,
                        interactive=False, restore_layout=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    window.start()
    return window


def measure_live(app, window, frames: int) -> dict:
    """Drive ``window`` from a synthetic camera until the engine processed ``frames`` more frames."""
    from alexnet_viewer.qt.live import SyntheticSource

    shown: list[tuple[float, float, float]] = []  # (time, draw ms, engine total ms)
    window.result_shown.connect(
        lambda result, job: shown.append((time.perf_counter(), window.last_draw_ms,
                                          result.timings_ms.get("total", float("nan")))))
    source = SyntheticSource(fps=SOURCE_FPS, width=CAMERA_SIZE[0], height=CAMERA_SIZE[1])
    stall = _StallMeter()
    window.live.use_source(source)
    if not _wait(app, lambda: len(shown) >= WARMUP_RESULTS, RESULT_TIMEOUT_S):
        raise RuntimeError("no live result arrived in time")
    rss_first_results = resident_mb()
    start_time = time.perf_counter()
    start_emitted, start_dropped = source.frames_emitted, window.worker.mailbox.counts().dropped
    start_processed, start_shown = window.worker.frames_processed, len(shown)
    engine_threads = window.worker.engine_threads
    lanes = 1 + len(window.worker._lanes)
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
    displayed = len(shown) - start_shown
    window.live.stop()
    measured = shown[start_shown:]
    return {
        "frames_processed": frames,
        "seconds": round(elapsed, 3),
        "processed_fps": round(frames / elapsed, 3),
        "displayed_fps": round(displayed / elapsed, 3),
        "arriving_fps": round(emitted / elapsed, 3),
        "frames_arrived": emitted,
        "frames_dropped": dropped,
        "engine_threads_live": engine_threads,
        "frames_in_flight": lanes,
        "max_gui_stall_ms": round(stall.largest_ms, 1),
        "gui_thread_cpu_share": round(gui_cpu / elapsed, 3),
        "redraw_median_ms": round(statistics.median(m[1] for m in measured), 2),
        "engine_total_median_ms": round(statistics.median(m[2] for m in measured), 2),
        "rss_first_results_mb": round(rss_first_results, 1),
        "memory_warmup_frames": settled - start_processed,
        "rss_after_warmup_mb": round(rss_after_warmup, 1),
        "rss_end_mb": round(resident_mb(), 1),
    }


def run_live_bench(args) -> int:
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import torch
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.core.engine import Engine
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model import load_model
    from alexnet_viewer.core.weights_spec import WeightsSpec
    from alexnet_viewer.qt.live.synthetic import SyntheticPattern
    from alexnet_viewer.weights_options import weights_spec

    spec = weights_spec(args) or WeightsSpec.random(args.seed)
    try:
        engine = Engine(load_model(spec, device=args.device))
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "alexnet-viewer"])
    frame = SyntheticPattern(*CAMERA_SIZE).frame(0)
    # Idle figures right before and right after the live run; the window (and its worker
    # thread) exists only in between, so the engine is never used from two threads.
    bare, alone = _idle_timings(engine, frame, BARE_RUNS)
    with tempfile.TemporaryDirectory() as folder:
        window = _make_window(engine, spec, Path(folder) / "bench.ini")
        try:
            if not _wait(app, lambda: window.worker.has_engine, RESULT_TIMEOUT_S):
                print("error: the window's engine did not start", file=sys.stderr)
                return 2
            live = measure_live(app, window, args.frames)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            window.close()
    after = _idle_timings(engine, frame, BARE_RUNS)
    bare, alone = bare + after[0], alone + after[1]
    bare_ms, alone_ms = statistics.median(bare), statistics.median(alone)
    report = {
        "device": str(engine.loaded.device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "weights": engine.weights.description,
        "source": f"synthetic {CAMERA_SIZE[0]}x{CAMERA_SIZE[1]} at {SOURCE_FPS:g} fps",
        "window": f"{WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}",
        "bare_forward_ms": round(bare_ms, 3),
        "bare_fps": round(1000 / bare_ms, 3),
        "engine_alone_ms": round(alone_ms, 3),
        "engine_alone_fps": round(1000 / alone_ms, 3),
        **live,
    }
    report["live_ratio"] = round(report["processed_fps"] / report["bare_fps"], 3)
    # How much of the gap is the engine's own extra work, and how much the live window.
    report["engine_alone_ratio"] = round(report["engine_alone_fps"] / report["bare_fps"], 3)
    report["live_vs_engine_alone"] = round(report["processed_fps"] / report["engine_alone_fps"], 3)
    report["rss_growth_mb"] = round(report["rss_end_mb"] - report["rss_after_warmup_mb"], 1)
    print(format_live_report(report))
    if args.json is not None:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def format_live_report(r: dict) -> str:
    return "\n".join([
        f"device {r['device']}  torch {r['torch']}  threads {r['threads']} idle; live {r['frames_in_flight']} frames "
        f"at once x {r['engine_threads_live']} thread  "
        f"cpus {r['cpus']}  window {r['window']}",
        f"source: {r['source']}; {r['frames_processed']} frames processed in {r['seconds']:.1f} s",
        f"processed        {r['processed_fps']:8.2f} fps   (newest result drawn {r['displayed_fps']:.2f} fps)",
        f"bare forward     {r['bare_fps']:8.2f} fps   ({r['bare_forward_ms']:.1f} ms)",
        f"engine alone     {r['engine_alone_fps']:8.2f} fps   ({r['engine_alone_ms']:.1f} ms, window closed)",
        f"live ratio       {r['live_ratio']:8.3f}       (processed / bare; target >= 0.8)",
        f"  of which       {r['engine_alone_ratio']:8.3f}       engine alone / bare (the engine's extra work)",
        f"  and            {r['live_vs_engine_alone']:8.3f}       processed / engine alone (the live window's cost)",
        f"arriving         {r['arriving_fps']:8.2f} fps   {r['frames_dropped']} dropped of {r['frames_arrived']}",
        f"GUI stall        {r['max_gui_stall_ms']:8.1f} ms    (largest gap of a 10 ms timer; target <= 50)",
        f"GUI thread CPU   {r['gui_thread_cpu_share']:8.1%}       of one core during the live run",
        f"redraw           {r['redraw_median_ms']:8.2f} ms    (median hand-over to all panels per result; "
        f"their painting follows and counts in the GUI thread CPU)",
        f"engine total     {r['engine_total_median_ms']:8.2f} ms    (median)",
        f"resident memory  {r['rss_first_results_mb']:.1f} MiB at the first results, {r['rss_after_warmup_mb']:.1f} MiB "
        f"after {r['memory_warmup_frames']} frames, {r['rss_end_mb']:.1f} MiB at the end "
        f"(growth after warm-up {r['rss_growth_mb']:+.1f} MiB)",
    ])
