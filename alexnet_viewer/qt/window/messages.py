"""The one message area: what ``state.message`` says, one line at a time, above the feature maps.

A new message replaces the one shown (messages never stack). A message fades after a few
seconds unless it needs an answer; the past messages stay a click away (the "History"
button beside it, shown also when no message is). Presentation mode hides the area: the audience sees only the content.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMenu, QSizePolicy, QToolButton, QWidget

from alexnet_viewer.core.session import Message, ViewerState
from alexnet_viewer.qt.panels.style import ElidedLabel

STYLES = {
    "error": "background: #5c1f1c; color: #ffdad6; border: 1px solid #b3261e;",
    "warning": "background: #6b4e00; color: #fff0c2; border: 1px solid #e0a800;",
    "info": "background: #23364d; color: #d6e6ff; border: 1px solid #4c9be8;",
}
# How long a message stays before it fades, by level (ms); one that needs an answer stays.
FADE_MS = {"info": 6000, "warning": 10000, "error": 15000}


class MessageArea(QFrame):
    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("message_area")
        # One line: a long message ends in "…" and says the rest in its tooltip and the history.
        self.label = ElidedLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.history_button = QToolButton()
        self.history_button.setText("History")
        self.history_button.setToolTip("The messages shown so far")
        self.history_button.setAutoRaise(True)
        self.history_button.clicked.connect(self.show_history)
        # The button stays in the status bar when no message is shown (the window places it).
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(state.clear_message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 2, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.fade_timer = QTimer(self)
        self.fade_timer.setSingleShot(True)
        self.fade_timer.timeout.connect(self._fade)
        self.hidden_for_audience = False
        self._shown: Message | None = None
        state.events.message.connect(self._show)
        state.events.presentation.connect(self._set_presenting)
        self.hide()

    @property
    def text(self) -> str:
        """What is said now ("" when nothing is), shown or not (presentation mode hides it)."""
        return self._shown.text if self._shown is not None else ""

    @property
    def level(self) -> str | None:
        return self._shown.level if self._shown is not None else None

    def _show(self, message: Message | None) -> None:
        self._shown = message
        self.fade_timer.stop()
        if message is None:
            self.hide()
            return
        self.label.setText(message.text)
        self.setStyleSheet(f"#message_area {{ {STYLES[message.level]} border-radius: 4px; }}"
                           " #message_area QLabel, #message_area QToolButton { background: transparent;"
                           " border: none; color: inherit; }")
        if not message.needs_answer:
            self.fade_timer.start(FADE_MS[message.level])
        self.setVisible(not self.hidden_for_audience)

    def _fade(self) -> None:
        if self.state.message is self._shown:
            self.state.clear_message()

    def _set_presenting(self, presenting: bool) -> None:
        self.hidden_for_audience = bool(presenting)
        self.setVisible(self._shown is not None and not presenting)

    def history_texts(self) -> list[str]:
        return [f"{m.level}: {m.text}" for m in reversed(self.state.history)]

    def show_history(self) -> None:
        menu = QMenu(self)
        for text in self.history_texts() or ["(no messages yet)"]:
            menu.addAction(text).setEnabled(False)
        menu.popup(self.history_button.mapToGlobal(self.history_button.rect().bottomLeft()))
