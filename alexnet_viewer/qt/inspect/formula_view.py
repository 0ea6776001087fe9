"""The arithmetic behind one cell of a feature map, drawn (CNN Explainer's idea, on the real
network and the real frame).

A conv1 cell: the 11×11×3 input patch, the kernel and their product as enlarged pictures
(0 is mid-grey on each one's symmetric scale), then the sum plus the bias giving the value
the map shows, then the ReLU. A deeper conv cell: the input channels that contribute most,
as bars, with what the others and the bias add. A pool cell: its window, the maximum marked.
Every number comes from core/formula.py; this only lays them out.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from alexnet_viewer.core.inspect.compare import symmetric_levels
from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.panels.style import (
    AXIS_TEXT,
    PICTURE_MIN_SIDE,
    PLOT_BACKGROUND,
    SPACING,
    TitledPanel,
    WrappingLabel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.panels.ticks import round_axes

NO_CELL = "No cell chosen yet."
TOP_CHANNELS = 10
POSITIVE, NEGATIVE, OTHER = "#e8684a", "#4c9be8", "#8a919c"
QUIET_TEXT = "#5f6368"  # the per-channel terms, on the window's own light background
PICTURES = (("input patch", "patch"), ("× kernel", "kernel"), ("= product", "product"))
UNLIMITED = 16777215  # Qt's QWIDGETSIZE_MAX
PADDING = 0.02  # around each picture, in parts of its size
CAPTION_PX, MARGIN = 24, 2


def number(value: float) -> str:
    return f"{value:.4f}"


class _PatchPictures(pg.GraphicsLayoutWidget):
    """Patch, kernel and product side by side, each an RGB picture on its own symmetric scale,
    each at least ``PICTURE_MIN_SIDE`` px (the view asks for the room)."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground(PLOT_BACKGROUND)
        layout = self.ci.layout
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setHorizontalSpacing(SPACING)
        layout.setVerticalSpacing(SPACING)
        layout.setRowFixedHeight(0, CAPTION_PX)
        box_side = math.ceil(PICTURE_MIN_SIDE * (1 + 2 * PADDING))
        self.setMinimumSize(len(PICTURES) * box_side + (len(PICTURES) - 1) * SPACING + 2 * MARGIN,
                            CAPTION_PX + SPACING + box_side + 2 * MARGIN)
        self.items: dict[str, pg.ImageItem] = {}
        for column, (caption, key) in enumerate(PICTURES):
            self.addLabel(caption, row=0, col=column, color=AXIS_TEXT)
            box = self.addViewBox(row=1, col=column, lockAspect=True, invertY=True, enableMenu=False)
            box.setMouseEnabled(False, False)
            box.setMinimumSize(box_side, box_side)
            layout.setColumnStretchFactor(column, 1)
            item = pg.ImageItem(axisOrder="row-major")
            box.addItem(item)
            box.sigResized.connect(lambda box=box: box.autoRange(padding=PADDING))
            self.items[key] = item

    def show(self, formula) -> None:
        for key in ("patch", "kernel", "product"):
            values = np.moveaxis(getattr(formula, key), 0, -1)  # (C, h, w) as an (h, w, C) picture
            if values.shape[2] != 3:
                values = values[:, :, :1].repeat(3, axis=2)
            self.items[key].setImage(values.astype(np.float32), levels=symmetric_levels(values), autoLevels=False)
            self.items[key].getViewBox().autoRange(padding=PADDING)


class _ContributionBars(pg.PlotWidget):
    """The strongest input channels' contributions, then the rest and the bias."""

    def __init__(self) -> None:
        super().__init__(axisItems=round_axes())
        self.setBackground(PLOT_BACKGROUND)
        self.setMinimumHeight(170)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.75)
        self.addItem(self.bars)
        self.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(AXIS_TEXT, width=1)))
        self.heights: list[float] = []
        self.names: list[str] = []

    def show(self, formula, count: int) -> None:
        top = formula.top(count)
        self.names = [str(channel) for channel, _ in top] + ["rest", "bias"]
        self.heights = [value for _, value in top] + [formula.rest(count), formula.bias]
        brushes = [pg.mkBrush(POSITIVE if v >= 0 else NEGATIVE) for v in self.heights[: len(top)]]
        brushes += [pg.mkBrush(OTHER)] * 2
        x = list(range(len(self.heights)))
        self.bars.setOpts(x=x, height=self.heights, brushes=brushes, pens=[pg.mkPen(None)] * len(x))
        self.getAxis("bottom").setTicks([list(zip(x, self.names))])
        self.setLabel("bottom", f"input channel of {formula.input_layer}")
        self.enableAutoRange()


class _PoolWindow(QWidget):
    """The window's numbers in a grid, the maximum highlighted."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setSpacing(2)
        self.cells: list[list[QLabel]] = []

    def show(self, formula) -> None:
        window = formula.window
        rows, cols = window.shape
        if len(self.cells) != rows or (self.cells and len(self.cells[0]) != cols):
            for row in self.cells:
                for label in row:
                    label.deleteLater()
            self.cells = [[QLabel() for _ in range(cols)] for _ in range(rows)]
            for r, row in enumerate(self.cells):
                for c, label in enumerate(row):
                    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                    label.setMinimumSize(64, 34)
                    self.grid.addWidget(label, r, c)
        for r in range(rows):
            for c in range(cols):
                value = float(window[r, c])
                chosen = (r, c) == formula.argmax
                self.cells[r][c].setText("pad" if value == -np.inf else f"{value:.3f}")
                background = "#ff9e40" if chosen else "#2b2d31"
                self.cells[r][c].setStyleSheet(
                    f"QLabel {{ background: {background}; color: {'#111' if chosen else '#e6e6e6'};"
                    f" font-weight: {'bold' if chosen else 'normal'}; border-radius: 3px; }}")


class FormulaView(TitledPanel):
    """``show_formula(formula, layer, map_value, off)`` draws a formula; ``show_message`` a sentence."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Formula")
        self.cell_label = title_label("")
        self.pictures = _PatchPictures()
        self.bars = _ContributionBars()
        self.pool = _PoolWindow()
        self.stack = QStackedWidget()
        self.message_label = WrappingLabel(NO_CELL)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for page in (self.message_label, self.pictures, self.bars, self.pool):
            self.stack.addWidget(page)
        self.equation_label = WrappingLabel("")
        self.equation_label.setTextFormat(Qt.TextFormat.RichText)
        self.equation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.equation_label.font()
        font.setPointSize(font.pointSize() + 1)
        self.equation_label.setFont(font)
        self.note_label = caption_label("", wrap=True)
        self.hint = hint_label("Formula")
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.equation_label)
        layout.addWidget(self.note_label)
        layout.addStretch(0)  # takes the spare room below small pages (see _show_page)
        self._layout = layout
        self.formula = None  # core ConvFormula or PoolFormula
        self.shown_value: float | None = None  # the value the equation ends in (before a ReLU)
        self.map_value: float | None = None

    def _show_page(self, page: QWidget) -> None:
        """Plots take the room there is; the pictures and the pool's numbers keep to their
        size, so the sum follows right under them."""
        self.stack.setCurrentWidget(page)
        grows = page in (self.bars, self.message_label)
        self._layout.setStretchFactor(self.stack, 1 if grows else 0)
        self._layout.setStretch(self._layout.count() - 1, 0 if grows else 1)
        self._fit_stack()

    def _fit_stack(self) -> None:
        page = self.stack.currentWidget()
        if page is self.pictures:  # three square pictures side by side: a third of the width
            limit = max(self.pictures.minimumHeight(), self.width() // 3 + CAPTION_PX + 3 * SPACING)
        elif page is self.pool:
            limit = page.sizeHint().height()
        else:
            limit = UNLIMITED
        self.stack.setMaximumHeight(limit)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_stack()

    def show_message(self, text: str) -> None:
        self.formula = self.shown_value = self.map_value = None
        self._show_page(self.message_label)
        set_text_if_changed(self.message_label, text)
        for label in (self.cell_label, self.equation_label, self.note_label):
            set_text_if_changed(label, "")

    def show_formula(self, formula, layer: str, map_value: float, off: bool = False) -> None:
        """``layer`` is the map clicked (a relu shows the conv before it, then the ReLU);
        ``map_value`` what that map holds; ``off``: the channel is switched off there."""
        self.formula, self.map_value = formula, map_value
        where = f"{layer} · channel {formula.channel} · (y {formula.y}, x {formula.x})"
        set_text_if_changed(self.cell_label, where)
        if hasattr(formula, "window"):  # a PoolFormula (core.formula loads torch: not imported here)
            self.pool.show(formula)
            self._show_page(self.pool)
            self.shown_value = formula.value
            text = f"max of the {formula.window.shape[0]}×{formula.window.shape[1]} window of {formula.input_layer} = <b>{number(formula.value)}</b>"
        else:
            self.shown_value = formula.value
            text = self._conv_text(formula, layer)
        set_text_if_changed(self.equation_label, text)
        note = f"The map shows {number(map_value)}."
        if off:
            note = f"This channel is switched off here (ablation): the map shows {number(map_value)}."
        set_text_if_changed(self.note_label, note)

    def _conv_text(self, formula, layer: str) -> str:
        if formula.input_layer == "input":
            self.pictures.show(formula)
            self._show_page(self.pictures)
            parts = " ".join(f"{name} {number(v)}" for name, v in zip("RGB", formula.contributions))
            terms = f"Σ kernel × patch = {number(formula.total)} <span style='color:{QUIET_TEXT}'>({parts})</span>"
        else:
            self.bars.show(formula, TOP_CHANNELS)
            self._show_page(self.bars)
            shown = min(TOP_CHANNELS, len(formula.contributions))
            top = sum(value for _, value in formula.top(TOP_CHANNELS))
            terms = (f"top {shown} input channels {number(top)} + the other {len(formula.contributions) - shown}: "
                     f"{number(formula.rest(TOP_CHANNELS))}")
        relu = layer if layer != formula.layer else LAYER_NAMES[LAYER_NAMES.index(formula.layer) + 1]
        return (f"{terms}<br>+ bias {number(formula.bias)} = <b>{number(formula.value)}</b> ({formula.layer})"
                f"<br>then ReLU → <b>{number(formula.relu)}</b> ({relu})")
