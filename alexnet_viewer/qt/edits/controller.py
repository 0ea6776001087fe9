"""The edits the window applies to every picture and frame, and the tools that set them:
the Edits dock, the occluder square and the crop box on the Input panel.

``changed(edits)`` fires for every step of a drag; the window reposts the picture on
screen with the new edits and the newest-wins mailbox keeps only the latest.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.qt.edits.crop_tool import CropTool
from alexnet_viewer.qt.edits.geometry import displayed_box_to_crop
from alexnet_viewer.qt.edits.panel import EditsPanel
from alexnet_viewer.qt.edits.occluder import OccluderOverlay


class EditsController(QObject):
    changed = Signal(object)  # Edits

    def __init__(self, input_panel, parent=None) -> None:
        super().__init__(parent)
        self.input_panel = input_panel
        self.panel = EditsPanel()
        self.overlay = OccluderOverlay(input_panel)
        self.crop_tool = CropTool(input_panel)
        self.current = Edits()
        # The job behind the picture on screen: the edits it was made with and the size
        # of the frame before them, which a crop box has to be mapped back onto.
        self._shown_job = None
        self.panel.edits_changed.connect(self._on_panel_edits)
        self.panel.crop_tool_toggled.connect(self.crop_tool.set_active)
        self.overlay.moved.connect(self.panel.set_occluder)
        self.crop_tool.box_selected.connect(self._on_box)

    def note_shown(self, job) -> None:
        self._shown_job = job

    def reset(self) -> None:
        self.panel.reset()

    def _on_panel_edits(self, edits: Edits) -> None:
        # The occluder is kept on whole pixels inside the picture, exactly as outlined.
        snapped = self.overlay.snapped(edits.occluder)
        if snapped != edits.occluder:
            edits = replace(edits, occluder=snapped)
        self.current = edits
        self.overlay.set_occluder(edits.occluder)
        self.changed.emit(edits)

    def _on_box(self, box) -> None:
        job = self._shown_job
        displayed = self.input_panel.picture_shape
        if job is None or job.source_shape is None or displayed is None:
            return
        self.panel.set_crop(displayed_box_to_crop(box, job.edits, job.source_shape, displayed))
