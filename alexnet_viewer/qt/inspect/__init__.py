"""Asking the network why, cell by cell: receptive fields on the picture, the formula behind a
cell, channels switched off, and A/B against a frozen reference.

``Inspect(state, services, input_panel, maps)`` builds the pieces and connects them to the
viewer state; the window puts its three panels (``formula_view``, ``ablation_panel``,
``compare_panel``) in docks. The switched-off channels go into ``state.ablations`` and the
frozen A/B reference into ``state.reference``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from alexnet_viewer.qt.inspect.ablation_panel import (
    AblationController,
    AblationMarks,
    AblationPanel,
)
from alexnet_viewer.qt.inspect.compare_panel import ComparePanel
from alexnet_viewer.qt.inspect.formula_controller import FormulaController
from alexnet_viewer.qt.inspect.formula_view import FormulaView
from alexnet_viewer.qt.inspect.rf_overlay import ReceptiveFieldOverlay

__all__ = ["Inspect"]


class Inspect(QObject):
    def __init__(self, state, services, input_panel, maps) -> None:
        super().__init__(services.parent)
        self.state, self.services = state, services
        self.overlay = ReceptiveFieldOverlay(state, services, input_panel, maps)
        self.formula_view = FormulaView()
        self.formula = FormulaController(services, self.formula_view)
        self.ablation = AblationController(self)
        self.ablation_panel = AblationPanel(self.ablation)
        self.marks = AblationMarks(maps)
        self.compare_panel = ComparePanel()

        self.overlay.cell_chosen.connect(self.formula.show_cell)
        maps.channel_toggled.connect(self.ablation.toggle)
        self.ablation.changed.connect(lambda spec: setattr(state, "ablations", spec))
        self.ablation.changed.connect(self.marks.update)
        self.ablation.changed.connect(self._on_ablation_changed)
        state.events.layer.connect(self._on_layer_changed)
        state.events.reference.connect(self._on_reference)
        services.result_shown.connect(self._on_result_shown)
        self.compare_panel.freeze_button.clicked.connect(self.freeze_reference)
        self.compare_panel.clear_button.clicked.connect(lambda: setattr(state, "reference", None))

    def stop(self) -> None:
        """The window is closing: the formula's and the comparison's threads end."""
        self.formula.stop()
        self.compare_panel.stop()

    def freeze_reference(self) -> None:
        self.state.reference = self.state.result
        self.services.bring_up("compare")

    def _on_reference(self, result) -> None:
        job = self.services.current_job()
        self.compare_panel.set_reference(result, job.source.label if job is not None and result is not None else "")

    def _on_ablation_changed(self, spec) -> None:
        if spec:
            self.services.bring_up("ablation")  # the list of what is off, and Reset

    def _on_result_shown(self, result, _job) -> None:
        self.marks.update()
        self.compare_panel.show_result(result, self.state.layer)

    def _on_layer_changed(self, layer: str) -> None:
        self.marks.update()
        if self.state.result is not None:
            self.compare_panel.show_result(self.state.result, layer)
