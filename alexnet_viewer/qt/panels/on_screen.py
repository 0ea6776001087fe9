"""Whether a view is on screen, for the views that only work while a person can see them.

Qt keeps a dock that is tabbed behind another "visible" (``isVisible()`` is true: the dock is
moved off the window, its region on screen is empty), and raising its tab sends the view no
show event. So a view asks ``on_screen(self)``, not ``isVisible()``, and a ``ScreenWatch``
tells it when that changes: after any show, hide, move or resize of the view or of a widget
holding it (a dock whose tab is raised moves back onto the window; a view lent to the
presentation stage is shown there), once the layout pass under way is done. The window
itself is not watched: its shows and hides reach the view as its own, and its stream of
paint and layout events would cost every watch a Python call each.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

_WATCHED = (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.ParentChange)


def on_screen(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class ScreenWatch(QObject):
    """Calls ``changed(False)`` when ``view`` leaves the screen and ``changed(True)`` whenever it
    is found on screen after a show, move or resize (hidden and shown again within one turn of
    the event loop is no change to see): ``changed`` catches up only where something is new."""

    def __init__(self, view: QWidget, changed: Callable[[bool], None]) -> None:
        super().__init__(view)
        self.view, self._changed = view, changed
        self.shown: bool | None = None  # told at the first check, whatever it finds
        self._holders: list[QWidget] = []
        self._queued = False
        self._follow_holders()
        self._check_soon()

    def _follow_holders(self) -> None:
        for holder in self._holders:
            holder.removeEventFilter(self)
        self._holders = []
        widget = self.view
        while widget is not None and (widget is self.view or not widget.isWindow()):
            widget.installEventFilter(self)
            self._holders.append(widget)
            widget = widget.parentWidget()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt name
        kind = event.type()
        if kind in _WATCHED:
            if kind == QEvent.Type.ParentChange:
                self._follow_holders()
            self._check_soon()
        return False

    def _check_soon(self) -> None:
        if not self._queued:
            self._queued = True
            QTimer.singleShot(0, self, self._check)

    def _check(self) -> None:
        self._queued = False
        shown = on_screen(self.view)
        if shown or shown != self.shown:
            self.shown = shown
            self._changed(shown)
