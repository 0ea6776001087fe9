"""A pyqtgraph view holding one upright, aspect-locked image, reporting pixels under the mouse.

The view's coordinates are the picture's pixels. An image may be drawn smaller than the
picture it stands for (a display copy, ``set_image(copy, size=(H, W))``): it is stretched
over the picture's size, so outlines, hovers and clicks stay in the picture's pixels.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtWidgets import QSizePolicy

from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE, PLOT_BACKGROUND

FIT_PADDING = 0.01  # around a picture fitted into the canvas, in parts of its size


def stretch_over(item: pg.ImageItem, image: np.ndarray, size: tuple[int, int] | None) -> tuple[int, int]:
    """Lay ``item``, showing ``image``, over ``size`` (H, W) of view coordinates when that is
    larger (a display copy of a picture); returns the (H, W) it covers."""
    height, width = size or image.shape[:2]
    if (height, width) != image.shape[:2]:
        item.setRect(QRectF(0, 0, width, height))
    else:
        item.resetTransform()
    return height, width


class ImageCanvas(pg.GraphicsLayoutWidget):
    """``pixel_hovered(row, col)`` / ``pixel_clicked(row, col)`` are in image pixels (floats)."""

    pixel_hovered = Signal(float, float)
    pixel_left = Signal()
    pixel_clicked = Signal(float, float)

    def __init__(self, parent=None, mouse_zoom: bool = False) -> None:
        super().__init__(parent)
        self.setBackground(PLOT_BACKGROUND)
        self.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.view_box: pg.ViewBox = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setMouseEnabled(mouse_zoom, mouse_zoom)
        self.view_box.disableAutoRange()
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        self._shape: tuple[int, int] | None = None
        self.scene().sigMouseMoved.connect(self.handle_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setMinimumSize(120, 120)

    def set_image(self, image: np.ndarray, lut: np.ndarray | None = None, levels=(0, 255),
                  size: tuple[int, int] | None = None) -> None:
        """Draw ``image``; ``size`` (H, W): the picture it stands for, when that is larger."""
        if image.ndim == 3:
            # RGB uint8 needs no scaling: leaving levels unset keeps pyqtgraph's fast path.
            self.image_item.setImage(image, autoLevels=False)
        elif lut is None:  # keep the lookup table the owner installed
            self.image_item.setImage(image, levels=levels, autoLevels=False)
        else:
            self.image_item.setImage(image, lut=lut, levels=levels, autoLevels=False)
        self.fit_if_shape_changed(*stretch_over(self.image_item, image, size))

    def fit_if_shape_changed(self, height: int, width: int) -> None:
        if self._shape != (height, width):
            self._shape = (height, width)
            self.view_box.setRange(xRange=(0, width), yRange=(0, height), padding=FIT_PADDING)

    def scene_to_pixel(self, scene_pos: QPointF) -> tuple[float, float] | None:
        """(row, col) of the image under a scene position, or None off the image."""
        if self._shape is None:
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        row, col = point.y(), point.x()
        if 0 <= row < self._shape[0] and 0 <= col < self._shape[1]:
            return row, col
        return None

    def pixel_to_scene(self, row: float, col: float) -> QPointF:
        return self.view_box.mapViewToScene(QPointF(col, row))

    def handle_mouse_moved(self, scene_pos: QPointF) -> None:
        pixel = self.scene_to_pixel(scene_pos)
        if pixel is None:
            self.pixel_left.emit()
        else:
            self.pixel_hovered.emit(*pixel)

    def handle_click(self, scene_pos: QPointF) -> None:
        pixel = self.scene_to_pixel(scene_pos)
        if pixel is not None:
            self.pixel_clicked.emit(*pixel)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not event.double():
            self.handle_click(event.scenePos())

    def leaveEvent(self, event) -> None:
        self.pixel_left.emit()
        super().leaveEvent(event)


class SquareCanvas(ImageCanvas):
    """An ImageCanvas as tall as its column is wide, never under ``PICTURE_MIN_SIDE``: the panel of
    a square picture (the 224×224 crop, a map stretched over it), with no dark bands around it.

    Its height is its layout's to give (height for width); a layout that has height to spare
    should give it to a stretch, not to the canvas."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(PICTURE_MIN_SIDE, PICTURE_MIN_SIDE)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        return max(PICTURE_MIN_SIDE, width)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(PICTURE_MIN_SIDE, PICTURE_MIN_SIDE)
