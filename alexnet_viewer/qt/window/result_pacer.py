"""Paces drawing: the newest result (by frame id) is drawn at most ``max_fps`` times a second.

Results can arrive faster than panels are worth repainting (a fast engine, a GPU).
Painting every one of them would spend the GUI thread's core, which on a small machine
the engine needs; older results waiting to be drawn are simply replaced.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer

DISPLAY_FPS = 20.0


class ResultPacer(QObject):
    def __init__(self, draw: Callable[[object, object], None], max_fps: float = DISPLAY_FPS, parent=None) -> None:
        super().__init__(parent)
        self._draw = draw
        self._interval_s = 1.0 / max_fps
        self._pending: tuple[object, object] | None = None
        self._last_draw: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._draw_newest)

    def offer(self, result, job) -> None:
        # With several frames in flight results can arrive out of order: an older one
        # never replaces a newer one waiting to be drawn.
        if self._pending is not None and job.frame_id < self._pending[1].frame_id:
            return
        self._pending = (result, job)
        if not self._timer.isActive():
            wait_s = 0.0
            if self._last_draw is not None:
                wait_s = self._last_draw + self._interval_s - time.perf_counter()
            self._timer.start(max(0, round(wait_s * 1000)))

    def _draw_newest(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        self._last_draw = time.perf_counter()
        self._draw(*pending)
