"""One piece of work at a time in a thread of its own, newest wins, the answer on the GUI thread.

The formula of a cell and the A/B difference of a layer take from well under a millisecond
to tens of milliseconds (conv1's normalised crop, a tiled difference of 190,000 values, a
busy CPU), so neither runs on the GUI thread. While one runs, the newest request waits
behind it and replaces any older one still waiting: a live video never queues work up.
Only the newest request's answer is handed back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

FAILED = "This could not be computed; the log has the details"


class LatestJob(QObject):
    """``submit(request)`` runs ``work(request)`` off the GUI thread; ``done(request, outcome)``
    follows for the newest request only. A ValueError's sentence is the outcome (a str)."""

    done = Signal(object, object)
    _finished = Signal(int, object, object)  # token, request, outcome

    def __init__(self, work: Callable[[object], object], name: str, parent=None) -> None:
        super().__init__(parent)
        self._work = work
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._token = 0
        self._running = False
        self._waiting: tuple[int, object] | None = None
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return self._running or self._waiting is not None

    def submit(self, request) -> None:
        self._token += 1
        if self._running:
            self._waiting = (self._token, request)
            return
        self._start(self._token, request)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _start(self, token: int, request) -> None:
        self._running = True
        self._executor.submit(self._run, token, request)

    def _run(self, token: int, request) -> None:
        """In the work thread."""
        try:
            outcome = self._work(request)
        except ValueError as error:
            outcome = str(error)
        except Exception:
            log.exception("background work on %r failed", request)
            outcome = FAILED
        try:
            self._finished.emit(token, request, outcome)
        except RuntimeError:  # the window went away meanwhile
            pass

    def _on_finished(self, token: int, request, outcome) -> None:
        self._running = False
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self._start(*waiting)
        if token == self._token:
            self.done.emit(request, outcome)
