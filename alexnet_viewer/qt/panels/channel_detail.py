"""One channel large, on its colour scale, optionally laid over the crop the network saw.

The channel's map is placed on the crop by receptive-field geometry (core/receptive_field):
each cell is a stride-wide square centred on the centre of the part of the crop it sees,
so a pool5 cell sits over its 195-pixel field's centre, not over a 224/6 stretch.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout

from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.panels.colormaps import DEFAULT_COLORMAP, colormap, lookup_table
from alexnet_viewer.qt.panels.style import (
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.panels.ticks import ColorBar

PLACEHOLDER_SIDE = 224  # the view's range until the first crop comes; then the crop's own size
DEFAULT_OPACITY = 60
WAITING = "The layer's strongest channel shows here."


def map_rect(layer: str, shape: tuple[int, int]) -> QRectF:
    """Where a spatial layer's (H, W) map lies on the crop: cell (y, x) is the stride-sided
    square centred on the centre of that cell's receptive field."""
    from alexnet_viewer.core.inspect.receptive_field import layer_geometry  # torch is loaded by now

    _size, stride, first_centre = layer_geometry(layer)
    corner = first_centre - stride / 2
    return QRectF(corner, corner, shape[1] * stride, shape[0] * stride)


class ChannelDetail(TitledPanel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Channel", wrap=True)  # "conv5 · channel 212 (strongest)" whole in a narrow column
        self.stats_label = caption_label(WAITING, wrap=True)
        self.hint = hint_label("Channel detail")
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground(PLOT_BACKGROUND)
        self.plot_widget.setMinimumSize(160, 140)
        self.view_box = self.plot_widget.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setMouseEnabled(False, False)
        self.view_box.disableAutoRange()
        self.crop_item = pg.ImageItem(axisOrder="row-major")
        self.overlay_item = pg.ImageItem(axisOrder="row-major")
        self.overlay_item.setZValue(1)
        self.view_box.addItem(self.crop_item)
        self.view_box.addItem(self.overlay_item)
        # Both live in crop coordinates: each cell of the map sits over the centre of what it sees.
        self.view_box.setRange(xRange=(0, PLACEHOLDER_SIDE), yRange=(0, PLACEHOLDER_SIDE), padding=0.01)
        self.color_bar = ColorBar((0.0, 1.0), colormap(DEFAULT_COLORMAP))
        self.plot_widget.addItem(self.color_bar)

        self.overlay_check = QCheckBox("Overlay on input")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(DEFAULT_OPACITY)
        self.opacity_label = QLabel(f"{DEFAULT_OPACITY} %")
        self.opacity_label.setMinimumWidth(self.opacity_label.fontMetrics().horizontalAdvance("100 %"))
        self.overlay_check.toggled.connect(self._apply_overlay)
        self.opacity_slider.valueChanged.connect(self._apply_overlay)

        controls = QHBoxLayout()
        controls.setSpacing(8)
        controls.addWidget(self.overlay_check)
        controls.addWidget(self.opacity_slider, 1)
        controls.addWidget(self.opacity_label)
        layout = apply_spacing(QVBoxLayout(self), margins=0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.hint)
        layout.addLayout(controls)
        layout.addWidget(self.stats_label)

        self._colormap_name = DEFAULT_COLORMAP
        self._selection: tuple[str, int] | None = None
        self._crop_shown = None
        self._spatial = True  # fc units are one number: laying them over the picture would mislead
        self._apply_overlay()

    @property
    def selection(self) -> tuple[str, int] | None:
        return self._selection

    @property
    def overlay_opacity(self) -> float:
        return self.overlay_item.opacity()

    def set_colormap(self, name: str) -> None:
        self._colormap_name = name
        self.overlay_item.setLookupTable(lookup_table(name))
        self.color_bar.setColorMap(colormap(name))

    def show_channel(self, result: Result, layer: str, channel: int, levels: tuple[float, float],
                     strongest: bool = False) -> None:
        """Show ``channel`` of ``layer`` scaled by ``levels``, the layer's mosaic levels.

        ``strongest``: it was picked as the layer's strongest channel, which the title says.
        """
        self._selection = (layer, channel)
        activations = result.activations[layer]
        values = activations[channel]
        if values.ndim == 0:
            values = values.reshape(1, 1)  # an fc unit: one value, shown as one swatch
        low, high = levels
        self.overlay_item.setImage(
            values, lut=lookup_table(self._colormap_name), levels=(low, high if high > low else low + 1e-6),
            autoLevels=False,
        )
        crop_h, crop_w = result.crop.shape[:2]
        self.overlay_item.setRect(map_rect(layer, values.shape) if activations.ndim == 3 else
                                  QRectF(0, 0, crop_w, crop_h))
        self.color_bar.setLevels(values=(low, high))
        if result.crop is not self._crop_shown:
            if self._crop_shown is None or self._crop_shown.shape != result.crop.shape:
                self.view_box.setRange(xRange=(0, crop_w), yRange=(0, crop_h), padding=0.01)
            self._crop_shown = result.crop
            self.crop_item.setImage(result.crop, autoLevels=False)
        if self._spatial != (activations.ndim == 3):
            self._spatial = activations.ndim == 3
            self.overlay_check.setEnabled(self._spatial)
            self._apply_overlay()
        kind = "unit" if activations.ndim == 1 else "channel"
        set_text_if_changed(self.title, f"{layer} · {kind} {channel}" + (" (strongest)" if strongest else ""))
        if activations.ndim == 1:
            text = f"value {float(values[0, 0]):.3f}"
        else:
            mean = float(result.stats[layer].channel_means[channel])
            text = f"mean {mean:.3f} · min {float(values.min()):.3f} · max {float(values.max()):.3f}"
        set_text_if_changed(self.stats_label, text)

    def _apply_overlay(self) -> None:
        overlay = self.overlay_check.isChecked() and self._spatial
        percent = self.opacity_slider.value()
        set_text_if_changed(self.opacity_label, f"{percent} %")
        self.opacity_slider.setEnabled(overlay)
        self.crop_item.setVisible(overlay)
        self.overlay_item.setOpacity(percent / 100 if overlay else 1.0)
