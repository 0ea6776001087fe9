"""The architecture of the loaded AlexNet as a table: one row per layer and a totals row.

The numbers are the core's (``core/architecture.py``), computed from the model's modules.
Selecting a row selects that layer everywhere; the current layer's row follows the
layer chosen anywhere else.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QTableWidgetItem,
    QVBoxLayout,
)

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    row_table,
    title_label,
)

COLUMNS = ("layer", "type", "kernel", "stride", "padding", "output", "parameters", "MACs", "RF size", "RF stride")
# Each header set from most to least informative; the table shows the first whose columns all
# fit its width (a projector at 1280×800 has room for the last). Every set has a two-line
# header, so switching never changes the header's height.
HEADER_CHOICES = (
    ("layer", "type", "kernel", "stride", "padding", "output", "params", "MACs", "RF\nsize", "RF\nstride"),
    ("layer", "type", "kernel", "stride", "pad", "output", "params", "MACs", "RF\nsize", "RF\nstride"),
    ("layer", "type", "kernel", "s", "p", "output", "params", "MACs", "RF\nsize", "RF\nstride"),
)
COLUMN_TIPS = (
    "Layer of AlexNet, in the order the picture flows through them",
    "The torch module",
    "Kernel: height × width",
    "Stride: the step between kernel positions",
    "Padding: zeros added around the input",
    "Output for one 224×224 crop: channels × height × width, C×S² when square (fc layers: units)",
    "Learned weights and biases (the exact count in each cell's tooltip)",
    "Multiply-accumulates for one 224×224 crop (convolutions and fully connected layers; bias adds not "
    "counted; the exact count in each cell's tooltip)",
    "Side of the square of the crop, in pixels, that one unit of this layer sees",
    "Pixels of the crop between the fields of neighbouring units",
)
NUMERIC = {"stride", "padding", "parameters", "MACs", "RF size", "RF stride"}
NONE_TEXT = "–"
TOTALS = "total"
WAITING = "The table appears once the model is loaded."
UNITS = (("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12))


def compact_count(count: int) -> str:
    """A count in three significant digits: 23296 → "23.3 k", 70276800 → "70.3 M"."""
    if abs(count) < 1000:
        return str(count)
    for unit, scale in UNITS:
        figure = f"{count / scale:.3g}"
        if abs(float(figure)) < 1000:  # 999,950 is "1 M", not "1e+03 k"
            break
    return f"{figure} {unit}"


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)  # only the weight: the size comes from the table, also when enlarged
    return font


def _square(pair) -> str:
    if pair is None:
        return NONE_TEXT
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def output_text(shape: tuple[int, ...]) -> str:
    """192×27×27 as "192×27²"; an fc layer's units as they are."""
    if len(shape) == 3 and shape[1] == shape[2]:
        return f"{shape[0]}×{shape[1]}²"
    return "×".join(str(size) for size in shape)


def row_texts(row) -> tuple[str, ...]:
    kernel = NONE_TEXT if row.kernel is None else f"{row.kernel[0]}×{row.kernel[1]}"
    return (
        row.name, row.type, kernel, _square(row.stride), _square(row.padding),
        output_text(row.output_shape), compact_count(row.params), compact_count(row.macs),
        NONE_TEXT if row.rf_size is None else str(row.rf_size),
        NONE_TEXT if row.rf_stride is None else str(row.rf_stride),
    )


def _exact(params: int, macs: int) -> dict[str, str]:
    return {"parameters": f"{params:,} parameters", "MACs": f"{macs:,} multiply-accumulates"}


def row_tips(row) -> dict[str, str]:
    """The exact figures behind the compact cells, by column."""
    shape = row.output_shape
    return {**_exact(row.params, row.macs),
            "output": f"{' × '.join(str(size) for size in shape)} = {math.prod(shape):,} values"}


def totals_texts(architecture) -> tuple[str, ...]:
    texts = [""] * len(COLUMNS)
    texts[0] = TOTALS
    texts[COLUMNS.index("parameters")] = compact_count(architecture.total_params)
    texts[COLUMNS.index("MACs")] = compact_count(architecture.total_macs)
    return tuple(texts)


def summary_text(architecture) -> str:
    return (f"{architecture.total_params:,} parameters · {architecture.total_macs / 1e9:.3f} G multiply-accumulates "
            "per 224×224 crop · computed from the loaded model")


class ArchitecturePanel(TitledPanel):
    layer_selected = Signal(str)  # the user picked a layer's row

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Architecture")
        self.table = row_table(0, HEADER_CHOICES[0], COLUMN_TIPS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(1)  # a column of one digit under "s" is that narrow
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        self.table.installEventFilter(self)  # its type enlarged (presentation mode)
        self.table.viewport().installEventFilter(self)  # its width changed
        self.hint = hint_label("Architecture")
        self.summary = caption_label(WAITING, wrap=True)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.summary)
        self.architecture = None
        self._layer = "conv1"

    def set_architecture(self, architecture) -> None:
        self.architecture = architecture
        rows = [(row_texts(row), row_tips(row)) for row in architecture.layers]
        rows.append((totals_texts(architecture), _exact(architecture.total_params, architecture.total_macs)))
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for row, (texts, tips) in enumerate(rows):
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if COLUMNS[column] in tips:
                    item.setToolTip(tips[COLUMNS[column]])
                if COLUMNS[column] in NUMERIC:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row == len(rows) - 1:
                    item.setFont(_bold())
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.summary.setText(summary_text(architecture))
        self.set_current_layer(self._layer)
        self.fit_headers()

    # Headers that fit
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if (watched is self.table.viewport() and event.type() == QEvent.Type.Resize
                or watched is self.table and event.type() == QEvent.Type.FontChange):
            self.fit_headers()
        return False

    def columns_width(self, labels: tuple[str, ...] | None = None) -> int:
        """What the columns need side by side under ``labels`` (those shown: None): the widest
        cell or header of each, as resize-to-contents gives them."""
        header, table = self.table.horizontalHeader(), self.table
        lines = header.fontMetrics()

        def text_width(label: str) -> int:
            return max(lines.horizontalAdvance(line) for line in label.split("\n"))

        total = 0
        for column, shown in enumerate(self.headers):
            heading = header.sectionSizeFromContents(column).width()
            if labels is not None:  # the same margins around another text
                heading += text_width(labels[column]) - text_width(shown)
            total += max(heading, table.sizeHintForColumn(column))
        return total

    def fit_headers(self) -> None:
        """Show the most informative headers under which every column fits the table's width,
        so nothing is cut and nothing scrolls sideways (the shortest if none fits)."""
        available = self.table.viewport().width()
        chosen = next((labels for labels in HEADER_CHOICES if self.columns_width(labels) <= available),
                      HEADER_CHOICES[-1])
        for column, label in enumerate(chosen):
            item = self.table.horizontalHeaderItem(column)
            if item.text() != label:
                item.setText(label)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(self.table.horizontalHeaderItem(column).text() for column in range(self.table.columnCount()))

    @property
    def current_layer(self) -> str:
        return self._layer

    def set_current_layer(self, name: str) -> None:
        """Highlight ``name``'s row (the layer was chosen elsewhere); emits nothing."""
        self._layer = name
        row = self._row_of(name)
        if row is not None and self.table.currentRow() != row:
            self.table.blockSignals(True)
            self.table.selectRow(row)
            self.table.blockSignals(False)

    def _row_of(self, name: str) -> int | None:
        if self.architecture is None:
            return None
        names = [row.name for row in self.architecture.layers]
        return names.index(name) if name in names else None

    def _on_row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.architecture is None or rows[0].row() >= len(self.architecture.layers):
            return
        name = self.architecture.layers[rows[0].row()].name
        if name in LAYER_NAMES and name != self._layer:
            self._layer = name
            self.layer_selected.emit(name)
