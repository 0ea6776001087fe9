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
        self._backward_factors: deque[float] = deque(maxlen=_KEEP)

    def observe_frame(self, timings_ms) -> None:
        """A frame's ``Result.timings_ms``; frames without a time are ignored."""
        value = (timings_ms or {}).get("forward", (timings_ms or {}).get("total"))
        if value is not None and value > 0:
            self._forwards.append(float(value) / 1000.0)

    def observe_run(self, price, seconds: float) -> None:
        """A method's measured time refines what a backward costs against a forward."""
        forward = self.forward_seconds
        if forward is None or price.backwards <= 0 or seconds <= 0:
            return
        factor = (seconds / forward - price.forwards) / price.backwards
        self._backward_factors.append(min(max(factor, 0.25), 20.0))

    @property
    def forward_seconds(self) -> float | None:
        return median(self._forwards) if self._forwards else None

    @property
    def backward_factor(self) -> float:
        return median(self._backward_factors) if self._backward_factors else BACKWARD_PER_FORWARD

    def estimate(self, price) -> float | None:
        """Seconds for one map, or None before any frame has been timed."""
        forward = self.forward_seconds
        if forward is None:
            return None
        return forward * (price.forwards + self.backward_factor * price.backwards)


def describe_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "time unknown until a frame has run"
    if seconds < 1.0:
        return f"≈ {max(seconds * 1000, 1):.0f} ms"
    if seconds < 60:
        return f"≈ {seconds:.1f} s"
    return f"≈ {seconds / 60:.1f} min"
