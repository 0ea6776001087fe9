"""The occluder square on the Input panel: the interactive version of Zeiler & Fergus's
occlusion experiment.

The square is a pyqtgraph ROI in the pixel coordinates of the displayed picture, which is
the edited picture the engine got; ``apply_edits`` paints the occluder last, on that same
picture, so the outline sits exactly on the grey square (both are snapped to whole pixels).
Dragging or resizing reports a new normalised ``Edits.occluder`` at every step.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal

from alexnet_viewer.core.pictures.edits import Occluder
from alexnet_viewer.qt.edits.geometry import (
    fit_square,
    occluder_square,
    square_to_occluder,
)

OUTLINE = pg.mkPen("#ffd54f", width=2)
OUTLINE_HOVER = pg.mkPen("#fff59d", width=3)


class OccluderOverlay(QObject):
    moved = Signal(object)  # Occluder (cx, cy, size), normalised on the displayed picture

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.roi = pg.ROI((0, 0), (10, 10), snapSize=1.0, translateSnap=True, scaleSnap=True,
                          rotatable=False, pen=OUTLINE, hoverPen=OUTLINE_HOVER)
        self.roi.addScaleHandle((1, 1), (0, 0), lockAspect=True)
        self.roi.setZValue(20)
        self.roi.setToolTip("Occluder: drag to move, drag the corner to resize")
        self.roi.hide()
        panel.view_box.addItem(self.roi)
        self.roi.sigRegionChanged.connect(self._on_dragged)
        panel.picture_shown.connect(self._place)
        self._occluder: Occluder | None = None
        self._placing = False

    @property
    def square(self) -> tuple[float, float, float] | None:
        """(x, y, side) of the outline in displayed-picture pixels, or None when hidden."""
        if not self.roi.isVisible():
            return None
        return float(self.roi.pos().x()), float(self.roi.pos().y()), float(self.roi.size().x())

    def set_occluder(self, occluder: Occluder | None) -> None:
        self._occluder = occluder
        self._place()

    def snapped(self, occluder: Occluder | None) -> Occluder | None:
        """``occluder`` moved to whole pixels inside the displayed picture, the way the
        outline will show it (unchanged while no picture is shown)."""
        shape = self.panel.picture_shape
        if occluder is None or shape is None:
            return occluder
        return square_to_occluder(shape, fit_square(shape, occluder_square(shape, occluder)))

    def _place(self) -> None:
        shape = self.panel.picture_shape
        if self._occluder is None or shape is None or self.panel.showing_crop:
            self.roi.hide()
            return
        x, y, side = occluder_square(shape, self._occluder)
        self._placing = True
        try:
            self.roi.maxBounds = QRectF(0, 0, shape[1], shape[0])
            self.roi.setPos((x, y), update=False, finish=False)
            self.roi.setSize((side, side), update=True, finish=False)
        finally:
            self._placing = False
        self.roi.show()

    def _on_dragged(self) -> None:
        shape = self.panel.picture_shape
        if self._placing or shape is None or self._occluder is None:
            return
        square = fit_square(shape, (self.roi.pos().x(), self.roi.pos().y(), self.roi.size().x()))
        occluder = square_to_occluder(shape, square)
        if occluder != self._occluder:
            self._occluder = occluder
            self.moved.emit(occluder)
