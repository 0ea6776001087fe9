"""A short soak: hundreds of live frames through the whole window must not grow memory.

The engine is replaced by one that answers instantly, so the test exercises the pipeline
and every panel's redraw (where leaks would pile up) in seconds; ``bench --live
--frames 3000`` is the long version with the real engine.
"""

from __future__ import annotations

from alexnet_viewer.qt.live import SyntheticSource
from alexnet_viewer.qt.live.bench import resident_mb
from tests.qt.conftest import RecordingFactory
from tests.qt.live_helpers import PrebuiltEngine

WARMUP, FRAMES = 50, 300


def test_300_live_frames_do_not_grow_memory(make_window, qtbot, shared_engine):
    prebuilt = PrebuiltEngine(shared_engine)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: prebuilt))
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job.frame_id))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    window.live.use_source(SyntheticSource(fps=100, width=320, height=240))
    qtbot.waitUntil(lambda: len(shown) >= WARMUP, timeout=60000)
    before = resident_mb()
    qtbot.waitUntil(lambda: len(shown) >= WARMUP + FRAMES, timeout=120000)
    growth = resident_mb() - before
    window.live.stop()
    assert shown == sorted(shown)  # never an older frame after a newer one
    assert growth < 20, f"resident memory grew by {growth:.1f} MiB over {FRAMES} frames"
