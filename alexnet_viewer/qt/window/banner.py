"""A one-line notice above the feature maps (loading, untrained weights, errors)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

BANNER_STYLES = {
    "error": "background: #5c1f1c; color: #ffdad6; border: 1px solid #b3261e;",
    "warning": "background: #b3261e; color: white;",
    "info": "background: #23364d; color: #d6e6ff; border: 1px solid #4c9be8;",
}


class Banner(QFrame):
    """A one-line notice above the feature maps; error banners have a close button."""

    def __init__(self, kind: str, closable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{kind}_banner")
        self.setStyleSheet(f"#{kind}_banner {{ {BANNER_STYLES[kind]} border-radius: 4px; }}"
                           f" #{kind}_banner QLabel {{ background: transparent; border: none; }}")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.label.font()
        font.setPointSize(max(font.pointSize(), 11))
        if kind == "warning":
            font.setBold(True)
        self.label.setFont(font)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        self.close_button = None
        if closable:
            self.close_button = QToolButton()
            self.close_button.setText("✕")
            self.close_button.setToolTip("Dismiss")
            self.close_button.setAutoRaise(True)
            self.close_button.clicked.connect(self.hide)
            layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text()
