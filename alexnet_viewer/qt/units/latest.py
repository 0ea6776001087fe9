"""Background work where the newest input wins: one job runs, only the newest input waits.

``Latest(name, work, done)`` runs ``work(value, task)`` in a ``BackgroundTask`` for each
``submit(value)``; inputs arriving while a job runs replace each other, so a live camera never
queues frames. ``done(value, result)`` runs on the GUI thread; ``failed(sentence)`` likewise.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from alexnet_viewer.qt.units.task import BackgroundTask

_NOTHING = object()


class Latest(QObject):
    def __init__(self, name: str, work: Callable, done: Callable, failed: Callable[[str], None], parent=None,
                 what: str | None = None) -> None:
        """``what`` names the work in a failure's sentence ("Opening the atlas failed …"); ``name`` if None."""
        super().__init__(parent)
        self._name, self._work, self._done, self._failed = name, work, done, failed
        self._what = what or name
        self._task: BackgroundTask | None = None
        self._value = None
        self._waiting = _NOTHING
        self.progressed: Callable[[int, int, str], None] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def submit(self, value) -> None:
        if self._task is not None:
            self._waiting = value
            return
        task = BackgroundTask(self._name, lambda t, value=value: self._work(value, t), self._what)
        # Bound methods of this QObject: Qt drops the connections when it is destroyed.
        task.succeeded.connect(self._succeeded)
        task.failed.connect(self._stopped_with)
        task.stopped.connect(self._stopped)
        self._value = value
        if self.progressed is not None:
            task.progressed.connect(self.progressed)
        self._task = task
        task.start()

    def cancel(self) -> None:
        """Stop the running job and drop the waiting input."""
        self._waiting = _NOTHING
        if self._task is not None:
            self._task.cancel()

    def _succeeded(self, result) -> None:
        self._finish(lambda value=self._value: self._done(value, result))

    def _stopped_with(self, sentence: str) -> None:
        self._finish(lambda: self._failed(sentence))

    def _stopped(self, _sentence: str) -> None:
        self._finish(lambda: None)

    def _finish(self, report: Callable[[], None]) -> None:
        self._task = None
        waiting, self._waiting = self._waiting, _NOTHING
        if waiting is _NOTHING:
            report()  # only the newest input's outcome is shown
        else:
            self.submit(waiting)


def follow(widget: QObject, signal, callback: Callable) -> None:
    """Connect a viewer-state event to a widget's method until the widget is destroyed."""
    signal.connect(callback)
    widget.destroyed.connect(lambda *_: signal.disconnect(callback))
