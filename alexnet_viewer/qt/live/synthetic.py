"""A made-up camera: a deterministic moving pattern at a steady rate.

Used by tests and by ``bench --live`` where no camera exists; frame ``n`` is always the
same picture, so results can be compared between runs.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer

from alexnet_viewer.qt.live.base import FrameSource


class SyntheticPattern:
    """Frame ``index`` of a colour gradient that scrolls sideways with a bright square
    circling over it (camera-like: every frame differs, nothing is random)."""

    def __init__(self, width: int = 640, height: int = 480) -> None:
        if width < 8 or height < 8:
            raise ValueError(f"A synthetic frame needs at least 8×8 pixels, got {width}×{height}.")
        self.width, self.height = int(width), int(height)
        x = np.linspace(0, 255, self.width, dtype=np.float32)
        y = np.linspace(0, 255, self.height, dtype=np.float32)
        base = np.empty((self.height, self.width, 3), dtype=np.uint8)
        base[:, :, 0] = x[None, :]
        base[:, :, 1] = y[:, None]
        base[:, :, 2] = (255 - x[None, :] / 2 - y[:, None] / 2)
        self._base = base
        self._side = max(4, min(self.width, self.height) // 5)

    def frame(self, index: int) -> np.ndarray:
        shift = (index * 4) % self.width
        out = np.roll(self._base, shift, axis=1)
        angle = index * 2 * math.pi / 90  # one lap every 90 frames
        cx = self.width / 2 + math.cos(angle) * self.width / 4
        cy = self.height / 2 + math.sin(angle) * self.height / 4
        half = self._side // 2
        left, top = int(cx) - half, int(cy) - half
        out[max(0, top): top + self._side, max(0, left): left + self._side] = (250, 250, 240)
        return out


class SyntheticSource(FrameSource):
    """Emits ``SyntheticPattern`` frames at ``fps`` until stopped or ``frame_limit`` is hit."""

    def __init__(self, fps: float = 30.0, width: int = 640, height: int = 480,
                 frame_limit: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and 0 < fps <= 1000):
            raise ValueError(f"The frame rate must be between 0 and 1000 fps, got {fps!r}.")
        self._pattern = SyntheticPattern(width, height)
        self._fps = float(fps)
        self._frame_limit = frame_limit
        self._index = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000.0 / self._fps)))
        self._timer.timeout.connect(self._tick)

    @property
    def description(self) -> str:
        return f"Synthetic {self._pattern.width}×{self._pattern.height} at {self._fps:g} fps"

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_index(self) -> int:
        """Index of the next frame to be generated."""
        return self._index

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        super().stop()

    def _tick(self) -> None:
        if self._frame_limit is not None and self._index >= self._frame_limit:
            self.stop()
            self.finished.emit()
            return
        frame = self._pattern.frame(self._index)
        self._index += 1
        self._deliver(frame)
