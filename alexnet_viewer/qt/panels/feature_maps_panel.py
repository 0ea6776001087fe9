"""Every channel of one layer as a single tiled image, plus one channel in detail.

The detail shows the channel the user clicked in that layer, else the layer's strongest one
(highest mean activation), so it is never empty once a picture is shown.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS
from alexnet_viewer.core.frame.result import Mosaic, Result
from alexnet_viewer.core.session import ViewerState
from alexnet_viewer.qt.lecture.gestures import hint
from alexnet_viewer.qt.panels.colormaps import (
    COLORMAP_NAMES,
    mosaic_lookup_table,
)
from alexnet_viewer.qt.panels.channel_detail import ChannelDetail
from alexnet_viewer.qt.panels.image_canvas import ImageCanvas
from alexnet_viewer.qt.panels.style import (
    PLOT_BACKGROUND,
    apply_spacing,
    caption_label,
    set_text_if_changed,
    title_label,
)

CHANNEL_ORDERS = (("index", "index"), ("mean activation", "mean"))
WIDE_LAYOUT_PX = 600
HINT = hint("Feature maps")
# An automatic pick moves to a new strongest channel only when that one leads by this share of
# the spread of channel means, so near-ties in a live video do not make the detail flicker.
SWITCH_MARGIN = 0.05


def describe_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"{shape[0]} units"
    return f"{shape[0]} channels · {shape[1]}×{shape[2]}"


class FeatureMapsPanel(QWidget):
    """Shows ``state``'s layer, colour map and channel order and writes the user's choices
    there (a panel made without a state keeps one of its own)."""

    layer_changed = Signal(str)  # the state's layer changed (the panel follows it)
    channel_order_changed = Signal(str)
    channel_selected = Signal(str, int)
    # (layer, channel, y, x) of a conv/relu/pool map cell under the mouse / plainly clicked
    cell_hovered = Signal(str, int, int, int)
    cell_left = Signal()
    cell_clicked = Signal(str, int, int, int)
    channel_toggled = Signal(str, int)  # Ctrl-click (⌘-click) on a conv/relu/pool tile: switch it off or on

    def __init__(self, state: ViewerState | None = None, parent=None) -> None:
        super().__init__(parent)
        self.state = state if state is not None else ViewerState()
        self.layer_combo = QComboBox()
        self.layer_combo.addItems(LAYER_NAMES)
        self.colormap_combo = QComboBox()
        self.colormap_combo.addItems(COLORMAP_NAMES)
        self.order_combo = QComboBox()
        for text, key in CHANNEL_ORDERS:
            self.order_combo.addItem(text, key)
        self.order_combo.setToolTip("Order tiles by channel index, or strongest mean activation first")

        self.title = title_label(self.state.layer)
        self.canvas = ImageCanvas(self, mouse_zoom=True)
        self.selection_box = QGraphicsRectItem()
        self.selection_box.setPen(QPen(QColor("white"), 0))
        self.selection_box.setZValue(10)
        self.selection_box.hide()
        self.canvas.view_box.addItem(self.selection_box)
        self.hover_label = caption_label(HINT)
        self.channel_detail = ChannelDetail()

        controls = QHBoxLayout()
        controls.setSpacing(8)
        self.control_captions: list[QLabel] = []
        for caption, combo in (("Layer", self.layer_combo), ("Colours", self.colormap_combo),
                               ("Order", self.order_combo)):
            label = QLabel(caption)
            self.control_captions.append(label)
            controls.addWidget(label)
            controls.addWidget(combo)
            combo.setToolTip(combo.toolTip() or f"{caption} of the feature maps")
            combo.setMinimumWidth(60)
        controls.addStretch(1)
        mosaic_side = QWidget()
        mosaic_layout = apply_spacing(QVBoxLayout(mosaic_side), margins=0)
        mosaic_layout.addWidget(self.title)
        mosaic_layout.addWidget(self.canvas, 1)
        mosaic_layout.addWidget(self.hover_label)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(mosaic_side)
        self.splitter.addWidget(self.channel_detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([600, 400])
        layout = apply_spacing(QVBoxLayout(self))
        layout.addLayout(controls)
        layout.addWidget(self.splitter, 1)

        # One Result is on screen at a time: its mosaic, the values read under the mouse and
        # the channel in the detail all come from ``_result``; ``_latest`` may be newer.
        self._result: Result | None = None
        self._latest: Result | None = None
        self._shown_layer: str | None = None  # the layer the visible mosaic belongs to
        self._mosaic: Mosaic | None = None
        self._selected: tuple[str, int] | None = None  # what the detail shows
        self._automatic = False  # the shown channel was picked as the strongest, not by the user
        self._user_channels: dict[str, int] = {}  # the user's pick in each layer, kept across switches
        self.layer_combo.setCurrentText(self.state.layer)
        self.colormap_combo.setCurrentText(self.state.colormap)
        self.order_combo.setCurrentIndex(max(0, self.order_combo.findData(self.state.channel_order)))
        self._apply_colormap(self.state.colormap)
        # The combos write the state; the panel follows the state, whoever wrote it.
        self.layer_combo.currentTextChanged.connect(self.state.select_layer)
        self.colormap_combo.currentTextChanged.connect(lambda name: setattr(self.state, "colormap", name))
        self.order_combo.currentIndexChanged.connect(
            lambda _i: setattr(self.state, "channel_order", self.order_combo.currentData()))
        self.state.events.layer.connect(self._on_layer_chosen)
        self.state.events.colormap.connect(self._apply_colormap)
        self.state.events.channel_order.connect(self._on_order_chosen)
        self.canvas.pixel_hovered.connect(self.hover_at)
        self.canvas.pixel_left.connect(self._on_left)
        self.canvas.pixel_clicked.connect(self.click_at)
        self._wide: bool | None = None

    def resizeEvent(self, event) -> None:
        # Narrow panels stack the detail under the mosaic and drop the combo captions.
        wide = event.size().width() >= WIDE_LAYOUT_PX
        if wide != self._wide:
            self._wide = wide
            self.splitter.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
            for label in self.control_captions:
                label.setVisible(wide)
        super().resizeEvent(event)

    @property
    def layer(self) -> str:
        return self.state.layer

    @property
    def shown_layer(self) -> str | None:
        return self._shown_layer

    @property
    def selected_channel(self) -> tuple[str, int] | None:
        """The user's pick in the current layer (shown once its data arrives), else the strongest
        channel in the detail."""
        if self.layer in self._user_channels:
            return self.layer, self._user_channels[self.layer]
        return self._selected

    @property
    def channel_is_automatic(self) -> bool:
        return self.layer not in self._user_channels and self._selected is not None

    def select_layer(self, name: str) -> None:
        if name not in LAYER_NAMES:
            raise ValueError(f"unknown layer {name!r}")
        self.state.select_layer(name)  # emits layer_changed when it differs

    def set_channel_order(self, key: str) -> None:
        if self.order_combo.findData(key) < 0:
            raise ValueError(f"unknown channel order {key!r}")
        self.state.channel_order = key

    def select_channel(self, layer: str, channel: int) -> None:
        """Select a channel, switching layer first if needed (the detail fills in when data arrives)."""
        self.select_layer(layer)
        self._user_channels[layer] = channel
        self.state.channel = channel
        self._update_selection()
        self.channel_selected.emit(layer, channel)

    def show_result(self, result: Result) -> None:
        """Show ``result`` whole; one without this layer's mosaic (asked for before a layer
        switch) leaves the previous result on screen, never half of each."""
        self._latest = result
        if self.layer in result.mosaics:
            self._show_mosaic(result, self.layer)
            self._update_selection()

    def _show_mosaic(self, result: Result, layer: str) -> None:
        mosaic = result.mosaics[layer]
        self._result, self._mosaic = result, mosaic
        self.canvas.set_image(mosaic.image, levels=(0, 255))
        self._shown_layer = layer
        set_text_if_changed(self.title, f"{layer} · {describe_shape(self._result.stats[layer].shape)}")

    def _update_selection(self) -> None:
        """Frame the detail's tile in the mosaic on screen and refresh the detail."""
        mosaic, result, layer = self._mosaic, self._result, self._shown_layer
        if mosaic is None or result is None:
            self.selection_box.hide()
            return
        channel, automatic = self._channel_for(layer, result)
        if channel is None or channel not in mosaic.order:
            self.selection_box.hide()
            return
        self._selected, self._automatic = (layer, channel), automatic
        rect = selection_rect(mosaic, channel)
        if self.selection_box.rect() != rect:
            self.selection_box.setRect(rect)
        self.selection_box.show()
        self.channel_detail.show_channel(result, layer, channel, mosaic.levels, strongest=automatic)

    def _channel_for(self, layer: str, result: Result) -> tuple[int | None, bool]:
        """The user's channel in ``layer``, else its strongest: (channel, picked automatically)."""
        if layer in self._user_channels:
            return self._user_channels[layer], False
        stats = result.stats.get(layer)
        if stats is None:
            return None, True
        means = stats.channel_means  # computed by the core; this only looks up the largest
        strongest = int(np.argmax(means))
        previous = self._selected if self._automatic else None
        if previous is not None and previous[0] == layer and previous[1] < len(means):
            lead = float(means[strongest]) - float(means[previous[1]])
            if lead <= SWITCH_MARGIN * (float(means[strongest]) - float(means.min())):
                return previous[1], True
        return strongest, True

    def read_out(self, row: float, col: float) -> str | None:
        """'conv2 · channel 17 · (y 5, x 9) = 3.214' for an image pixel of the mosaic."""
        if self._mosaic is None or self._result is None:
            return None
        hit = self._mosaic.channel_at(row, col)
        if hit is None:
            return None
        channel, y, x = hit
        activations = self._result.activations[self._shown_layer]
        if activations.ndim == 1:
            return f"{self._shown_layer} · unit {channel} = {float(activations[channel]):.3f}"
        return f"{self._shown_layer} · channel {channel} · (y {y}, x {x}) = {float(activations[channel, y, x]):.3f}"

    @property
    def mosaic(self) -> Mosaic | None:
        """The mosaic on screen (of ``shown_layer``)."""
        return self._mosaic

    def cell_at(self, row: float, col: float) -> tuple[str, int, int, int] | None:
        """(layer, channel, y, x) under a mosaic pixel of a conv/relu/pool layer, else None."""
        hit = self._mosaic.channel_at(row, col) if self._mosaic is not None else None
        return (self._shown_layer, *hit) if hit is not None and self._shown_layer in SPATIAL_LAYERS else None

    def hover_at(self, row: float, col: float) -> None:
        text = self.read_out(row, col)
        set_text_if_changed(self.hover_label, text if text is not None else HINT)
        cell = self.cell_at(row, col)
        if cell is None:
            self.cell_left.emit()
        else:
            self.cell_hovered.emit(*cell)

    def click_at(self, row: float, col: float) -> None:
        if self._mosaic is None:
            return
        hit = self._mosaic.channel_at(row, col)
        if hit is None:
            return
        cell = self.cell_at(row, col)
        if cell is not None and QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier:
            self.channel_toggled.emit(self._shown_layer, hit[0])  # Qt reads ⌘ as Control on macOS
            return
        self.select_channel(self._shown_layer, hit[0])
        if cell is not None:
            self.cell_clicked.emit(*cell)

    def _on_left(self) -> None:
        set_text_if_changed(self.hover_label, HINT)
        self.cell_left.emit()

    def _on_layer_chosen(self, name: str) -> None:
        _set_quietly(self.layer_combo, lambda: self.layer_combo.setCurrentText(name))
        # The detail keeps the old layer's channel, like the mosaic, until the new layer's data arrives.
        if self._latest is not None and name in self._latest.mosaics:
            self._show_mosaic(self._latest, name)
            self._update_selection()
        elif self._shown_layer is not None and name != self._shown_layer:
            # Nothing on screen changes but the title: no repaint of the old detail while the
            # worker draws the new layer (the GUI thread painting would only delay it).
            set_text_if_changed(self.title, f"{self._shown_layer} (loading {name}…)")
        self.layer_changed.emit(name)

    def _on_order_chosen(self, key: str) -> None:
        _set_quietly(self.order_combo, lambda: self.order_combo.setCurrentIndex(self.order_combo.findData(key)))
        self.channel_order_changed.emit(key)

    def _apply_colormap(self, name: str) -> None:
        _set_quietly(self.colormap_combo, lambda: self.colormap_combo.setCurrentText(name))
        self.canvas.image_item.setLookupTable(mosaic_lookup_table(name, PLOT_BACKGROUND))
        self.channel_detail.set_colormap(name)


def selection_rect(mosaic: Mosaic, channel: int) -> QRectF:
    """The frame around ``channel``'s tile: in the gap around it where there is one, else (fc
    layers, one pixel per unit and no gap) on the tile itself, so it never leaves the mosaic."""
    top, left = mosaic.tile_origin(channel)
    height, width = mosaic.tile
    margin = min(0.5, mosaic.gap / 2)
    rect = QRectF(left - margin, top - margin, width + 2 * margin, height + 2 * margin)
    bounds = QRectF(0, 0, mosaic.image.shape[1], mosaic.image.shape[0])
    return rect.intersected(bounds) if margin == 0 else rect


def _set_quietly(combo: QComboBox, change) -> None:
    """Make ``combo`` show the state without writing it back."""
    combo.blockSignals(True)
    try:
        change()
    finally:
        combo.blockSignals(False)
