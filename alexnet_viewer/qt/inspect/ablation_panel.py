"""Switching channels off in the window: the list of what is off, and the marks on the mosaic.

Ctrl-click (⌘-click) on a tile of a conv, relu or pool map toggles that channel; the
Ablation dock lists every channel that is off with a button to turn it back on, takes
``LAYER:C1,C2`` typed in, and resets. Every change goes out as a canonical
``AblationSpec`` (core/ablation.py) in the window's ViewRequest, so the next frame runs
with it and the top-5 and every later layer change live. Ablated tiles of the layer on
screen are crossed out in red.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)

NOTHING_OFF = "Nothing is switched off"
MARK_PEN = pg.mkPen("#ff3b30", width=2)
AblationSpec = tuple  # core.ablation.AblationSpec; that module loads torch, so it is imported when used


def toggled(spec: AblationSpec, layer: str, channel: int) -> AblationSpec:
    """``spec`` with ``channel`` of ``layer`` switched the other way."""
    from alexnet_viewer.core.frame.ablation import check_ablations

    channels = set(dict(spec).get(layer, ()))
    channels ^= {channel}
    rest = [(name, chosen) for name, chosen in spec if name != layer]
    return check_ablations([*rest, (layer, tuple(channels))])


class AblationController(QObject):
    changed = Signal(object)  # AblationSpec

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.spec: AblationSpec = ()

    def set_spec(self, spec) -> None:
        from alexnet_viewer.core.frame.ablation import check_ablations

        spec = check_ablations(spec)
        if spec != self.spec:
            self.spec = spec
            self.changed.emit(spec)

    def toggle(self, layer: str, channel: int) -> None:
        self.set_spec(toggled(self.spec, layer, channel))

    def add_text(self, text: str) -> None:
        """Add ``LAYER:C1,C2``; ValueError with the sentence if it is not one."""
        from alexnet_viewer.core.frame.ablation import parse_ablation

        layer, channels = parse_ablation(text)
        self.set_spec([*self.spec, (layer, channels)])

    def reset(self) -> None:
        self.set_spec(())


class AblationPanel(TitledPanel):
    def __init__(self, controller: AblationController, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.title = title_label("Ablation")
        self.hint = hint_label("Ablation")
        self.list = QListWidget()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("conv5:3,7")
        self.entry.setToolTip("A layer and the channels to switch off, e.g. conv5:3,7")
        self.add_button = QPushButton("Switch off")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Switch every channel back on")
        self.status_label = caption_label(NOTHING_OFF, wrap=True)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.reset_button)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        self.add_button.clicked.connect(self._add_typed)
        self.entry.returnPressed.connect(self._add_typed)
        self.reset_button.clicked.connect(controller.reset)
        controller.changed.connect(self.show_spec)
        self.show_spec(controller.spec)

    def _add_typed(self) -> None:
        try:
            self.controller.add_text(self.entry.text())
        except ValueError as error:
            set_text_if_changed(self.status_label, str(error))
            return
        self.entry.clear()

    def show_spec(self, spec: AblationSpec) -> None:
        self.list.clear()
        for layer, channels in spec:
            for channel in channels:
                self._add_row(layer, channel)
        count = sum(len(channels) for _, channels in spec)
        self.reset_button.setEnabled(count > 0)
        summary = "; ".join(f"{layer}: {', '.join(map(str, channels))}" for layer, channels in spec)
        set_text_if_changed(self.status_label, f"{count} off — {summary}" if count else NOTHING_OFF)

    def _add_row(self, layer: str, channel: int) -> None:
        item = QListWidgetItem()
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(6, 1, 2, 1)
        line.addWidget(caption_label(f"{layer} · channel {channel}"), 1)
        button = QToolButton()
        button.setText("✕")
        button.setToolTip(f"Switch {layer} channel {channel} back on")
        button.clicked.connect(lambda _=False: self.controller.toggle(layer, channel))
        line.addWidget(button)
        item.setSizeHint(row.sizeHint())
        item.setData(Qt.ItemDataRole.UserRole, (layer, channel))
        self.list.addItem(item)
        self.list.setItemWidget(item, row)

    def rows(self) -> list[tuple[str, int]]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def remove_button(self, index: int) -> QToolButton:
        return self.list.itemWidget(self.list.item(index)).findChild(QToolButton)


class AblationMarks:
    """Red crosses over the ablated tiles of the mosaic on screen."""

    def __init__(self, maps_panel) -> None:
        self.maps = maps_panel
        self.item = QGraphicsPathItem()
        self.item.setPen(MARK_PEN)
        self.item.setZValue(11)
        maps_panel.canvas.view_box.addItem(self.item)
        self.spec: AblationSpec = ()
        self.marked: tuple[int, ...] = ()
        self._key = None

    def update(self, spec: AblationSpec | None = None) -> None:
        if spec is not None:
            self.spec = spec
        mosaic, layer = self.maps.mosaic, self.maps.shown_layer
        channels = dict(self.spec).get(layer, ()) if mosaic is not None else ()
        key = (channels, layer, None if mosaic is None else (mosaic.order, mosaic.grid, mosaic.tile, mosaic.gap))
        if key == self._key:
            return
        self._key = key
        path = QPainterPath()
        self.marked = tuple(channel for channel in channels if mosaic is not None and channel in mosaic.order)
        for channel in self.marked:
            top, left = mosaic.tile_origin(channel)
            rect = QRectF(left, top, mosaic.tile[1], mosaic.tile[0])
            path.addRect(rect)
            path.moveTo(rect.topLeft())
            path.lineTo(rect.bottomRight())
            path.moveTo(rect.topRight())
            path.lineTo(rect.bottomLeft())
        self.item.setPath(path)
