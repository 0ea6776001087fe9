"""The presentation layout: one chosen view beside the input and a big
top-5, and a footer line saying where you are. On a tall screen (1080) the input sits
above the top-5 on the right and the view takes two thirds of the width; on a short one
(720) the two would not fit one above the other in large type, so the input gets a
column of its own on the left.

Black background, white type: what a projector in a lit room still shows. The widgets
placed here are the window's own panels, lent by the presentation controller.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from alexnet_viewer.qt.lecture.shortcut_overlay import ShortcutOverlay
from alexnet_viewer.qt.panels.style import ACCENT

INPUT_SHARE, VIEW_SHARE, TOP5_SHARE = 3, 10, 5  # column widths side by side
STACKED_VIEW_SHARE, STACKED_RIGHT_SHARE = 2, 1  # with the input above the top-5
STACK_FROM_HEIGHT = 900  # screen pixels


def high_contrast_palette(base: QPalette) -> QPalette:
    palette = QPalette(base)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in (
            (QPalette.ColorRole.Window, "#000000"), (QPalette.ColorRole.WindowText, "#ffffff"),
            (QPalette.ColorRole.Base, "#101114"), (QPalette.ColorRole.AlternateBase, "#1b1d22"),
            (QPalette.ColorRole.Text, "#ffffff"), (QPalette.ColorRole.Button, "#26282d"),
            (QPalette.ColorRole.ButtonText, "#ffffff"), (QPalette.ColorRole.Highlight, ACCENT),
            (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#000000"),
            (QPalette.ColorRole.ToolTipText, "#ffffff"), (QPalette.ColorRole.PlaceholderText, "#c9cdd3"),
            (QPalette.ColorRole.Link, "#8ab4f8"), (QPalette.ColorRole.LinkVisited, "#c58af9"),
        ):
            palette.setColor(group, role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#9a9ea6"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#9a9ea6"))
    return palette


class Stage(QWidget):
    def __init__(self, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stacked = height >= STACK_FROM_HEIGHT
        self.setObjectName("presentation")
        self.setAutoFillBackground(True)
        self.setPalette(high_contrast_palette(self.palette()))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.input_column = QVBoxLayout()
        self.top5_column = QVBoxLayout()
        self.top5_column.setSpacing(16)
        self.view_title = QLabel()
        self.view_area = QVBoxLayout()
        self.view_area.setSpacing(6)
        self.view_area.addWidget(self.view_title)
        self.footer = QLabel()
        self.footer.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        columns = QHBoxLayout()
        columns.setSpacing(10)
        if self.stacked:
            self.top5_column.addLayout(self.input_column, 1)
            columns.addLayout(self.view_area, STACKED_VIEW_SHARE)
            columns.addLayout(self.top5_column, STACKED_RIGHT_SHARE)
        else:
            columns.addLayout(self.input_column, INPUT_SHARE)
            columns.addLayout(self.view_area, VIEW_SHARE)
            columns.addLayout(self.top5_column, TOP5_SHARE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        layout.addLayout(columns, 1)
        layout.addWidget(self.footer)
        self.overlay = ShortcutOverlay(self)
        self._view: QWidget | None = None

    def set_type_size(self, point_size: float) -> None:
        """The stage's own labels: the view's title and the footer."""
        for label, size, bold in ((self.view_title, point_size * 1.25, True), (self.footer, point_size, False)):
            font = QFont(label.font())
            font.setPointSizeF(size)
            font.setBold(bold)
            label.setFont(font)

    def set_input(self, widget: QWidget) -> None:
        self.input_column.addWidget(widget)
        widget.show()

    def set_top5(self, widget: QWidget) -> None:
        self.top5_column.addWidget(widget)
        widget.show()

    def set_view(self, widget: QWidget, title: str) -> None:
        self.view_title.setText(title)
        self.view_area.addWidget(widget, 1)
        widget.show()
        self._view = widget

    @property
    def view_widget(self) -> QWidget | None:
        return self._view

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.show_over_parent()
