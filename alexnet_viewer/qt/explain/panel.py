"""The Explain panel: which method, of what, and the map it drew over the frame it explains.

Only views: it says what the user chose (signals) and draws an ``Explanation`` the
controller hands it. Heat maps (Grad-CAM, occlusion) lie over the picture or over the 224
crop, in a colour map of the project's with a colour bar and an opacity; gradient images
(guided backprop, deconvnet, guided Grad-CAM, a unit's) are drawn as DVT drew them. The
pixels all come from the core's display helpers; changing the opacity, the colours or the
view redraws without computing anything again.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from alexnet_viewer.core.explain.display import gradient_image, heat_levels
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.qt.explain.jobs import HEAT, LAYER_METHODS, METHODS
from alexnet_viewer.qt.inspect.geometry import crop_box_on_picture
from alexnet_viewer.qt.panels.colormaps import COLORMAP_NAMES, colormap, lookup_table
from alexnet_viewer.qt.panels.image_canvas import stretch_over
from alexnet_viewer.qt.panels.style import (
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    completing_edit,
    hint_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.panels.ticks import ColorBar

GRADIENT_VIEWS = (("raw", "Raw"), ("gray", "Grey"), ("norm", "Normalised"), ("normblur", "Normalised + blurred"))
DEFAULT_HEAT_COLOURS = "inferno"
DEFAULT_OPACITY = 60
HINT = "Open a picture: the top-1 class is explained as soon as its result is drawn."


class ExplainPanel(TitledPanel):
    method_changed = Signal(str)
    layer_changed = Signal(str)
    top1_chosen = Signal()
    class_entered = Signal(str)  # the text typed (or completed) in the class box
    unit_chosen = Signal(bool)  # "the selected unit"; True: just the clicked cell of it
    cancel_requested = Signal()
    restart_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Why AlexNet thinks so")
        self.method_combo = QComboBox()
        for key, (text, _kind, _unit) in METHODS.items():
            self.method_combo.addItem(text, key)
        self.method_combo.setToolTip("How to explain the target")
        self.layer_combo = QComboBox()
        self.layer_combo.addItems(SPATIAL_LAYERS)  # the core's default is chosen once torch is in (set_default_layer)
        self.layer_combo.setToolTip("The layer Grad-CAM weighs (relu5: the last conv layer, rectified)")
        self.top1_button = QPushButton("Top-1")
        self.top1_button.setToolTip("Explain each frame's most likely class (or click a top-5 bar)")
        self.class_edit, self.completions, completer = completing_edit("a class name, e.g. tabby", self)
        completer.activated.connect(self._on_completed)
        self.unit_button = QPushButton("Selected unit")
        self.unit_button.setToolTip("The channel picked in the feature maps (click a tile)")
        self.cell_check = QCheckBox("Only the clicked cell")
        self.cell_check.setToolTip("One neuron of the channel: the cell last clicked in the feature maps")
        for button in (self.top1_button, self.unit_button):
            button.setCheckable(True)

        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground(PLOT_BACKGROUND)
        self.plot.setMinimumSize(200, 180)
        self.plot.ci.layout.setContentsMargins(0, 8, 4, 8)  # room for the colour bar's end labels
        self.view_box = self.plot.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setMouseEnabled(False, False)
        self.view_box.disableAutoRange()
        self.picture_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setZValue(1)
        self.view_box.addItem(self.picture_item)
        self.view_box.addItem(self.heat_item)
        self.color_bar = ColorBar((0.0, 1.0), colormap(DEFAULT_HEAT_COLOURS))
        self.plot.addItem(self.color_bar)

        self.crop_button = QPushButton("224 crop")
        self.crop_button.setCheckable(True)
        self.crop_button.setToolTip("Lay the map over the crop the network saw instead of the whole picture")
        self.colours_combo = QComboBox()
        self.colours_combo.addItems(COLORMAP_NAMES)
        self.colours_combo.setCurrentText(DEFAULT_HEAT_COLOURS)
        self.colours_combo.setToolTip("Colours of the heat map")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(DEFAULT_OPACITY)
        self.opacity_slider.setToolTip("Opacity of the heat map over the picture")
        self.opacity_label = QLabel()
        self.opacity_label.setMinimumWidth(self.opacity_label.fontMetrics().horizontalAdvance("100 %"))
        self.gradient_combo = QComboBox()
        for key, text in GRADIENT_VIEWS:
            self.gradient_combo.addItem(text, key)
        self.gradient_combo.setToolTip("How the gradient image is drawn (as the Deep Visualization Toolbox did)")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.cancel_button = QPushButton("Cancel")
        self.caption = caption_label(HINT, wrap=True)
        self.hint = hint_label("Explain")

        method_row, target_row, unit_row, display_row, progress_row = (QHBoxLayout() for _ in range(5))
        method_row.addWidget(self.method_combo, 1)
        self.layer_caption = QLabel("at")
        method_row.addWidget(self.layer_caption)
        method_row.addWidget(self.layer_combo)
        target_row.addWidget(self.top1_button)
        target_row.addWidget(self.class_edit, 1)
        unit_row.addWidget(self.unit_button)
        unit_row.addWidget(self.cell_check)
        unit_row.addStretch(1)
        display_row.addWidget(self.crop_button)
        display_row.addWidget(self.colours_combo)
        display_row.addWidget(self.opacity_slider, 1)
        display_row.addWidget(self.opacity_label)
        display_row.addWidget(self.gradient_combo, 1)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        for row in (method_row, target_row, unit_row):
            layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.hint)
        layout.addLayout(display_row)
        layout.addLayout(progress_row)
        layout.addWidget(self.caption)

        self._explanation = None
        self._picture_shown = None  # the array on screen, so a redraw of the same frame is free
        self._picture_size: tuple[int, int] | None = None  # (H, W) of the picture it stands for
        self._gradient_cache: tuple | None = None  # (explanation, view, image)
        self._heat_kind = True
        self._cancel_restarts = False
        self.method_combo.currentIndexChanged.connect(self._on_method)
        self._layer_chosen = False
        self.layer_combo.activated.connect(lambda _index: setattr(self, "_layer_chosen", True))
        self.layer_combo.currentTextChanged.connect(self.layer_changed)
        self.top1_button.clicked.connect(lambda: self.top1_chosen.emit())
        self.class_edit.returnPressed.connect(lambda: self.class_entered.emit(self.class_edit.text()))
        self.unit_button.clicked.connect(lambda: self.unit_chosen.emit(self.cell_check.isChecked()))
        self.cell_check.toggled.connect(self._on_cell_toggled)
        self.cancel_button.clicked.connect(self._on_cancel)
        for signal in (self.crop_button.toggled, self.opacity_slider.valueChanged, self.gradient_combo.currentIndexChanged):
            signal.connect(self._redraw)
        self.colours_combo.currentTextChanged.connect(self._on_colours)
        self._on_method()
        self.show_progress(None)

    # What the user chose
    @property
    def method(self) -> str:
        return self.method_combo.currentData()

    @property
    def layer(self) -> str:
        return self.layer_combo.currentText()

    @property
    def cell_only(self) -> bool:
        return self.cell_check.isChecked()

    def set_method(self, key: str) -> None:
        index = self.method_combo.findData(key)
        if index < 0:
            raise ValueError(f"unknown method {key!r}; choose one of {tuple(METHODS)}")
        self.method_combo.setCurrentIndex(index)

    def set_default_layer(self, name: str) -> None:
        """The core's default CAM layer, unless the user chose one already."""
        if not self._layer_chosen:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setCurrentText(name)
            self.layer_combo.blockSignals(False)

    def set_categories(self, names: list[str]) -> None:
        self.completions.setStringList(names)

    def set_target(self, mode: str, text: str = "") -> None:
        """Show the target chosen: mode "top1", "class" or "unit", and what it is in words."""
        self.top1_button.setChecked(mode == "top1")
        self.unit_button.setChecked(mode == "unit")
        if mode == "unit":
            self.class_edit.clear()
            self.class_edit.setPlaceholderText(text)
        else:
            self.class_edit.setPlaceholderText("a class name, e.g. tabby")
            if not self.class_edit.hasFocus() or mode == "top1":
                self.class_edit.setText(text)
        self._enable_methods(unit=mode == "unit")

    def _enable_methods(self, unit: bool) -> None:
        model = self.method_combo.model()
        for row, (_key, (_text, _kind, for_units)) in enumerate(METHODS.items()):
            model.item(row).setEnabled(for_units or not unit)

    # Drawing
    @property
    def explanation(self):
        return self._explanation

    @property
    def picture_shown(self):
        """The array under the heat map (the frame's picture or crop), or the gradient image."""
        return self._picture_shown

    @property
    def gradient_view(self) -> str:
        return self.gradient_combo.currentData()

    def show_explanation(self, explanation) -> None:
        self._explanation = explanation
        self._heat_kind = explanation.heat is not None
        if self._heat_kind:
            levels = heat_levels(explanation.heat)
            self.heat_item.setImage(explanation.heat, lut=lookup_table(self.colours_combo.currentText()),
                                    levels=levels, autoLevels=False)
            self.color_bar.setLevels(values=levels)
        text = explanation.job.request.describe()
        details = [f"frame {explanation.frame_id}", f"{explanation.ms:.0f} ms"]
        if explanation.note:
            details.insert(0, explanation.note)
        if explanation.job.ablated:
            details.append("channels switched off: the frame as shown")
        set_text_if_changed(self.caption, f"{text} · " + " · ".join(details))
        self._redraw()

    def show_message(self, text: str) -> None:
        set_text_if_changed(self.caption, text)

    def show_progress(self, fraction: float | None, text: str = "") -> None:
        """Occlusion's progress bar and Cancel; None hides them."""
        running = fraction is not None
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running or self._cancel_restarts)
        if running:
            self._cancel_restarts = False
            self.cancel_button.setText("Cancel")
            self.progress.setValue(round(fraction * 100))
            if text:
                set_text_if_changed(self.caption, text)

    def show_cancelled(self, text: str) -> None:
        """Occlusion was stopped: the button offers to start it again."""
        self._cancel_restarts = True
        self.show_progress(None)
        self.cancel_button.setText("Restart")
        set_text_if_changed(self.caption, text)

    def _redraw(self) -> None:
        percent = self.opacity_slider.value()
        set_text_if_changed(self.opacity_label, f"{percent} %")
        explanation = self._explanation
        if explanation is None:
            return
        result = explanation.job.result
        if self._heat_kind:
            on_crop = self.crop_button.isChecked()
            size = (result.crop if on_crop else result.image).shape[:2]
            self._show_picture(result.crop if on_crop else result.shown_picture, size)
            top, left, bottom, right = explanation.box
            if not on_crop:
                top, left, bottom, right = crop_box_on_picture(explanation.box, size)
            self.heat_item.setRect(QRectF(left, top, right - left, bottom - top))
            self.heat_item.setOpacity(percent / 100)
        else:
            cached = self._gradient_cache
            if cached is None or cached[0] is not explanation or cached[1] != self.gradient_view:
                cached = (explanation, self.gradient_view, gradient_image(explanation.maps, self.gradient_view))
                self._gradient_cache = cached
            self._show_picture(cached[2])
        self.heat_item.setVisible(self._heat_kind)
        self.color_bar.setVisible(self._heat_kind)
        self._show_display_controls()

    def _show_picture(self, picture, size: tuple[int, int] | None = None) -> None:
        """Draw ``picture``, stretched over ``size`` (H, W) when it is a smaller display copy."""
        if picture is self._picture_shown:
            return
        old = self._picture_shown
        self._picture_shown = picture
        self.picture_item.setImage(picture, autoLevels=False)
        height, width = stretch_over(self.picture_item, picture, size)
        if old is None or self._picture_size != (height, width):
            self.view_box.setRange(xRange=(0, width), yRange=(0, height), padding=0.01)
        self._picture_size = (height, width)

    def _show_display_controls(self) -> None:
        heat = METHODS[self.method][1] == HEAT if self._explanation is None else self._heat_kind
        for widget in (self.crop_button, self.colours_combo, self.opacity_slider, self.opacity_label):
            widget.setVisible(heat)
        self.gradient_combo.setVisible(not heat)

    # Reactions
    def _on_method(self) -> None:
        uses_layer = self.method in LAYER_METHODS
        self.layer_combo.setEnabled(uses_layer)
        self.layer_caption.setEnabled(uses_layer)
        if self._explanation is None:
            self._heat_kind = METHODS[self.method][1] == HEAT
            self._show_display_controls()
        self.method_changed.emit(self.method)

    def _on_completed(self, text: str) -> None:
        self.class_edit.setText(text)
        self.class_entered.emit(text)

    def _on_cell_toggled(self, _checked: bool) -> None:
        if self.unit_button.isChecked():
            self.unit_chosen.emit(self.cell_check.isChecked())

    def _on_cancel(self) -> None:
        if self._cancel_restarts:
            self._cancel_restarts = False
            self.cancel_button.hide()
            self.restart_requested.emit()
        else:
            self.cancel_requested.emit()

    def _on_colours(self, name: str) -> None:
        self.heat_item.setLookupTable(lookup_table(name))
        self.color_bar.setColorMap(colormap(name))

