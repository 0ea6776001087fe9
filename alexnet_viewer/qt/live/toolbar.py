"""The live toolbar: what is playing, freeze, play/pause, step, loop, stop, slideshow rate."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar

DEFAULT_SLIDE_SECONDS = 2.0


class LiveToolbar(QToolBar):
    def __init__(self, actions, parent=None) -> None:
        super().__init__("Live", parent)
        self.setObjectName("live_toolbar")  # saveState/restoreState find toolbars by name
        self.setMovable(False)
        self.source_label = QLabel("")
        self.source_label.setContentsMargins(6, 0, 10, 0)
        self.addWidget(self.source_label)
        for action in actions:
            if action is None:
                self.addSeparator()
            else:
                self.addAction(action)
        self.addSeparator()
        self.rate_label = QLabel("Slideshow:")
        self.rate_label.setContentsMargins(6, 0, 4, 0)
        self.rate_spin = QDoubleSpinBox()
        self.rate_spin.setRange(0.1, 60.0)
        self.rate_spin.setSingleStep(0.5)
        self.rate_spin.setDecimals(1)
        self.rate_spin.setSuffix(" s per picture")
        self.rate_spin.setValue(DEFAULT_SLIDE_SECONDS)
        self.rate_spin.setToolTip("How long a slideshow shows each picture")
        # A widget on a toolbar is shown and hidden through the action that holds it.
        self._rate_actions = (self.addWidget(self.rate_label), self.addWidget(self.rate_spin))

    @property
    def slide_interval_ms(self) -> int:
        return int(round(self.rate_spin.value() * 1000))

    def set_rate_visible(self, visible: bool) -> None:
        for action in self._rate_actions:
            action.setVisible(visible)

    @property
    def rate_visible(self) -> bool:
        return self._rate_actions[1].isVisible()

    def set_source_text(self, text: str) -> None:
        self.source_label.setText(text)
