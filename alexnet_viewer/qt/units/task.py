"""One piece of background work in a QThread: progress, partial results, cancellation, one outcome.

``BackgroundTask(name, work)`` runs ``work(task)`` off the GUI thread. ``work`` reports with
``task.report(done, total, text)``, hands over partial results with ``task.deliver(item)``,
and calls ``task.check()`` (or hands ``task.is_cancelled`` to a core function) so that
``cancel()`` stops it. Then exactly one of ``succeeded(result)``, ``failed(sentence)`` or
``stopped(sentence)`` follows; every signal is queued to the GUI thread.

A ViewerError, ValueError or OSError becomes its own sentence; anything else is logged and
becomes a sentence pointing at the log, never a traceback in the window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QThread, Qt, Signal

from alexnet_viewer.core.errors import ViewerError

log = logging.getLogger(__name__)

REPORT_INTERVAL_S = 0.05
_RUNNING: set[BackgroundTask] = set()  # kept alive while their thread runs, whoever started them


class TaskCancelled(Exception):
    """Raised inside ``work`` to stop; its text is the sentence ``stopped`` carries."""


def sentence(error: BaseException) -> str:
    """An exception as one sentence for the window."""
    if isinstance(error, OSError) and error.strerror:
        where = f" '{error.filename}'" if error.filename else ""
        return f"Cannot use{where}: {error.strerror.lower()}."
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if text.endswith((".", "?", "!")) else text + "."


class BackgroundTask(QThread):
    progressed = Signal(int, int, str)  # done, total (0: unknown), text
    delivered = Signal(object)  # a partial result, in order
    succeeded = Signal(object)
    failed = Signal(str)
    stopped = Signal(str)

    def __init__(self, name: str, work: Callable[[BackgroundTask], object], what: str = "The job") -> None:
        super().__init__()  # no parent: a closing window must not destroy a running thread
        self.setObjectName(name)
        self._work = work
        self._what = what
        self._cancel = threading.Event()
        self._last_report = 0.0
        self.finished.connect(self._forget)

    def start(self) -> None:
        _RUNNING.add(self)
        super().start()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self, message: str = "Stopped.") -> None:
        if self._cancel.is_set():
            raise TaskCancelled(message)

    # In the task's thread
    def report(self, done: int, total: int, text: str = "") -> None:
        now = time.monotonic()
        if now - self._last_report >= REPORT_INTERVAL_S or (total and done >= total):
            self._last_report = now
            self.progressed.emit(int(done), int(total), text)

    def deliver(self, item: object) -> None:
        self.delivered.emit(item)

    def run(self) -> None:
        try:
            result = self._work(self)
        except TaskCancelled as stop:
            self.stopped.emit(str(stop) or "Stopped.")
        except (ViewerError, ValueError, OSError) as error:
            # A core function's own "cancelled" error is a stop, not a failure.
            (self.stopped if self._cancel.is_set() else self.failed).emit(sentence(error))
        except Exception:
            log.exception("%s failed", self.objectName())
            self.failed.emit(f"{self._what} failed unexpectedly; the log file has the details.")
        else:
            self.succeeded.emit(result)

    def _forget(self) -> None:
        _RUNNING.discard(self)


class TaskSlot:
    """A panel's one task at a time: ``start`` makes a BackgroundTask, wires the given slots to
    its signals (queued to the GUI thread) and starts it; ``cancel`` asks it to stop; the
    panel calls ``forget`` when the outcome arrived. Every panel that runs work uses this."""

    def __init__(self) -> None:
        self.task: BackgroundTask | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, name: str, work: Callable[[BackgroundTask], object], what: str, *, progressed=None,
              delivered=None, succeeded=None, failed=None, stopped=None) -> BackgroundTask:
        task = BackgroundTask(name, work, what)
        queued = Qt.ConnectionType.QueuedConnection
        for signal, slot in ((task.progressed, progressed), (task.delivered, delivered),
                             (task.succeeded, succeeded), (task.failed, failed), (task.stopped, stopped)):
            if slot is not None:
                signal.connect(slot, queued)
        self.task = task
        task.start()
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def forget(self) -> BackgroundTask | None:
        task, self.task = self.task, None
        return task


def running_tasks() -> list[BackgroundTask]:
    return [task for task in _RUNNING if task.isRunning()]


def stop_all(timeout_s: float = 2.0) -> bool:
    """Cancel every running task and wait for them, ``timeout_s`` in all; False if one is left."""
    deadline = time.monotonic() + timeout_s
    tasks = running_tasks()
    for task in tasks:
        task.cancel()
    for task in tasks:
        task.wait(max(0, round((deadline - time.monotonic()) * 1000)))
    return not running_tasks()
