"""A/B: freeze the frame on screen as a reference, then watch current − reference.

For the current layer every channel's difference is tiled like its mosaic on a diverging
colour map with symmetric levels (white: no change, red: higher now, blue: lower now),
and a table gives the change of the top-5: each class's probability now and in the
reference, the difference, and its rank in both. The arithmetic is core/compare.py's, run
off the GUI thread (background.py), and nothing is computed while the panel is hidden.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsPathItem,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.core.inspect.compare import difference_mosaic, diverging_lut, top5_change
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.lecture.gestures import hint
from alexnet_viewer.qt.units.latest import Latest
from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels.image_canvas import ImageCanvas
from alexnet_viewer.qt.panels.style import (
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.panels.ticks import ColorBar

HINT = hint("A/B compare")  # also the hover read-out's line while nothing is under the pointer
NO_REFERENCE = "Freeze a reference, change the picture (cover a part, edit it), and see what changed"
COLUMNS = ("class", "now", "reference", "Δ points", "rank")
GRID_COLOUR = "#9aa0a6"  # lines between tiles: apart from white (no change) without the glare of black


def percent(probability: float) -> str:
    return f"{probability * 100:.1f} %"


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(pg.mkColor(colour).getRgb()[:3])


def tile_grid(mosaic) -> QPainterPath:
    """An outline along the gaps around each tile: drawn one screen pixel wide at any zoom,
    where the one-pixel gaps of a shrunk image come and go."""
    path = QPainterPath()
    if mosaic.gap == 0:
        return path
    half = mosaic.gap / 2
    for channel in mosaic.order:
        top, left = mosaic.tile_origin(channel)
        path.addRect(QRectF(left - half, top - half, mosaic.tile[1] + mosaic.gap, mosaic.tile[0] + mosaic.gap))
    return path


def _same(key, other) -> bool:
    """The same Results (by identity: they hold arrays) and the same layer."""
    return other is not None and key[0] is other[0] and key[1] is other[1] and key[2] == other[2]


def _compare(request, _task=None):
    """In the A/B thread: (current, reference, layer) -> (difference Mosaic, top-5 change)."""
    current, reference, layer = request
    shown = current.mosaics.get(layer)
    order = shown.order if shown is not None else None
    return difference_mosaic(current, reference, layer, order), top5_change(current, reference)


class ComparePanel(TitledPanel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        ScreenWatch(self, lambda shown: shown and self._refresh())  # behind another tab it waits (on_screen.py)
        self.title = title_label("A/B: current − reference")
        self.freeze_button = QPushButton("Freeze reference")
        self.freeze_button.setToolTip("Keep the frame on screen as the reference")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setEnabled(False)
        self.reference_label = caption_label(NO_REFERENCE, wrap=True)
        self.canvas = ImageCanvas(self, mouse_zoom=True)
        self.lut = diverging_lut(_rgb(PLOT_BACKGROUND))  # empty grid cells: the background
        self.canvas.image_item.setLookupTable(self.lut)
        self.color_bar = ColorBar((-1.0, 1.0), pg.ColorMap(None, self.lut[1:]))
        self.canvas.addItem(self.color_bar)
        self.grid_item = QGraphicsPathItem()
        self.grid_item.setPen(pg.mkPen(GRID_COLOUR, width=1))
        self.grid_item.setZValue(5)
        self.canvas.view_box.addItem(self.grid_item)
        self._grid_of = None
        self.hover_label = caption_label(HINT)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # In a narrow dock the stretched class column would shrink below its own heading
        # (":lass"): it keeps room for the heading and the table scrolls sideways instead.
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance(COLUMNS[0]) + 24)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.freeze_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        maps = QWidget()
        maps_layout = apply_spacing(QVBoxLayout(maps), margins=0)
        maps_layout.addWidget(self.canvas, 1)
        maps_layout.addWidget(self.hover_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(maps)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.reference_label)
        layout.addWidget(self.splitter, 1)

        self.reference: Result | None = None
        self.current: Result | None = None
        self.layer = "conv1"
        self.mosaic = None  # the difference Mosaic on screen
        self.changes = ()
        self.shown_key = None  # (current, reference, layer) of what is on screen
        self._asked_key = None
        self._job = Latest("Compare", _compare, self._on_computed, self._on_failed, self,
                           what="The A/B difference")
        self.clear_button.clicked.connect(self.clear_reference)
        self.canvas.pixel_hovered.connect(self.hover_at)
        self.canvas.pixel_left.connect(lambda: set_text_if_changed(self.hover_label, HINT))
        self.canvas.view_box.sigResized.connect(self._fit)  # a dock shown late gets its size late

    def set_reference(self, result: Result | None, label: str = "") -> None:
        if result is None:
            return
        self.reference = result
        self.clear_button.setEnabled(True)
        set_text_if_changed(self.reference_label, f"Reference: {label or 'frame'} (frame {result.frame_id})")
        self._refresh()

    def stop(self) -> None:
        """The difference under way is dropped (the window is closing)."""
        self._job.cancel()

    def clear_reference(self) -> None:
        self.reference, self.mosaic, self.changes = None, None, ()
        self.shown_key = self._asked_key = None
        self.clear_button.setEnabled(False)
        set_text_if_changed(self.reference_label, NO_REFERENCE)
        self.canvas.image_item.clear()
        self.grid_item.setPath(QPainterPath())
        self._grid_of = None
        self.table.setRowCount(0)
        set_text_if_changed(self.hover_label, HINT)

    def show_result(self, result: Result, layer: str) -> None:
        self.current, self.layer = result, layer
        self._refresh()


    def _refresh(self) -> None:
        current, reference = self.current, self.reference
        if current is None or reference is None or not on_screen(self):
            return
        key = (current, reference, self.layer)
        if not _same(key, self._asked_key):
            self._asked_key = key
            self._job.submit(key)

    def _on_computed(self, request, outcome) -> None:
        current, reference, layer = request
        if reference is not self.reference:
            return  # cleared or replaced meanwhile
        self.shown_key = request
        self.mosaic, self.changes = outcome
        self.canvas.set_image(self.mosaic.image, levels=(0, 255))
        layout = (self.mosaic.image.shape, self.mosaic.grid, self.mosaic.tile, self.mosaic.gap)
        if layout != self._grid_of:
            self._grid_of = layout
            self.grid_item.setPath(tile_grid(self.mosaic))
        self._fit()
        self.color_bar.setLevels(values=self.mosaic.levels)
        self._fill_table()
        note = "" if current.weights == reference.weights else " — made with other weights"
        set_text_if_changed(self.title, f"A/B {layer}: current − reference{note}")

    def _on_failed(self, sentence: str) -> None:
        if self.reference is not None:  # not cleared meanwhile
            set_text_if_changed(self.hover_label, sentence)

    def _fit(self) -> None:
        if self.mosaic is not None:
            height, width = self.mosaic.image.shape[:2]
            self.canvas.view_box.setRange(xRange=(0, width), yRange=(0, height), padding=0.01)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.changes))
        for row, change in enumerate(self.changes):
            moved = change.rank_change
            arrow = "" if moved == 0 else (f" ▲{moved}" if moved > 0 else f" ▼{-moved}")
            texts = (change.label, percent(change.probability), percent(change.reference_probability),
                     f"{change.delta * 100:+.2f}", f"{change.reference_rank} → {change.rank}{arrow}")
            for column, text in enumerate(texts):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                item.setText(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def read_out(self, row: float, col: float) -> str | None:
        """The values under a pixel of the difference on screen, now and in the reference."""
        if self.mosaic is None or self.shown_key is None:
            return None
        hit = self.mosaic.channel_at(row, col)
        if hit is None:
            return None
        current, reference, layer = self.shown_key
        channel, y, x = hit
        index = (channel, y, x) if current.activations[layer].ndim == 3 else (channel,)
        now, before = float(current.activations[layer][index]), float(reference.activations[layer][index])
        where = f"channel {channel} · (y {y}, x {x})" if len(index) == 3 else f"unit {channel}"
        return f"{layer} · {where}: now {now:.3f}, reference {before:.3f}, Δ {now - before:+.3f}"

    def hover_at(self, row: float, col: float) -> None:
        set_text_if_changed(self.hover_label, self.read_out(row, col) or HINT)
