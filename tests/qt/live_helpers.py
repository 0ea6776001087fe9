"""Stand-ins for the live window tests: a frame source the test drives by hand and an
engine that answers instantly with a result computed once (its arrays shared by every
answer: fine for routing, not for memory or drawing figures)."""

from __future__ import annotations

import dataclasses

import numpy as np

from alexnet_viewer.qt.live.base import FrameSource
from tests.qt.conftest import EngineWrapper


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


class PrebuiltEngine(EngineWrapper):
    """Answers every frame with one result made by the real engine, its image and frame id
    replaced; records the frames it got. Fast enough to soak the window with thousands."""

    def __init__(self, engine, frame: np.ndarray | None = None) -> None:
        super().__init__(engine)
        frame = frame if frame is not None else np.full((48, 64, 3), 90, np.uint8)
        self.result = engine.process(frame)

    def prepare(self, image, timings=False):
        return image

    def run(self, prepared, request=None, frame_id=0):
        self.record(frame_id)
        return dataclasses.replace(self.result, frame_id=frame_id, image=prepared)


def frame(value: int, size=(48, 64)) -> np.ndarray:
    array = np.zeros((*size, 3), np.uint8)
    array[..., 0] = value
    array[: size[0] // 2, : size[1] // 2, 1] = 200
    return array
