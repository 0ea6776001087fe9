"""A flat horizontal bar with its percentage written inside, readable from the back of a hall."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from alexnet_viewer.qt.panels.style import ACCENT

TRACK_COLOR = "#d5d9e0"


class ProbabilityBar(QWidget):
    def __init__(self, point_size: int = 16, parent=None) -> None:
        super().__init__(parent)
        self._fraction = 0.0
        self._text = ""
        font = self.font()
        font.setPointSize(point_size)
        font.setWeight(QFont.Weight.Bold)
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 6)
        self.bar_color = QColor(ACCENT)

    @property
    def fraction(self) -> float:
        return self._fraction

    @property
    def text(self) -> str:
        return self._text

    def set_value(self, fraction: float, text: str) -> None:
        """Repainted only when what is drawn changes: the text, or the fill by a whole pixel
        (it is drawn to whole pixels; live frames nudge every probability a little)."""
        fraction = min(max(fraction, 0.0), 1.0)
        drawn = (self._fill_px(self._fraction), self._text)
        self._fraction, self._text = fraction, text
        if (self._fill_px(fraction), text) != drawn:
            self.update()

    def _fill_px(self, fraction: float) -> int:
        return round(self.width() * fraction)

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(TRACK_COLOR))
        painter.drawRoundedRect(rect, 4, 4)
        fill = self._fill_px(self._fraction)
        if fill > 0:
            painter.setBrush(self.bar_color)
            painter.drawRoundedRect(QRectF(rect.x(), rect.y(), fill, rect.height()), 4, 4)
        painter.setPen(QColor("#15171a") if self._fraction < 0.85 else QColor("white"))
        painter.drawText(rect.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, self._text)
