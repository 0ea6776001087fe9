"""The engine in use, shared by the frame lanes, closed once no lane still runs a frame on it.

New weights replace the engine at once (frames start on the new one); the old one is
closed (its GPU memory freed) when its last frame is done.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class EngineSlot:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engine = None
        self._users: dict[int, int] = {}  # id(engine) -> frames running on it
        self._retired: list = []  # replaced engines waiting for their last frame

    @property
    def engine(self):
        return self._engine

    def acquire(self):
        """The current engine, counted as in use until ``release``; None when there is none."""
        with self._lock:
            engine = self._engine
            if engine is not None:
                self._users[id(engine)] = self._users.get(id(engine), 0) + 1
            return engine

    def release(self, engine) -> None:
        with self._lock:
            left = self._users.get(id(engine), 1) - 1
            if left > 0:
                self._users[id(engine)] = left
            else:
                self._users.pop(id(engine), None)
            done = [old for old in self._retired if id(old) not in self._users]
            self._retired = [old for old in self._retired if id(old) in self._users]
        for old in done:
            close_engine(old)

    def replace(self, engine) -> None:
        """Use ``engine`` from now on (None: no frames run); the old one is closed when free."""
        with self._lock:
            old, self._engine = self._engine, engine
            self._retired = [retired for retired in self._retired if retired is not engine]
            busy = old is not None and old is not engine and id(old) in self._users
            if busy:
                self._retired.append(old)
        if old is not None and old is not engine and not busy:
            close_engine(old)


def close_engine(engine) -> None:
    close = getattr(engine, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:  # noqa: BLE001 - a failing close must not take the worker down
        log.exception("closing the old engine failed")
