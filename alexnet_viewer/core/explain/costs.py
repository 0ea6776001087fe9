"""What a method will cost here, in seconds, before it is clicked.

A ``Price`` (methods.py) counts single-picture forwards and backwards. ``CostModel`` turns it
into seconds from what this device has already done: the frames' own forward times (a
frame's ``timings_ms["forward"]``, else its ``"total"``, an upper bound) give the seconds per
forward, the median of the last few; a backward is first taken as ``BACKWARD_PER_FORWARD``
forwards (a data-only backward does about twice a forward's arithmetic), then calibrated by
every finished method's measured time. Batched passes run faster per picture than one frame,
so the estimate errs long.
"""

from __future__ import annotations

from collections import deque
from statistics import median

BACKWARD_PER_FORWARD = 2.0
_KEEP = 15


class CostModel:
    def __init__(self) -> None:
        self._forwards: deque[float] = deque(maxlen=_KEEP)
        self._corrections: deque[float] = deque(maxlen=_KEEP)

    def observe_frame(self, timings_ms) -> None:
        """A frame's ``Result.timings_ms``; frames without a time are ignored, and so are frames
        redrawn from a shown one (``"rerender"``: no forward ran, so they say nothing of one)."""
        timings_ms = timings_ms or {}
        if "rerender" in timings_ms:
            return
        value = timings_ms.get("forward", timings_ms.get("total"))
        if value is not None and value > 0:
            self._forwards.append(float(value) / 1000.0)

    def observe_run(self, price, seconds: float) -> None:
        """A method's measured time corrects every later estimate."""
        raw = self._raw(price)
        if raw and seconds > 0:
            self._corrections.append(seconds / raw)

    @property
    def forward_seconds(self) -> float | None:
        return median(self._forwards) if self._forwards else None

    @property
    def correction(self) -> float:
        return median(self._corrections) if self._corrections else 1.0

    def estimate(self, price) -> float | None:
        """Seconds for one map, or None before any frame has been timed."""
        raw = self._raw(price)
        return None if raw is None else raw * self.correction

    def _raw(self, price) -> float | None:
        forward = self.forward_seconds
        return None if forward is None else forward * (price.forwards + BACKWARD_PER_FORWARD * price.backwards)


def describe_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "time unknown until a frame has run"
    if seconds < 1.0:
        return f"≈ {max(seconds * 1000, 1):.0f} ms"
    if seconds < 60:
        return f"≈ {seconds:.1f} s"
    return f"≈ {seconds / 60:.1f} min"
