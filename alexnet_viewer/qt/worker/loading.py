"""Loading weights off the worker's own thread, so that nothing waits on a download.

The engine factory (which may download 233 MB) runs in a daemon thread of its own; the
worker polls it and can walk away at once when the window closes. The factory is asked
to stop (``should_cancel``) and the download checks that between reads, so a stalled one
ends too; a factory that ignores it is abandoned, its result dropped, and it never
touches Qt: its progress is read by the worker, which emits it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from alexnet_viewer.core.errors import DeviceError, ViewerError, WeightsUnavailableError
from alexnet_viewer.qt.worker import log_file
from alexnet_viewer.qt.worker.jobs import WeightsFailure

log = logging.getLogger(__name__)

# engine_factory(spec: WeightsSpec, device: str | None, progress, should_cancel) -> Engine
EngineFactory = Callable[[Any, "str | None", Callable, Callable[[], bool]], Any]


def default_engine_factory(spec, device, progress, should_cancel):
    from alexnet_viewer.core.model import loader as model_module
    from alexnet_viewer.core.frame.engine import Engine

    loaded = model_module.load_model(spec, device=device, progress=progress, should_cancel=should_cancel)
    return Engine(loaded)


def _is_cancelled(error: BaseException) -> bool:
    return type(error).__name__ == "DownloadCancelled"


def describe_failure(error: BaseException) -> WeightsFailure:
    """What to tell the user about a failed load, and why it failed."""
    if isinstance(error, WeightsUnavailableError):
        return WeightsFailure(str(error), "unavailable")
    if isinstance(error, DeviceError):
        return WeightsFailure(str(error), "device")
    if _is_cancelled(error):
        return WeightsFailure(str(error) or "The download of the pretrained weights was cancelled.", "cancelled")
    if isinstance(error, ViewerError):
        return WeightsFailure(str(error), "error")
    log.error("loading weights failed", exc_info=error)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, (ValueError, RuntimeError, OSError)) and message:
        # e.g. an unknown --device: the reason is short and useful.
        return WeightsFailure(log_file.with_log_hint(f"The weights could not be loaded: {message}"), "error")
    return WeightsFailure(log_file.weights_error(), "error")


class WeightsLoad:
    """One load in its own daemon thread: ``done`` once ``engine`` or ``failure`` is set."""

    def __init__(self, factory: EngineFactory, spec, device: str | None, fallback: bool = False) -> None:
        self.spec, self.device, self.fallback = spec, device, fallback
        self.engine = None
        self.failure: WeightsFailure | None = None
        self.cancel = threading.Event()
        self.done = threading.Event()
        self._progress: tuple[int, int | None] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, args=(factory,), name="WeightsLoad", daemon=True)

    def start(self) -> "WeightsLoad":
        self._thread.start()
        return self

    def _run(self, factory: EngineFactory) -> None:
        try:
            self.engine = factory(self.spec, self.device, self._report, self.cancel.is_set)
        except BaseException as error:  # noqa: BLE001 - every failure must reach the user as a sentence
            self.failure = describe_failure(error)
        finally:
            self.done.set()

    def _report(self, done, total=None) -> None:
        with self._lock:
            self._progress = (int(done), total)

    def take_progress(self) -> tuple[int, int | None] | None:
        """The newest progress since the last call, or None."""
        with self._lock:
            progress, self._progress = self._progress, None
        return progress

    def join(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()
