"""Dragging a zoom box on the Input panel: a rubber band over the displayed picture.

While active, a transparent surface over the picture takes left-button drags (the
occluder square stays on top and keeps its own drags). On release the box is reported
normalised to the displayed picture; the edits controller turns it into ``Edits.crop``.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

MIN_BOX_PX = 4  # smaller than this is a click, not a box


class _DragSurface(pg.GraphicsObject):
    def __init__(self, tool: "CropTool") -> None:
        super().__init__()
        self._tool = tool
        self._rect = QRectF()
        self.band = QGraphicsRectItem(self)
        self.band.setPen(pg.mkPen("#ffffff", width=2, style=Qt.PenStyle.DashLine, cosmetic=True))
        self.band.setBrush(QColor(255, 255, 255, 40))
        self.band.hide()
        self.setCursor(Qt.CursorShape.CrossCursor)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = rect

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt name
        return self._rect

    def paint(self, painter, *args) -> None:
        pass

    def mouseDragEvent(self, event) -> None:  # noqa: N802 - pyqtgraph name
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        start = self.mapFromScene(event.buttonDownScenePos())
        now = self.mapFromScene(event.scenePos())
        rect = QRectF(start, now).normalized().intersected(self._rect)
        self.band.setRect(rect)
        self.band.setVisible(not event.isFinish())
        if event.isFinish():
            self._tool.select_pixels(rect.left(), rect.top(), rect.right(), rect.bottom())


class CropTool(QObject):
    box_selected = Signal(object)  # (x0, y0, x1, y1) normalised on the displayed picture

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.surface = _DragSurface(self)
        self.surface.setZValue(10)
        self.surface.hide()
        panel.view_box.addItem(self.surface)
        panel.picture_shown.connect(self._fit)

    @property
    def active(self) -> bool:
        return self.surface.isVisible()

    def set_active(self, active: bool) -> None:
        self._fit()
        self.surface.setVisible(bool(active) and self.panel.picture_shape is not None)

    def _fit(self) -> None:
        shape = self.panel.picture_shape
        if shape is not None:
            self.surface.set_rect(QRectF(0, 0, shape[1], shape[0]))
        if self.panel.showing_crop:
            self.surface.hide()

    def select_pixels(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Report a box given in displayed-picture pixels; False (nothing sent) for a click."""
        shape = self.panel.picture_shape
        if shape is None:
            return False
        h, w = shape
        x0, x1 = sorted((min(max(x0, 0.0), w), min(max(x1, 0.0), w)))
        y0, y1 = sorted((min(max(y0, 0.0), h), min(max(y1, 0.0), h)))
        if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
            return False
        self.box_selected.emit((x0 / w, y0 / h, x1 / w, y1 / h))
        return True

