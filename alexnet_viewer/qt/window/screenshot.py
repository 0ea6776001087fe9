"""Saving the window as a PNG, and the `--screenshot` run that waits for the first result."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

DEFAULT_SIZE = (1600, 1000)
# Time for pyqtgraph to lay out and paint after the panels got the result.
SETTLE_MS = 150
TIMEOUT_S = 300


SETTLE_PASSES = 20  # layout passes at most, waiting for every widget to keep its place


def settle(widget: QWidget) -> None:
    """Process events until no widget in ``widget`` moves or resizes from one pass to the
    next: a wrapped label that needs another line asks for it a pass later, and a picture
    taken in between shows its last line cut."""
    before = None
    for _ in range(SETTLE_PASSES):
        QApplication.processEvents()
        now = [child.geometry().getRect() for child in widget.findChildren(QWidget) if child.isVisible()]
        if now == before:
            return
        before = now


def save_window_png(widget: QWidget, path: Path) -> None:
    """Write what ``widget`` shows to ``path``; raises OSError with a sentence."""
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise OSError(f"Cannot save the screenshot: the folder {path.parent} does not exist.")
    settle(widget)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"Cannot save the screenshot to {path}.")


def save_screenshot_dialog(window) -> None:
    """File › Save window screenshot: ask where, save, say so in the status bar."""
    from alexnet_viewer.qt.export.dialog import ask_save_path

    chosen = ask_save_path(window, window.settings, "Save window screenshot", "alexnet-viewer.png", "PNG pictures (*.png)")
    if chosen is None:
        return
    try:
        save_window_png(window, Path(chosen))
    except OSError as error:
        window.show_error(str(error))
        return
    window.state.say(f"Saved {chosen}")


class ScreenshotRun(QObject):
    """Waits for the window's first result (or for ``ready``, a signal such as the Explain
    panel's ``drawn``), saves the PNG, then reports an exit code.

    ``finished(code)``: 0 saved; 1 the picture could not be shown; 2 no weights;
    3 the screenshot could not be written or nothing arrived in time.
    """

    finished = Signal(int)

    def __init__(self, window, path: Path, size: tuple[int, int] = DEFAULT_SIZE, timeout_s: float = TIMEOUT_S,
                 ready=None):
        super().__init__(window)
        self.window = window
        self.path = Path(path)
        self.size = size
        self.exit_code: int | None = None
        (ready if ready is not None else window.result_shown).connect(self._on_result)
        window.picture_failed.connect(lambda message: self._fail(1, message))
        window.fatal_error.connect(lambda message: self._fail(2, message))
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(
            lambda: self._fail(3, f"No result arrived within {timeout_s:.0f} s; no screenshot written.")
        )
        self._timeout.start(int(timeout_s * 1000))

    def _on_result(self, *_args) -> None:
        if self.exit_code is None:
            QTimer.singleShot(SETTLE_MS, self._capture)

    def _capture(self) -> None:
        if self.exit_code is not None:
            return
        self.window.resize(*self.size)
        try:
            save_window_png(self.window, self.path)
        except OSError as error:
            self._fail(3, str(error))
            return
        self._finish(0)

    def _fail(self, code: int, message: str) -> None:
        if self.exit_code is not None:
            return
        print(f"alexnet-viewer: {message}", file=sys.stderr)
        self._finish(code)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        self._timeout.stop()
        self.finished.emit(code)
