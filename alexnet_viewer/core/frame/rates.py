"""Live frame-rate bookkeeping: frames arriving from a source, processed by the engine,
dropped in between, and rates over a sliding window. No Qt; thread-safe."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_WINDOW_S = 2.0


class RateMeter:
    """Events per second over the last ``window_s`` seconds.

    The rate is (events - 1) / (time between the first and the last event in the window):
    it is right from the second event on and falls to 0 once events stop for a window.
    """

    def __init__(self, window_s: float = DEFAULT_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not window_s > 0:
            raise ValueError(f"The rate window must be positive, got {window_s!r}.")
        self._window = float(window_s)
        self._clock = clock
        self._times: deque[float] = deque()
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    def tick(self, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        self._times.append(now)
        self._total += 1
        self._prune(now)

    def rate(self, now: float | None = None) -> float:
        now = self._clock() if now is None else now
        self._prune(now)
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def reset(self) -> None:
        self._times.clear()
        self._total = 0

    def _prune(self, now: float) -> None:
        limit = now - self._window
        while self._times and self._times[0] < limit:
            self._times.popleft()


@dataclass(frozen=True)
class LiveSnapshot:
    arrived: int
    processed: int
    dropped: int
    arrival_fps: float
    processed_fps: float

    def describe(self) -> str:
        """e.g. '11.8 fps (source 30.0 fps, 412 dropped)'."""
        return (f"{self.processed_fps:.1f} fps (source {self.arrival_fps:.1f} fps, "
                f"{self.dropped} dropped)")


class LiveStats:
    """Counts for the status bar: call ``frame_arrived`` when a source emits,
    ``frame_processed`` when a Result comes back and ``set_dropped`` with
    LatestMailbox.counts().dropped for frames never processed."""

    def __init__(self, window_s: float = DEFAULT_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._arrivals = RateMeter(window_s, clock)
        self._processed = RateMeter(window_s, clock)
        self._dropped = 0

    def frame_arrived(self, now: float | None = None) -> None:
        with self._lock:
            self._arrivals.tick(now)

    def frame_processed(self, now: float | None = None) -> None:
        with self._lock:
            self._processed.tick(now)

    def set_dropped(self, total: int) -> None:
        with self._lock:
            self._dropped = int(total)

    def snapshot(self, now: float | None = None) -> LiveSnapshot:
        with self._lock:
            now = self._clock() if now is None else now
            return LiveSnapshot(
                arrived=self._arrivals.total,
                processed=self._processed.total,
                dropped=self._dropped,
                arrival_fps=self._arrivals.rate(now),
                processed_fps=self._processed.rate(now),
            )

    def reset(self) -> None:
        with self._lock:
            self._arrivals.reset()
            self._processed.reset()
            self._dropped = 0
