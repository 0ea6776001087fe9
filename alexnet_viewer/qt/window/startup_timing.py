"""Records when the window first painted and first showed a result, for ``bench --startup``.

Enabled only when STARTUP_LOG_VARIABLE names a file: the wall-clock times are written there
as JSON and the app quits after the first result, so a parent process can subtract its own
launch time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from alexnet_viewer.bench.startup import STARTUP_LOG_VARIABLE


class StartupTimer(QObject):
    def __init__(self, window, log_path: Path) -> None:
        super().__init__(window)
        self._window = window
        self._log_path = log_path
        self._times: dict[str, float] = {}
        window.installEventFilter(self)
        window.result_shown.connect(self._on_result_shown)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.Paint and "first_paint" not in self._times:
            # Stamp once the paint has been handled, not when it is merely queued.
            QTimer.singleShot(0, lambda: self._times.setdefault("first_paint", time.time()))
        return False

    def _on_result_shown(self, *_args) -> None:
        if "first_result" in self._times:
            return
        self._times["first_result"] = time.time()
        self._log_path.write_text(json.dumps(self._times), encoding="utf-8")
        QApplication.instance().quit()


def install_startup_timer(window) -> StartupTimer | None:
    path = os.environ.get(STARTUP_LOG_VARIABLE)
    return StartupTimer(window, Path(path)) if path else None
