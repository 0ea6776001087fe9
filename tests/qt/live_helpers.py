"""Stand-ins for the live window tests: a frame source the test drives by hand and an
engine that answers instantly with a result computed once."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from alexnet_viewer.qt.live.base import FrameSource


class ManualSource(FrameSource):
    """Frames only when the test calls ``push``; ``fail`` is a fatal error as a camera has."""

    def __init__(self, description: str = "Manual camera") -> None:
        super().__init__()
        self._description = description

    @property
    def description(self) -> str:
        return self._description

    def start(self) -> None:
        self._running = True

    def push(self, frame: np.ndarray) -> bool:
        return self._deliver(frame)

    def fail(self, message: str) -> None:
        self._fail(message)


class PrebuiltEngine:
    """Answers every frame with one result made by the real engine, its image and frame id
    replaced; records the frames it got. Fast enough to soak the window with thousands."""

    def __init__(self, engine, frame: np.ndarray | None = None) -> None:
        self.engine = engine
        frame = frame if frame is not None else np.full((48, 64, 3), 90, np.uint8)
        self.result = engine.process(frame)
        self.processed: list[int] = []
        self.lock = threading.Lock()

    @property
    def weights(self):
        return self.engine.weights

    @property
    def device(self):
        return self.engine.device

    def process(self, image, request=None, frame_id=0):
        with self.lock:
            self.processed.append(frame_id)
        return dataclasses.replace(self.result, frame_id=frame_id, image=image)


def frame(value: int, size=(48, 64)) -> np.ndarray:
    array = np.zeros((*size, 3), np.uint8)
    array[..., 0] = value
    array[: size[0] // 2, : size[1] // 2, 1] = 200
    return array
