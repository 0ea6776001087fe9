"""The architecture of the loaded AlexNet as a table: one row per layer and a totals row.

The numbers are the core's (``core/architecture.py``), computed from the model's modules.
Selecting a row selects that layer everywhere; the current layer's row follows the
layer chosen anywhere else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
# Two-line headers keep the table narrow enough for a projector at 1280×720.
HEADERS = ("layer", "type", "kernel", "stride", "pad-\nding", "output", "params", "MACs", "RF\nsize",
           "RF\nstride")
COLUMN_TIPS = (
    "Layer of AlexNet, in the order the picture flows through them",
    "The torch module",
    "Kernel height × width", "Step between kernel positions", "Zeros added around the input",
    "Output for one 224×224 crop: channels × height × width (fc layers: units)",
    "Learned weights and biases",
    "Multiply-accumulates for one 224×224 crop (convolutions and fully connected layers; bias adds not counted)",
    "Side of the square of the crop, in pixels, that one unit of this layer sees",
    "Pixels of the crop between the fields of neighbouring units",
)
NUMERIC = {"stride", "padding", "parameters", "MACs", "RF size", "RF stride"}
NONE_TEXT = "–"
TOTALS = "total"
WAITING = "The table appears once the model is loaded."


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)  # only the weight: the size comes from the table, also when enlarged
    return font


def _square(pair) -> str:
    if pair is None:
        return NONE_TEXT
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def row_texts(row) -> tuple[str, ...]:
    kernel = NONE_TEXT if row.kernel is None else f"{row.kernel[0]}×{row.kernel[1]}"
    return (
        row.name, row.type, kernel, _square(row.stride), _square(row.padding),
        "×".join(str(size) for size in row.output_shape), f"{row.params:,}", f"{row.macs:,}",
        NONE_TEXT if row.rf_size is None else str(row.rf_size),
        NONE_TEXT if row.rf_stride is None else str(row.rf_stride),
    )


def totals_texts(architecture) -> tuple[str, ...]:
    texts = [""] * len(COLUMNS)
    texts[0] = TOTALS
    texts[COLUMNS.index("parameters")] = f"{architecture.total_params:,}"
    texts[COLUMNS.index("MACs")] = f"{architecture.total_macs:,}"
    return tuple(texts)


def summary_text(architecture) -> str:
    return (f"{architecture.total_params:,} parameters · {architecture.total_macs / 1e9:.3f} G multiply-accumulates "
            "per 224×224 crop · computed from the loaded model")


class ArchitecturePanel(TitledPanel):
    layer_selected = Signal(str)  # the user picked a layer's row

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Architecture")
        self.table = row_table(0, HEADERS, COLUMN_TIPS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
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
        rows = [row_texts(row) for row in architecture.layers] + [totals_texts(architecture)]
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for row, texts in enumerate(rows):
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if COLUMNS[column] in NUMERIC:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row == len(rows) - 1:
                    item.setFont(_bold())
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.summary.setText(summary_text(architecture))
        self.set_current_layer(self._layer)

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
