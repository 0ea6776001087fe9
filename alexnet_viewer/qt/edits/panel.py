"""The Edits dock: rotate, flip, crop, brightness/contrast, blur, greyscale and the occluder.

Every control reports at once (``valueChanged``, not on release): the window reposts the
picture with the new ``Edits`` for each step of a drag, and the newest-wins mailbox makes
sure only the latest one is ever worked on. The panel only describes edits; the engine
worker applies them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from alexnet_viewer.core.pictures.edits import Box, Edits, Occluder
from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    title_label,
)

DEFAULT_OCCLUDER_SIZE = 0.25  # of the picture's shorter side


class _SliderRow:
    """A labelled slider whose integer steps stand for ``value = step * scale``."""

    def __init__(self, grid: QGridLayout, row: int, name: str, low: int, high: int, default: int,
                 scale: float, fmt: str, tooltip: str) -> None:
        self.default, self.scale, self.fmt = default, scale, fmt
        self.label = QLabel(name)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(low, high)
        self.slider.setValue(default)
        self.slider.setToolTip(tooltip)
        self.label.setToolTip(tooltip)
        self.value_label = QLabel()
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value_label.setMinimumWidth(self.value_label.fontMetrics().horizontalAdvance("−180°") + 6)
        self.slider.valueChanged.connect(self._show_value)
        self._show_value(default)
        grid.addWidget(self.label, row, 0)
        grid.addWidget(self.slider, row, 1)
        grid.addWidget(self.value_label, row, 2)

    @property
    def value(self) -> float:
        return self.slider.value() * self.scale

    def set_value(self, value: float) -> None:
        self.slider.setValue(int(round(value / self.scale)))

    def _show_value(self, step: int) -> None:
        self.value_label.setText(self.fmt.format(step * self.scale).replace("-", "−"))


class EditsPanel(TitledPanel):
    edits_changed = Signal(object)  # Edits
    crop_tool_toggled = Signal(bool)  # the user wants to drag a crop box on the Input panel

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._crop: Box | None = None
        self._occluder_centre = (0.5, 0.5)
        # Kept apart from the slider: a size set by the square's handle is finer than its steps.
        self._occluder_size = DEFAULT_OCCLUDER_SIZE
        self._quiet = False  # set while controls are changed by code, not by the user

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.rotate = _SliderRow(grid, 0, "Rotate", -180, 180, 0, 1.0, "{:.0f}°",
                                 "Turn the picture (anticlockwise for positive angles)")
        self.brightness = _SliderRow(grid, 1, "Brightness", -100, 100, 0, 0.01, "{:+.2f}",
                                     "Shift every pixel lighter or darker")
        self.contrast = _SliderRow(grid, 2, "Contrast", 0, 300, 100, 0.01, "×{:.2f}",
                                   "Stretch or flatten the tones around mid-grey")
        self.blur = _SliderRow(grid, 3, "Blur", 0, 200, 0, 0.1, "{:.1f} px",
                               "Gaussian blur radius in picture pixels")
        self.occluder_size = _SliderRow(grid, 4, "Occluder", 2, 100, int(DEFAULT_OCCLUDER_SIZE * 100), 0.01,
                                        "{:.0%}", "Side of the grey square, as a share of the picture's "
                                        "shorter side; drag the square on the Input picture to move it")
        self.rows = (self.rotate, self.brightness, self.contrast, self.blur, self.occluder_size)

        self.flip_horizontal = QCheckBox("Flip ↔")
        self.flip_vertical = QCheckBox("Flip ↕")
        self.greyscale = QCheckBox("Greyscale")
        self.occluder = QCheckBox("Occluder")
        self.occluder.setToolTip("A grey square you drag over the Input picture: where does the "
                                 "network's answer change? (Zeiler & Fergus's occlusion experiment)")
        self.crop_button = QPushButton("Crop box")
        self.crop_button.setCheckable(True)
        self.crop_button.setToolTip("Drag a box on the Input picture to zoom into it")
        self.uncrop_button = QPushButton("Uncrop")
        self.uncrop_button.setToolTip("Show the whole frame again")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the original picture")

        checks = QGridLayout()
        checks.setHorizontalSpacing(8)
        checks.setVerticalSpacing(4)
        for index, box in enumerate((self.flip_horizontal, self.flip_vertical, self.greyscale, self.occluder)):
            checks.addWidget(box, index // 2, index % 2)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (self.crop_button, self.uncrop_button, self.reset_button):
            buttons.addWidget(button)
        self.hint = hint_label("Edits")  # the occluder and the crop box are dragged on the Input picture
        self.summary = caption_label("no edits")

        layout = apply_spacing(QVBoxLayout(self))
        self.title = title_label("Edits")
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addLayout(checks)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.summary)
        layout.addStretch(1)

        for row in self.rows:
            if row is not self.occluder_size:
                row.slider.valueChanged.connect(self._changed)
        self.occluder_size.slider.valueChanged.connect(self._on_size_slider)
        for box in (self.flip_horizontal, self.flip_vertical, self.greyscale, self.occluder):
            box.toggled.connect(self._changed)
        self.crop_button.toggled.connect(self.crop_tool_toggled)
        self.uncrop_button.clicked.connect(lambda: self.set_crop(None))
        self.reset_button.clicked.connect(self.reset)
        self._update_buttons()

    @property
    def edits(self) -> Edits:
        occluder = None
        if self.occluder.isChecked():
            occluder = (*self._occluder_centre, self._occluder_size)
        return Edits(
            rotate_degrees=self.rotate.value,
            flip_horizontal=self.flip_horizontal.isChecked(),
            flip_vertical=self.flip_vertical.isChecked(),
            crop=self._crop,
            brightness=self.brightness.value,
            contrast=self.contrast.value,
            blur_radius=self.blur.value,
            greyscale=self.greyscale.isChecked(),
            occluder=occluder,
        )

    def set_crop(self, box: Box | None) -> None:
        self._crop = Edits(crop=box).crop  # clamped and sorted like the worker will
        self.crop_button.setChecked(False)
        self._changed()

    def set_occluder(self, occluder: Occluder) -> None:
        """The square was dragged or resized on the Input panel."""
        cx, cy, size = occluder
        self._occluder_centre, self._occluder_size = (cx, cy), size
        self._quiet = True
        try:
            self.occluder.setChecked(True)
            self.occluder_size.set_value(size)
        finally:
            self._quiet = False
        self._changed()

    def reset(self) -> None:
        self._quiet = True
        try:
            for row in self.rows:
                row.slider.setValue(row.default)
            for box in (self.flip_horizontal, self.flip_vertical, self.greyscale, self.occluder):
                box.setChecked(False)
            self.crop_button.setChecked(False)
            self._crop = None
            self._occluder_centre, self._occluder_size = (0.5, 0.5), DEFAULT_OCCLUDER_SIZE
        finally:
            self._quiet = False
        self._changed()

    def _on_size_slider(self, _step: int) -> None:
        if not self._quiet:
            self._occluder_size = self.occluder_size.value
            self._changed()

    def _changed(self, *_args) -> None:
        if self._quiet:
            return
        edits = self.edits
        self.summary.setText(edits.describe())
        self._update_buttons()
        self.edits_changed.emit(edits)

    def _update_buttons(self) -> None:
        self.uncrop_button.setEnabled(self._crop is not None)
        self.occluder_size.slider.setEnabled(self.occluder.isChecked())
