"""Why it thinks so, in the window: Grad-CAM, guided backprop, deconvnet, guided Grad-CAM,
occlusion and a unit's own map, of the frame on screen, following live frames.

``Explain(state, services, top5_panel, maps)`` builds the panel (``panel``, which the
window puts in a dock), the worker thread that computes off the GUI thread (``worker``)
and the controller between them and the viewer state (``controller``); ``stop()`` when
the window closes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from alexnet_viewer.qt.explain.controller import ExplainController
from alexnet_viewer.qt.explain.panel import ExplainPanel
from alexnet_viewer.qt.explain.worker import ExplainWorker

__all__ = ["Explain"]


class Explain(QObject):
    def __init__(self, state, services, top5_panel, maps) -> None:
        super().__init__(services.parent)
        self.services = services
        self.panel = ExplainPanel()
        self.worker = ExplainWorker(parent=self)
        self.controller = ExplainController(state, services, self.panel, self.worker, top5_panel, maps)
        # The top-5 marks the class Explain shows.
        state.events.explain_class.connect(top5_panel.mark_class)

    def show_panel(self) -> None:
        """Bring the Explain view to the front (it starts explaining the frame on screen)."""
        self.services.bring_up("explain")

    def stop(self) -> None:
        self.worker.stop()

