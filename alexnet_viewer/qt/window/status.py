"""The status bar: device, the weights in one line, time per frame and frames shown per second.

It follows the viewer state (``weights_status``, ``device``); the window hands it each
result drawn for the timing.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtWidgets import QLabel, QStatusBar

from alexnet_viewer.core.session import ViewerState
from alexnet_viewer.qt.panels.style import Readout, set_text_if_changed

FPS_WINDOW_S = 2.0
UNTRAINED_STYLE = "color: white; background: #b3261e; font-weight: 600;"


class StatusLine:
    def __init__(self, bar: QStatusBar, state: ViewerState, live_label: QLabel) -> None:
        self.state = state
        self.device_label = QLabel("device: –")
        self.weights_label = QLabel("weights: loading…")
        self.time_label = Readout("– ms", "00000 ms")
        self.fps_label = Readout("– fps", "000.0 fps")
        self.device_label.setToolTip("Where the network runs")
        self.weights_label.setToolTip("The weights in use; Settings › Weights… loads others")
        self.time_label.setToolTip("Engine time for the last frame (preprocess, forward pass, statistics, mosaics)")
        self.fps_label.setToolTip("Frames shown per second over the last two seconds")
        self.live_label = live_label
        for label in (live_label, self.device_label, self.weights_label, self.time_label, self.fps_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self._draw_times: deque[float] = deque()
        state.events.device.connect(lambda device: self.device_label.setText(f"device: {device or '–'}"))

    def show_weights(self, text: str, *, untrained: bool = False) -> None:
        """The one line that says which weights are in use (red when they are untrained)."""
        self.weights_label.setText(text)
        self.weights_label.setStyleSheet(UNTRAINED_STYLE if untrained else "")

    def update_timing(self, result) -> None:
        total = result.timings_ms.get("total")
        set_text_if_changed(self.time_label, f"{total:.0f} ms" if total is not None else "– ms")
        now = time.monotonic()
        self._draw_times.append(now)
        while self._draw_times and now - self._draw_times[0] > FPS_WINDOW_S:
            self._draw_times.popleft()
        # A still picture has no frame rate: show one only while frames keep coming.
        if len(self._draw_times) >= 3:
            span = self._draw_times[-1] - self._draw_times[0]
            fps = (len(self._draw_times) - 1) / span if span > 0 else 0.0
            set_text_if_changed(self.fps_label, f"{fps:.1f} fps")
        else:
            set_text_if_changed(self.fps_label, "– fps")
