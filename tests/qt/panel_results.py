"""Shared test support for the panel tests: one random-weights engine and synthetic pictures."""

from __future__ import annotations

import numpy as np

from alexnet_viewer.core.frame.engine import Engine, FrameRequest


def gradient_image(height: int = 240, width: int = 320, phase: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    red = (xx * 255 // (width - 1) + phase) % 256
    green = yy * 255 // (height - 1)
    blue = ((xx + yy) * 255 // (height + width) + 3 * phase) % 256
    return np.stack([red, green, blue], axis=-1).astype(np.uint8)


def process(engine: Engine, *focus: str, order: str = "index", phase: int = 0, frame_id: int = 0,
            statistics: bool = False):
    """``statistics``: as while the Statistics view is shown (every layer, and the histograms)."""
    request = FrameRequest(focus_layers=focus or ("conv1",), channel_order=order, statistics=statistics)
    return engine.process(gradient_image(phase=phase), request, frame_id=frame_id)
