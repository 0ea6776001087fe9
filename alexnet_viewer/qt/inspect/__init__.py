"""Asking the network why, cell by cell: receptive fields on the picture, the formula behind a
cell, channels switched off, and A/B against a frozen reference.

``Inspect(window)`` builds the pieces for a main window and connects them; the window puts
its three panels (``formula_view``, ``ablation_panel``, ``compare_panel``) in docks.
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
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        maps = window.feature_maps_panel
        self.overlay = ReceptiveFieldOverlay(window)
        self.formula_view = FormulaView()
        self.formula = FormulaController(window, self.formula_view)
        self.ablation = AblationController(self)
        self.ablation_panel = AblationPanel(self.ablation)
        self.marks = AblationMarks(maps)
        self.compare_panel = ComparePanel()

        self.overlay.cell_chosen.connect(self.formula.show_cell)
        maps.channel_toggled.connect(self.ablation.toggle)
        self.ablation.changed.connect(window.set_ablations)
        self.ablation.changed.connect(self.marks.update)
        self.ablation.changed.connect(self._on_ablation_changed)
        maps.layer_changed.connect(self._on_layer_changed)
        window.result_shown.connect(self._on_result_shown)
        self.compare_panel.freeze_button.clicked.connect(self.freeze_reference)

    def freeze_reference(self) -> None:
        job = self.window.current_job
        self.compare_panel.set_reference(self.window.current_result, job.source.label if job is not None else "")
        self.window.bring_up(self.window.compare_dock)

    def _on_ablation_changed(self, spec) -> None:
        if spec:
            self.window.bring_up(self.window.ablation_dock)  # the list of what is off, and Reset

    def _on_result_shown(self, result, _job) -> None:
        self.marks.update()
        self.compare_panel.show_result(result, self.window.layer)

    def _on_layer_changed(self, layer: str) -> None:
        self.marks.update()
        if self.window.current_result is not None:
            self.compare_panel.show_result(self.window.current_result, layer)
