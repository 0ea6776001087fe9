"""A short soak: hundreds of live frames through the whole window must not grow memory.

The real engine (random weights) on small frames: every result has arrays of its own, as in
use, so a view that kept old results would show here; ``bench --live --frames 3000`` is the
long version at camera size.
"""

from __future__ import annotations

from alexnet_viewer.qt.live import SyntheticSource
from alexnet_viewer.bench.live import resident_mb

WARMUP, FRAMES = 40, 200


def test_live_frames_do_not_grow_memory(make_window, qtbot):
    window = make_window()
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job.frame_id))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    window.live.use_source(SyntheticSource(fps=100, width=160, height=120))
    qtbot.waitUntil(lambda: len(shown) >= WARMUP, timeout=120000)
    before = resident_mb()
    qtbot.waitUntil(lambda: len(shown) >= WARMUP + FRAMES, timeout=300000)
    growth = resident_mb() - before
    window.live.stop()
    assert shown == sorted(shown)  # never an older frame after a newer one
    assert len(set(shown)) == len(shown)
    assert growth < 20, f"resident memory grew by {growth:.1f} MiB over {FRAMES} frames"
