"""The ``?`` overlay: every key of presentation mode, written from the one keyboard map."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from alexnet_viewer.qt.lecture.shortcuts import SHORTCUTS, shortcut_label

ABOUT_NOTE = "The facts about AlexNet and their sources: I here, or Help › About AlexNet."


def overlay_rows() -> list[tuple[str, str]]:
    """(keys, description) per table row, in the table's order."""
    return [(shortcut_label(shortcut), shortcut.description) for shortcut in SHORTCUTS]


class ShortcutOverlay(QWidget):
    """Covers its parent with a dimmed list of the keys; any click closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.title = QLabel("Keys in presentation mode")
        self.key_labels: list[QLabel] = []
        self.description_labels: list[QLabel] = []
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(2)
        rows = overlay_rows()
        half = (len(rows) + 1) // 2  # two columns of key / description pairs
        for index, (keys, description) in enumerate(rows):
            key_label, text_label = QLabel(keys), QLabel(description)
            key_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.key_labels.append(key_label)
            self.description_labels.append(text_label)
            row, column = index % half, 2 * (index // half)
            grid.addWidget(key_label, row, column)
            grid.addWidget(text_label, row, column + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.note = QLabel(ABOUT_NOTE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(16)
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addWidget(self.note)
        layout.addStretch(1)
        for label in (self.title, self.note, *self.key_labels, *self.description_labels):
            label.setStyleSheet("color: white; background: transparent;")
        self.hide()

    @property
    def texts(self) -> list[tuple[str, str]]:
        return [(key.text(), text.text()) for key, text in zip(self.key_labels, self.description_labels)]

    def set_point_size(self, size: float) -> None:
        for label in (*self.key_labels, *self.description_labels, self.note):
            font = QFont(label.font())
            font.setPointSizeF(size)
            font.setBold(label in self.key_labels)
            label.setFont(font)
        font = QFont(self.title.font())
        font.setPointSizeF(size * 1.4)
        font.setBold(True)
        self.title.setFont(font)

    def show_over_parent(self) -> None:
        parent = self.parentWidget()
        self.setGeometry(parent.rect())
        # Fit the type to the room: the list must never be cut at 1280×720.
        self.set_point_size(max(10.0, min(22.0, parent.height() / 50)))
        self.raise_()
        self.show()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 225))

    def mousePressEvent(self, event) -> None:
        self.hide()
