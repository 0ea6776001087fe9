"""conv1's 64 learned 11x11 RGB kernels, the only weights that can be looked at directly."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QHBoxLayout, QVBoxLayout

from alexnet_viewer.core.frame.result import FilterTiles, Result
from alexnet_viewer.qt.lecture.gestures import hint
from alexnet_viewer.qt.panels.image_canvas import ImageCanvas
from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    set_text_if_changed,
    title_label,
)

NORMALISATIONS = (("Global normalisation", "global"), ("Per-filter normalisation", "per_filter"))
HINT = hint("conv1 filters")


class FiltersPanel(TitledPanel):
    filter_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.normalisation_combo = QComboBox()
        for text, key in NORMALISATIONS:
            self.normalisation_combo.addItem(text, key)
        self.normalisation_combo.setToolTip(
            "Global: one brightness scale for all filters, so strong and weak filters compare.\n"
            "Per-filter: each filter stretched on its own, so faint patterns become visible."
        )
        self.normalisation_combo.currentIndexChanged.connect(self._redraw)
        self.canvas = ImageCanvas(self)
        self.canvas.pixel_hovered.connect(self._on_hovered)
        self.canvas.pixel_left.connect(self._on_left)
        self.canvas.pixel_clicked.connect(self._on_clicked)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(QPen(QColor("white"), 0))
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.canvas.view_box.addItem(self.highlight)
        self.hover_label = caption_label(HINT)

        header = QHBoxLayout()
        header.setSpacing(8)
        self.title = title_label("conv1 filters", squeezable=False)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.normalisation_combo)
        self.normalisation_combo.setMinimumWidth(110)  # on narrow panels the combo gives way, not the title
        layout = apply_spacing(QVBoxLayout(self))
        layout.addLayout(header)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hover_label)
        self._tiles: FilterTiles | None = None
        self._shown = None

    @property
    def normalisation(self) -> str:
        return self.normalisation_combo.currentData()


    def set_normalisation(self, key: str) -> None:
        index = self.normalisation_combo.findData(key)
        if index < 0:
            raise ValueError(f"unknown normalisation {key!r}")
        self.normalisation_combo.setCurrentIndex(index)

    def show_result(self, result: Result) -> None:
        # Same weights give the very same FilterTiles object: nothing to redraw then.
        if result.filters is not self._tiles:
            self._tiles = result.filters
            self._redraw()

    def filter_at(self, row: float, col: float) -> int | None:
        return None if self._tiles is None else self._tiles.filter_at(row, col)

    def _redraw(self) -> None:
        if self._tiles is None:
            return
        image = self._tiles.per_filter_norm if self.normalisation == "per_filter" else self._tiles.global_norm
        if image is not self._shown:
            self._shown = image
            self.canvas.set_image(image)

    def _on_hovered(self, row: float, col: float) -> None:
        index = self.filter_at(row, col)
        if index is None:
            self._on_left()
            return
        set_text_if_changed(self.hover_label, f"filter {index}")
        self.canvas.setToolTip(f"filter {index}")
        tiles = self._tiles
        tile_r, tile_c = divmod(index, tiles.grid[1])
        top, left = tile_r * (tiles.tile[0] + tiles.gap), tile_c * (tiles.tile[1] + tiles.gap)
        self.highlight.setRect(QRectF(left - 0.5, top - 0.5, tiles.tile[1] + 1, tiles.tile[0] + 1))
        self.highlight.show()

    def _on_left(self) -> None:
        set_text_if_changed(self.hover_label, HINT)
        self.canvas.setToolTip("")
        self.highlight.hide()

    def _on_clicked(self, row: float, col: float) -> None:
        index = self.filter_at(row, col)
        if index is not None:
            self.filter_clicked.emit(index)
