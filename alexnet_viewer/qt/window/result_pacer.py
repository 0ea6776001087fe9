"""Paces drawing to the screen: a new result is drawn at the next refresh of the screen.

A result is drawn at once (at the end of the current event-loop turn, so a burst that
arrived together draws only its newest) when the last draw was at least one screen
refresh ago, else at the next refresh slot. Results arriving faster than the screen
refreshes would be painted for nothing, so older ones waiting are simply replaced, and
an older result (several frames run at once) never replaces a newer one.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

FALLBACK_REFRESH_HZ = 60.0


def screen_refresh_hz() -> float:
    """The primary screen's refresh rate (60 where it cannot be had, e.g. offscreen)."""
    screen = QGuiApplication.primaryScreen()
    rate = screen.refreshRate() if screen is not None else 0.0
    return rate if 1.0 <= rate <= 1000.0 else FALLBACK_REFRESH_HZ


class ResultPacer(QObject):
    def __init__(self, draw: Callable[[object, object], None], refresh_hz: float | None = None,
                 parent=None, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self._draw = draw
        self._clock = clock  # tests inject their own
        self.scheduled_ms: int | None = None  # the wait the last draw was scheduled with
        self._interval_s = 1.0 / (refresh_hz or screen_refresh_hz())
        self._pending: tuple[object, object] | None = None
        self._last_draw: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._draw_newest)

    @property
    def interval_s(self) -> float:
        return self._interval_s

    @property
    def idle(self) -> bool:
        """Nothing waits for a refresh slot: every result offered so far was drawn or dropped
        (tests wait for this rather than for a fixed time)."""
        return self._pending is None and not self._timer.isActive()

    def offer(self, result, job) -> None:
        if self._pending is not None and job.frame_id < self._pending[1].frame_id:
            return
        self._pending = (result, job)
        if not self._timer.isActive():
            wait_s = 0.0
            if self._last_draw is not None:
                wait_s = self._last_draw + self._interval_s - self._clock()
            self.scheduled_ms = max(0, round(wait_s * 1000))
            self._timer.start(self.scheduled_ms)

    def _draw_newest(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        self._last_draw = self._clock()
        self._draw(*pending)
