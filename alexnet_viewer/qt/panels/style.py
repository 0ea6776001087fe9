"""Shared look of the panels: one spacing unit, title and caption labels."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy

SPACING = 8
TITLE_POINT_SIZE = 13
CAPTION_POINT_SIZE = 11
PLOT_BACKGROUND = "#1e1f22"
ACCENT = "#4c9be8"


def apply_spacing(layout: QBoxLayout, margins: int = SPACING) -> QBoxLayout:
    layout.setSpacing(SPACING)
    layout.setContentsMargins(margins, margins, margins, margins)
    return layout


def title_label(text: str = "", squeezable: bool = True) -> QLabel:
    """A squeezable title (one that changes with the data) is cut rather than widening its panel."""
    label = QLabel(text)
    font = label.font()
    font.setPointSize(TITLE_POINT_SIZE)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    if squeezable:
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def caption_label(text: str = "") -> QLabel:
    """A one-line read-out that may be cut on narrow panels rather than widen them."""
    label = QLabel(text)
    font = label.font()
    font.setPointSize(CAPTION_POINT_SIZE)
    label.setFont(font)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumHeight(label.fontMetrics().height() + 4)
    return label


def set_text_if_changed(label, text: str) -> None:
    # setText relayouts even when the text is equal; skipping it keeps redraws cheap.
    if label.text() != text:
        label.setText(text)
