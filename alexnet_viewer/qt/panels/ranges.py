"""Axis ranges that stay put while the data wobbles: steady axes read better and redraw less."""

from __future__ import annotations

PADDING = 0.05
SHRINK_BELOW = 0.5  # re-fit when the data fills less than this share of the axis


def steady_range(current: tuple[float, float] | None, low: float, high: float) -> tuple[float, float] | None:
    """A new (low, high) for the axis, or None while ``current`` still shows the data well."""
    if high <= low:
        high = low + 1.0
    if current is not None:
        span = current[1] - current[0]
        inside = current[0] <= low and high <= current[1]
        if inside and (high - low) >= SHRINK_BELOW * span:
            return None
    pad = (high - low) * PADDING
    return low - pad, high + pad
