"""A picture shown at a fixed side in a QLabel: the sanity row's maps and Fool it's pictures."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE


class Thumbnail(QLabel):
    """An (H, W, 3) uint8 picture scaled (aspect kept, smoothly) to fit ``side`` x ``side``."""

    def __init__(self, side: int = PICTURE_MIN_SIDE, parent=None) -> None:
        super().__init__(parent)
        self.side = side
        self.picture: np.ndarray | None = None
        self.setFixedSize(side, side)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("background: #1e1f22;")

    def set_side(self, side: int) -> None:
        if side != self.side:
            self.side = side
            self.setFixedSize(side, side)
            self.set_picture(self.picture)

    def set_picture(self, picture: np.ndarray | None) -> None:
        self.picture = picture
        if picture is None:
            self.clear()
            return
        rgb = np.ascontiguousarray(picture, dtype=np.uint8)
        height, width = rgb.shape[:2]
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()  # owns its pixels
        self.setPixmap(QPixmap.fromImage(image).scaled(
            self.side, self.side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
