"""Lending a window's widget to presentation mode and giving it back exactly where it was.

A widget lives in a dock, a box layout (at an index, with a stretch) or a splitter;
``Borrowed`` remembers which and puts it back there. ``FontScaler`` enlarges the type of
borrowed widgets for a projector, the tick labels and titles of their plots' axes included
(pyqtgraph draws those in a scene, which no widget font reaches), and restores every font it
changed.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QBoxLayout, QDockWidget, QLayout, QSplitter, QWidget


def _box_holding(layout: QLayout | None, widget: QWidget) -> tuple[QBoxLayout, int] | None:
    if layout is None:
        return None
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is widget and isinstance(layout, QBoxLayout):
            return layout, index
        found = _box_holding(item.layout(), widget)
        if found is not None:
            return found
    return None


class Borrowed:
    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self.parent = widget.parentWidget()
        self.visible = not widget.isHidden()
        self.dock = self.parent if isinstance(self.parent, QDockWidget) else None
        self.splitter_index = self.parent.indexOf(widget) if isinstance(self.parent, QSplitter) else None
        self.box = None
        if self.dock is None and self.splitter_index is None and self.parent is not None:
            found = _box_holding(self.parent.layout(), widget)
            if found is not None:
                layout, index = found
                self.box = (layout, index, layout.stretch(index))

    def give_back(self) -> None:
        widget = self.widget
        if self.dock is not None:
            self.dock.setWidget(widget)
        elif self.splitter_index is not None:
            self.parent.insertWidget(self.splitter_index, widget)
        elif self.box is not None:
            layout, index, stretch = self.box
            layout.insertWidget(index, widget, stretch)
        else:
            widget.setParent(self.parent)
        widget.setVisible(self.visible)


class FontScaler:
    """Scales the fonts of widgets (and their children) by one factor, and back."""

    def __init__(self) -> None:
        # widget -> (its own font, None if it inherited one; its fixed height, None if not fixed)
        self._saved: dict[QWidget, tuple[QFont | None, int | None]] = {}
        # axis -> (its tick font, None for the default; its title's font)
        self._axes: dict[pg.AxisItem, tuple[QFont | None, QFont]] = {}

    def scale(self, root: QWidget, factor: float) -> None:
        # Every font is read before any is set: a child inherits its parent's, and must be
        # scaled from what it showed, not from its already enlarged parent.
        widgets = [w for w in (root, *root.findChildren(QWidget)) if w not in self._saved]
        fonts = [QFont(w.font()) for w in widgets]
        for widget, font in zip(widgets, fonts):
            own = QFont(font) if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont) else None
            fixed = widget.minimumHeight() if widget.minimumHeight() == widget.maximumHeight() > 0 else None
            self._saved[widget] = (own, fixed)
            if font.pointSizeF() > 0:
                font.setPointSizeF(font.pointSizeF() * factor)
            elif font.pixelSize() > 0:
                font.setPixelSize(round(font.pixelSize() * factor))
            widget.setFont(font)
            if fixed is not None:  # sized for its type (a probability bar): grows with it
                widget.setFixedHeight(round(fixed * factor))
        for view in (w for w in widgets if isinstance(w, pg.GraphicsView)):
            self._scale_axes(view)

    def _scale_axes(self, view: pg.GraphicsView) -> None:
        """A plot's axes in the type of the (already enlarged) text around them."""
        font = QFont(view.font())
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem) and item not in self._axes:
                tick = item.style.get("tickFont")
                self._axes[item] = (QFont(tick) if tick is not None else None, QFont(item.label.font()))
                item.setTickFont(font)
                item.label.setFont(font)

    def restore(self) -> None:
        for widget, (font, fixed) in self._saved.items():
            try:
                widget.setFont(font if font is not None else QFont())  # an empty font inherits again
                if fixed is not None:
                    widget.setFixedHeight(fixed)
            except RuntimeError:  # deleted meanwhile
                continue
        self._saved.clear()
        for axis, (tick, title) in self._axes.items():
            try:
                axis.setTickFont(tick)
                axis.label.setFont(title)
            except RuntimeError:
                continue
        self._axes.clear()
