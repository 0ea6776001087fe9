"""Why it thinks so, in the window: Grad-CAM, guided backprop, deconvnet, guided Grad-CAM,
occlusion and a unit's own map, of the frame on screen, following live frames.

``Explain(window)`` builds the panel (``panel``, which the window puts in a dock), the
worker thread that computes off the GUI thread (``worker``) and the controller between
them and the window (``controller``); ``stop()`` when the window closes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from alexnet_viewer.qt.explain.controller import ExplainController
from alexnet_viewer.qt.explain.panel import ExplainPanel
from alexnet_viewer.qt.explain.worker import ExplainWorker

__all__ = ["Explain"]


class Explain(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ExplainPanel()
        self.worker = ExplainWorker(parent=self)
        self.controller = ExplainController(window, self.panel, self.worker)

    def watch(self, dock) -> None:
        """Explain only while ``dock`` (the panel's) can be seen: a tab brought to the front
        says so through ``visibilityChanged``, a hidden tab explains nothing."""
        dock.visibilityChanged.connect(lambda visible: visible and self.controller.refresh_soon())

    def show_panel(self) -> None:
        """Bring the Explain dock to the front (it starts explaining the frame on screen)."""
        dock = getattr(self.window, "explain_dock", None)
        if dock is not None:
            dock.show()
            _to_front(dock)
            QTimer.singleShot(0, dock, lambda: _to_front(dock))  # the first layout may pick another tab

    def stop(self) -> None:
        self.worker.stop()


def _to_front(dock) -> None:
    # A tabbed dock comes to the front on a change of stacking order; one that is already
    # the window's last child (this one is built last) would get none.
    dock.lower()
    dock.raise_()
