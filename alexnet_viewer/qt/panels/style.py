"""Shared look of the panels: one spacing unit, title and caption labels."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, QStringListModel, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QCompleter,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTableWidget,
    QWidget,
)

from alexnet_viewer.qt.lecture.gestures import hint

SPACING = 8
TITLE_POINT_SIZE = 13
CAPTION_POINT_SIZE = 11
PLOT_BACKGROUND = "#1e1f22"
AXIS_TEXT = "#c9cdd3"  # pyqtgraph's default grey is too faint on a projector
ACCENT = "#4c9be8"
# The shorter side of a thumbnail or patch wherever the view has room (readable from the back
# row); where it has not, a view shows fewer per row or scrolls rather than drawing them smaller.
PICTURE_MIN_SIDE = 128


def apply_spacing(layout: QBoxLayout, margins: int = SPACING) -> QBoxLayout:
    layout.setSpacing(SPACING)
    layout.setContentsMargins(margins, margins, margins, margins)
    return layout


def title_label(text: str = "", squeezable: bool = True, wrap: bool = False) -> QLabel:
    """A squeezable title (one that changes with the data) is cut rather than widening its panel;
    with ``wrap`` a heading takes more lines in a narrow panel rather than being cut."""
    label = WrappingLabel(text) if wrap else QLabel(text)
    font = label.font()
    font.setPointSize(TITLE_POINT_SIZE)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    if squeezable and not wrap:
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def elide_at_word(metrics, text: str, width: int) -> str:
    """``text`` as it fits ``width``: whole, or cut after its last whole word that fits,
    then "…" (a text with no space to cut at is cut where it must be)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    cut = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    kept = cut[:-1] if cut.endswith("…") else cut
    if 0 < len(kept) < len(text) and not text[len(kept)].isspace():  # inside a word: drop it
        space = kept.rfind(" ")
        if space > 0:
            kept = kept[:space]
    kept = kept.rstrip(" ·:;,")
    return kept + "…" if kept else cut


class ElidedLabel(QLabel):
    """One line that ends in "…" when the panel is too narrow, cut between words; the whole
    text is then its tooltip.

    A read-out that wrapped would change height as the mouse moves and shift everything
    below it, so it is cut instead.
    """

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self._update_tooltip()

    @property
    def elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._update_tooltip()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        tooltip = self.text() if self.elided else ""
        if self.toolTip() != tooltip:
            self.setToolTip(tooltip)

    def paintEvent(self, event) -> None:
        rect = self.contentsRect()
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = elide_at_word(self.fontMetrics(), self.text(), rect.width())
        painter.drawText(rect, int(self.alignment()), text)


def might_be_rich(text: str) -> bool:
    """Qt's own guess (QtGui's Qt namespace holds it) of whether an AutoText label shows HTML."""
    return GuiQt.mightBeRichText(text)


MAX_REMEMBERED_HEIGHTS = 256


class WrappingLabel(QLabel):
    """A word-wrapped label that is never squeezed below the height its text needs.

    QBoxLayout only uses heightForWidth while it has room; when the panel is short it shrinks
    wrapped labels first and cuts their last line. A minimum height from the current width
    makes the layout (and the dock around it) keep the room instead.

    A new plain text that needs the height the old one had is painted by the label alone:
    QLabel.setText asks every layout up to the window's for a new pass (the whole dock area,
    with each dock's title buttons, 30 times a second for a live read-out). Only when the
    height changes, or the width, font or style do, is QLabel given the text and the layouts
    run.
    """

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self._steady: str | None = None  # the text shown when QLabel still holds an older one
        self._heights: dict[tuple[int, str], int] = {}  # (width, text) -> height, for this font
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

    def text(self) -> str:
        return super().text() if self._steady is None else self._steady

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if self._paints_alone(text):
            self._steady = text
            self.update()
            return
        self._steady = None
        super().setText(text)

    def _paints_alone(self, text: str) -> bool:
        if not text or not self.text():
            return False  # QLabel sizes an empty label apart from any line of text
        if self.textFormat() == Qt.TextFormat.RichText or might_be_rich(text) or might_be_rich(self.text()):
            return False
        width = self.contentsRect().width()
        return self.isVisible() and width > 0 and self._height_for(text, width) == self._height_for(self.text(), width)

    def _height_for(self, text: str, width: int) -> int:
        """The height ``text`` wraps to at ``width``, remembered: laying text out costs more than
        the rest of a live read-out's change, and the top-5 names come back frame after frame."""
        height = self._heights.get((width, text))
        if height is None:
            if len(self._heights) >= MAX_REMEMBERED_HEIGHTS:
                self._heights.clear()
            height = self._heights[(width, text)] = self.fontMetrics().boundingRect(
                0, 0, width, 1 << 20, self._wrap_flags(), text).height()
        return height

    def _wrap_flags(self) -> int:
        """How the text is laid out, measured and painted alike: QLabel's word wrap."""
        return int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)

    def _settle(self) -> None:
        """Hand QLabel the text shown, before anything asks it for a size."""
        if self._steady is not None:
            text, self._steady = self._steady, None
            super().setText(text)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._steady is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), self._wrap_flags(), self.palette(), self.isEnabled(),
                                  self._steady, self.foregroundRole())

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()
            self._settle()
        super().changeEvent(event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        if self.width() > 0:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._settle()
            self.updateGeometry()  # the height it needs depends on the width it got


def caption_label(text: str = "", wrap: bool = False) -> QLabel:
    """A small read-out that never widens its panel: cut with "…" (or wrapped, with ``wrap``)."""
    label = WrappingLabel(text) if wrap else ElidedLabel(text)
    font = label.font()
    font.setPointSize(CAPTION_POINT_SIZE)
    label.setFont(font)
    if not wrap:
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        label.setMinimumHeight(label.fontMetrics().height() + 4)
    return label


def hint_label(view: str) -> QLabel:
    """``view``'s one line of gestures (qt/lecture/gestures.py), for under its main picture:
    the caption type, wrapped between words where the view is too narrow for one line."""
    return caption_label(hint(view), wrap=True)


class Readout(QLabel):
    """A number that changes with every frame (a time, a rate): sized once for ``widest``,
    and again when its font or margins change, so a new value repaints the label alone.

    A label sized by its text asks its parent's layout to run again at every change (the
    status bar, and the window around it, were laid out and repainted 30 times a second).
    """

    def __init__(self, text: str, widest: str, parent=None) -> None:
        super().__init__(text, parent)
        self._widest = widest
        self._fit()

    def setContentsMargins(self, *margins) -> None:  # noqa: N802 - Qt name
        super().setContentsMargins(*margins)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()

    def _fit(self) -> None:
        metrics, margins = self.fontMetrics(), self.contentsMargins()
        self.setFixedSize(metrics.horizontalAdvance(self._widest) + margins.left() + margins.right() + 2,
                          metrics.height() + margins.top() + margins.bottom())


def set_text_if_changed(label, text: str) -> None:
    # setText relayouts even when the text is equal; skipping it keeps redraws cheap.
    if label.text() != text:
        label.setText(text)


def row_table(rows: int, headers, tips) -> QTableWidget:
    """A read-only table whose rows are picked one whole row at a time, each column header
    with its tooltip."""
    table = QTableWidget(rows, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    for column, tip in enumerate(tips):
        table.horizontalHeaderItem(column).setToolTip(tip)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return table


class TitledPanel(QWidget):
    """A panel with a static heading, ``self.title``, that a dock's own title can replace."""

    title: QLabel

    def set_title_visible(self, visible: bool) -> None:
        self.title.setVisible(visible)


def completing_edit(placeholder: str, parent: QWidget) -> tuple[QLineEdit, QStringListModel, QCompleter]:
    """A line edit that completes from a word list (case-insensitive, any part of a word):
    the class names of the loaded weights, for instance; fill the model with setStringList."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    words = QStringListModel(parent)
    completer = QCompleter(words, parent)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    edit.setCompleter(completer)
    return edit, words, completer
