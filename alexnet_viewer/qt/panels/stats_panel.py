"""Numbers for the whole network: a per-layer table, one layer's histogram and channel means, sparsity."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.panels.ranges import steady_range
from alexnet_viewer.qt.panels.style import (
    ACCENT,
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    row_table,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.panels.ticks import round_axes

# A result without every layer's statistics (a live frame between those that carry them)
# leaves the table as it is for this long; after that it is read (computed on the host).
TABLE_STALE_S = 0.5
COLUMNS = ("layer", "shape", "mean", "std", "max", "%0")
COLUMN_TIPS = (
    "Layer of AlexNet, in the order the picture flows through them",
    "channels × height × width (fc layers: units)",
    "Mean of all values in the layer",
    "Standard deviation of all values in the layer",
    "Largest value in the layer",
    "Share of values that are exactly zero, in % (ReLU switched them off)",
)
# The widest text each column holds; numbers never exceed six characters (see format_number).
COLUMN_SAMPLES = ("relu7", "384×13×13", "-9.999", "9.999", "-9.999", "100.0")
CELL_PADDING = 8
DEFAULT_LAYER = "conv1"
_LAYER_X = np.arange(len(LAYER_NAMES), dtype=float)
_BAR_BRUSH = pg.mkBrush("#6b7380")
MEANS_COLOR = "#8fd19e"
LEFT_AXIS_PX = 48  # equal widths keep the three x axes aligned
_SELECTED_BRUSH = pg.mkBrush(ACCENT)


def format_shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(size) for size in shape)


def format_number(value: float) -> str:
    """Four significant digits at most, so a column is as wide for 0.012 as for 123.4."""
    size = abs(value)
    decimals = 3 if size < 9.9995 else 2 if size < 99.995 else 1 if size < 999.95 else 0
    return f"{value:.{decimals}f}"


def row_texts(name: str, stats) -> tuple[str, ...]:
    return (name, format_shape(stats.shape), format_number(stats.mean), format_number(stats.std),
            format_number(stats.max), f"{stats.zero_fraction * 100:.1f}")


def _short_name(name: str) -> str:
    return name[0] + name.lstrip("convfc")  # conv3 -> c3, fc7 -> f7


_ANCHORS = [(float(i), n) for i, n in enumerate(LAYER_NAMES) if n.startswith(("conv", "fc"))]
# From most to least informative; the first whose labels do not collide is used.
TICK_CHOICES: tuple[list[tuple[float, str]], ...] = (
    [(float(i), n) for i, n in enumerate(LAYER_NAMES)],
    _ANCHORS,
    [(x, _short_name(n)) for x, n in _ANCHORS],
)
SPARSITY_X_RANGE = (-1.2, len(LAYER_NAMES) + 0.2)  # a unit of margin fits the outermost names
SPARSITY_Y_RANGE = (0.0, 104.0)  # headroom so the "100" tick is not cut


def fitting_ticks(pixels_per_layer: float, text_width) -> list[tuple[float, str]]:
    for ticks in TICK_CHOICES:
        spacing = min(b[0] - a[0] for a, b in zip(ticks, ticks[1:])) * pixels_per_layer
        if spacing >= max(text_width(label) for _, label in ticks) + 6:
            return ticks
    return TICK_CHOICES[-1]


def _plot_widget() -> pg.PlotWidget:
    widget = pg.PlotWidget(background=PLOT_BACKGROUND, axisItems=round_axes())
    widget.setMinimumHeight(90)
    plot = widget.getPlotItem()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.disableAutoRange()
    plot.getAxis("left").setWidth(LEFT_AXIS_PX)
    plot.setContentsMargins(2, 8, 10, 2)  # room for tick labels that sit on the plot's edge
    return widget


class _ColumnFitter(QObject):
    """Spreads the table's width over its columns whenever the viewport changes size.

    Every column gets the room its widest possible text needs and a share of what is left
    over, so the table never scrolls sideways while it is at least that wide. Sizing to
    contents instead would re-measure every cell on every frame.
    """

    def __init__(self, table: QTableWidget, widths: list[int]) -> None:
        super().__init__(table)
        self.table = table
        self.widths = widths
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.viewport().installEventFilter(self)
        self.fit()

    @property
    def minimum_width(self) -> int:
        return sum(self.widths)

    def fit(self) -> None:
        available = self.table.viewport().width()
        extra = max(0, available - self.minimum_width)
        header = self.table.horizontalHeader()
        given = 0
        for column, width in enumerate(self.widths):
            if column == len(self.widths) - 1:
                share = extra - given  # the rounding remainder, so the columns fill the row exactly
            else:
                share = extra * width // self.minimum_width
                given += share
            if header.sectionSize(column) != width + share:
                header.resizeSection(column, width + share)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        # A hidden viewport can change size without a resize event of its own: fit on show too.
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False


class StatsPanel(TitledPanel):
    layer_selected = Signal(str)  # the user clicked a table row

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.table = row_table(len(LAYER_NAMES), COLUMNS, COLUMN_TIPS)
        self.column_fitter = _ColumnFitter(self.table, self._column_widths())
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        for row, name in enumerate(LAYER_NAMES):
            for column in range(len(COLUMNS)):
                item = QTableWidgetItem(name if column == 0 else "")
                if column > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.itemSelectionChanged.connect(self._on_row_selected)

        self.histogram_title = caption_label()
        self.means_title = caption_label()
        self.sparsity_title = caption_label("% zeros per layer")
        self.histogram_view = _plot_widget()
        self.histogram_plot: pg.PlotItem = self.histogram_view.getPlotItem()
        self.histogram_curve = self.histogram_plot.plot(
            [0.0, 1.0], [0.0], stepMode="center", fillLevel=0, brush=pg.mkBrush(ACCENT), pen=pg.mkPen(ACCENT)
        )
        self.means_view = _plot_widget()
        self.means_plot: pg.PlotItem = self.means_view.getPlotItem()
        self.means_curve = self.means_plot.plot(
            [0.0, 1.0], [0.0], stepMode="center", fillLevel=0, brush=pg.mkBrush(MEANS_COLOR), pen=pg.mkPen(MEANS_COLOR)
        )
        self.sparsity_view = _plot_widget()
        self.sparsity_plot: pg.PlotItem = self.sparsity_view.getPlotItem()
        self.sparsity_bars = pg.BarGraphItem(x=_LAYER_X, height=np.zeros(len(LAYER_NAMES)), width=0.7,
                                             brushes=[_BAR_BRUSH] * len(LAYER_NAMES), pen=None)
        self.sparsity_plot.addItem(self.sparsity_bars)
        self.sparsity_plot.setRange(xRange=SPARSITY_X_RANGE, yRange=SPARSITY_Y_RANGE, padding=0)
        self.sparsity_plot.vb.sigResized.connect(self._fit_layer_ticks)
        self._ticks = None
        self._fit_layer_ticks()

        plots = QWidget()
        plots_layout = apply_spacing(QVBoxLayout(plots), margins=0)
        plots_layout.setSpacing(2)
        for title, view in ((self.histogram_title, self.histogram_view), (self.means_title, self.means_view),
                            (self.sparsity_title, self.sparsity_view)):
            plots_layout.addWidget(title)
            plots_layout.addWidget(view, 1)
            plots_layout.addSpacing(6)

        self.hint = hint_label("Statistics")
        table_side = QWidget()  # the table with its line of gestures under it
        table_layout = apply_spacing(QVBoxLayout(table_side), margins=0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.hint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_side)
        splitter.addWidget(plots)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([400, 500])
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 6)
        layout = apply_spacing(QVBoxLayout(self))
        self.title = title_label("Statistics")
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)

        self._layer = DEFAULT_LAYER
        self._result: Result | None = None
        self._means_count = None
        self._range_layer: dict = {}
        self._histogram_drawn = None
        self._active = True  # shown: results are drawn as they come (else when shown again)
        self._table_drawn_at = float("-inf")
        self.clock = time.monotonic  # tests may set another
        self._mark_layer()
        self._update_titles()

    @property
    def layer(self) -> str:
        return self._layer


    def set_layer(self, name: str) -> None:
        if name not in LAYER_NAMES:
            raise ValueError(f"unknown layer {name!r}")
        if name == self._layer:
            return
        self._layer = name
        self._histogram_drawn = None
        if self._active:  # else marked when it is shown again (set_active)
            self._mark_layer()
            if self._result is not None:
                self._draw_layer_plots(self._result)
            self._update_titles()

    def _mark_layer(self) -> None:
        """The chosen layer's row in the table and bar in the sparsity plot."""
        self._select_row(self._layer)
        self._highlight_layer_bar()

    def set_active(self, active: bool) -> None:
        """While inactive (its dock hidden) results are only kept: a frame's statistics of
        every layer are then not computed for nobody; the newest is drawn once active."""
        if active == self._active:
            return
        self._active = active
        if active:
            self._mark_layer()
            if self._result is not None:
                self.show_result(self._result, complete=True)
            else:
                self._update_titles()

    def show_result(self, result: Result, *, complete: bool = False) -> None:
        """Draw ``result``. The table and sparsity bars show every layer when it carries every
        layer's statistics, when ``complete`` or when the last full table is older than
        TABLE_STALE_S (the rest then computed on the host); in between, live frames update the
        rows of the layers they carry and the other rows wait for the next full table."""
        self._result = result
        if not self._active:
            return
        self._draw_layer_plots(result)
        self._update_titles()
        known = getattr(result.stats, "known", None)  # the engine's lazy statistics
        now = self.clock()
        partial = (not complete and known is not None and len(known) < len(LAYER_NAMES)
                   and now - self._table_drawn_at < TABLE_STALE_S)
        rows = known if partial else result.stats
        for row, name in enumerate(LAYER_NAMES):
            stats = rows.get(name)
            if stats is None:
                continue
            for column, text in enumerate(row_texts(name, stats)):
                item = self.table.item(row, column)
                if item.text() != text:
                    item.setText(text)
        if partial:
            return
        self._table_drawn_at = now
        heights = [result.stats[name].zero_fraction * 100 if name in result.stats else 0.0 for name in LAYER_NAMES]
        self.sparsity_bars.setOpts(height=heights)

    def _draw_layer_plots(self, result: Result) -> None:
        histogram = result.histograms.get(self._layer)
        if histogram is not None:
            self.histogram_curve.setData(histogram.edges, histogram.counts)
            self._steady(self.histogram_plot, "x", float(histogram.edges[0]), float(histogram.edges[-1]))
            self._steady(self.histogram_plot, "y", 0.0, float(histogram.counts.max()))
            self._histogram_drawn = self._layer
        elif self._histogram_drawn != self._layer:
            self.histogram_curve.setData([0.0, 1.0], [0.0])
        stats = result.stats.get(self._layer)
        if stats is not None:
            means = stats.channel_means
            if self._means_count != len(means):
                self._means_count = len(means)
                self._means_edges = np.arange(len(means) + 1, dtype=float) - 0.5
                self.means_plot.setXRange(-0.5, len(means) - 0.5, padding=0)
            self.means_curve.setData(self._means_edges, means)
            self._steady(self.means_plot, "y", min(0.0, float(means.min())), max(0.0, float(means.max())))

    def _steady(self, plot: pg.PlotItem, axis: str, low: float, high: float) -> None:
        current = plot.viewRange()[0 if axis == "x" else 1]
        # A layer change invalidates the old range even if the new data happens to fit inside it.
        fresh = self._range_layer.get((id(plot), axis)) != self._layer
        new = steady_range(None if fresh else tuple(current), low, high)
        if new is not None:
            self._range_layer[(id(plot), axis)] = self._layer
            if axis == "x":
                plot.setXRange(*new, padding=0)
            else:
                plot.setYRange(*new, padding=0)

    def _update_titles(self) -> None:
        missing = self._histogram_drawn != self._layer
        unit = "mean per channel" if self._layer in SPATIAL_LAYERS else "unit values"
        histogram_text = f"{self._layer} histogram" + (" (not computed for this frame)" if missing else "")
        set_text_if_changed(self.histogram_title, histogram_text)
        set_text_if_changed(self.means_title, f"{self._layer} {unit}")

    def _highlight_layer_bar(self) -> None:
        brushes = [_SELECTED_BRUSH if name == self._layer else _BAR_BRUSH for name in LAYER_NAMES]
        self.sparsity_bars.setOpts(brushes=brushes)

    def _column_widths(self) -> list[int]:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        widths = []
        for column, sample in enumerate(COLUMN_SAMPLES):
            widths.append(max(metrics.horizontalAdvance(sample) + CELL_PADDING,
                              header.sectionSizeFromContents(column).width()))
        return widths

    def _fit_layer_ticks(self) -> None:
        axis = self.sparsity_plot.getAxis("bottom")
        span = SPARSITY_X_RANGE[1] - SPARSITY_X_RANGE[0]
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        ticks = fitting_ticks(self.sparsity_plot.vb.width() / span, metrics.horizontalAdvance)
        if ticks is not self._ticks:
            self._ticks = ticks
            axis.setTicks([ticks])

    def _select_row(self, name: str) -> None:
        row = LAYER_NAMES.index(name)
        if self.table.currentRow() != row:
            self.table.blockSignals(True)
            self.table.selectRow(row)
            self.table.blockSignals(False)

    def _on_row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            name = LAYER_NAMES[rows[0].row()]
            if name != self._layer:
                self.set_layer(name)
                self.layer_selected.emit(name)
