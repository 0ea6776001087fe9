"""The five most likely classes in large type, with a banner when the weights are untrained."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout

from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.lecture.gestures import TOP5
from alexnet_viewer.qt.panels.probability_bar import ProbabilityBar
from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    WrappingLabel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)

ROWS = 5
NAME_POINT_SIZE = 18  # the first name; the others are 2 pt smaller, never under 16
BANNER_HEADLINE = "Untrained weights — predictions are meaningless"
NAME_TO_BAR = 2


def format_percent(probability: float) -> str:
    percent = probability * 100
    return f"{percent:.1f} %" if percent >= 0.1 or percent == 0 else "<0.1 %"


BANNER_POINT_SIZE = 11


def banner_html(description: str) -> str:
    return f"<b>{html.escape(BANNER_HEADLINE)}</b><br>{html.escape(description)}"


# After the name of the class the Explain view shows; one word, so a narrow panel wraps it whole.
EXPLAIN_MARK = "  ◀\u00a0Explain"


class Top5Panel(TitledPanel):
    class_clicked = Signal(int)  # the class index of a row whose name or bar was clicked (Explain listens)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("What AlexNet thinks")
        # Wraps and keeps the height its text needs even in a short, narrow dock.
        self.untrained_banner = WrappingLabel()
        self.untrained_banner.setTextFormat(Qt.TextFormat.RichText)
        # Its size is the label's font, not the style sheet's: presentation mode scales fonts.
        self.untrained_banner.setStyleSheet(
            "QLabel { background: #b3261e; color: white; padding: 6px; border-radius: 4px; }"
        )
        font = self.untrained_banner.font()
        font.setPointSize(BANNER_POINT_SIZE)
        self.untrained_banner.setFont(font)
        self.untrained_banner.hide()
        self.status_label = caption_label("Open a picture to start")
        self.hint = hint_label(TOP5)

        self.name_labels: list[QLabel] = []
        self.bars: list[ProbabilityBar] = []
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addWidget(self.untrained_banner)
        for rank in range(ROWS):
            # Long ImageNet names wrap on narrow panels instead of widening them.
            name = WrappingLabel("")
            font = name.font()
            font.setPointSize(NAME_POINT_SIZE if rank == 0 else NAME_POINT_SIZE - 2)
            font.setBold(rank == 0)
            name.setFont(font)
            bar = ProbabilityBar(point_size=NAME_POINT_SIZE - 2)
            self.name_labels.append(name)
            self.bars.append(bar)
            for widget in (name, bar):
                widget.installEventFilter(self)
                widget.setCursor(Qt.CursorShape.PointingHandCursor)
            row = QVBoxLayout()
            row.setSpacing(NAME_TO_BAR)  # a name sits on its own bar, apart from the next name
            row.addWidget(name)
            row.addWidget(bar)
            layout.addLayout(row)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addWidget(self.status_label)
        self.setMinimumWidth(180)  # narrower, every name and the banner would wrap word by word
        self._busy = False
        self._classes: list[int | None] = [None] * ROWS  # the class index each row shows
        self._labels: list[str] = [""] * ROWS
        self.explained: int | None = None  # the class Explain shows (marked), if any

    @property
    def banner_visible(self) -> bool:
        return not self.untrained_banner.isHidden()

    def mark_class(self, index: int | None) -> None:
        """Mark the row of class ``index`` as the one Explain shows (None: no row)."""
        self.explained = index
        self._write_names()

    def marked_rank(self) -> int | None:
        """The rank (1–5) marked as explained, or None."""
        for rank, index in enumerate(self._classes):
            if index is not None and index == self.explained:
                return rank + 1
        return None

    def _write_names(self) -> None:
        for rank, name in enumerate(self.name_labels):
            label = self._labels[rank]
            text = f"{rank + 1}. {label}" if label else ""
            if text and self._classes[rank] == self.explained:
                text += EXPLAIN_MARK
            set_text_if_changed(name, text)

    def set_busy(self, busy: bool, text: str = "Working…") -> None:
        self._busy = busy
        set_text_if_changed(self.status_label, text if busy else "")
        self._show_status()

    def _show_status(self) -> None:
        # Untrained weights are named by the banner (and the device by the window's status
        # bar): the weights line then shows only while busy, and the picture keeps its room.
        self.status_label.setVisible(self._busy or not self.banner_visible)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            for rank, widgets in enumerate(zip(self.name_labels, self.bars)):
                if watched in widgets and self._classes[rank] is not None:
                    self.class_clicked.emit(self._classes[rank])
        return super().eventFilter(watched, event)

    def show_result(self, result: Result) -> None:
        self._classes = [prediction.index for prediction in result.top5[:ROWS]] + [None] * (ROWS - len(result.top5))
        self._labels = [prediction.label for prediction in result.top5[:ROWS]] + [""] * (ROWS - len(result.top5))
        self._write_names()
        for rank in range(ROWS):
            if rank < len(result.top5):
                prediction = result.top5[rank]
                self.name_labels[rank].setToolTip(f"ImageNet class {prediction.index}: {prediction.label}")
                self.bars[rank].set_value(prediction.probability, format_percent(prediction.probability))
            else:
                self.bars[rank].set_value(0.0, "")
        weights = result.weights
        if weights.trained:
            self.untrained_banner.hide()
        else:
            set_text_if_changed(self.untrained_banner, banner_html(weights.description))
            self.untrained_banner.show()
        if not self._busy:
            set_text_if_changed(self.status_label, f"Weights: {weights.description} · {result.device}")
        self._show_status()
