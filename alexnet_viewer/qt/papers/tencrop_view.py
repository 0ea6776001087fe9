"""View › Ten-crop prediction (Krizhevsky et al. 2012, section 4.1): the ten 224x224 crops of
the picture on screen, each with its own top-1, beside the top-5 of their averaged softmax."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QGridLayout, QLabel, QVBoxLayout

from alexnet_viewer.qt.panels.fitting import columns_that_fit, place_in_columns
from alexnet_viewer.qt.panels.image_canvas import SquareCanvas
from alexnet_viewer.qt.panels.probability_bar import ProbabilityBar
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE, SPACING, caption_label, title_label
from alexnet_viewer.qt.panels.top5_panel import format_percent
from alexnet_viewer.qt.papers.paper_view import PaperView

COLUMNS = 5  # the four corners and the centre in a row, their mirror images in the next
TOP = 5
SIDE_SHARE = 2 / 5  # of the width, for the averaged top-5 beside the crops (their stretches 3 : 2)


class TenCropView(PaperView):
    TITLE = "Ten-crop prediction (Krizhevsky et al. 2012, §4.1)"
    JOB = "Ten-crop prediction"

    def __init__(self, state, model, parent=None) -> None:
        super().__init__(state, model, parent)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.grid = QGridLayout()
        self.grid.setSpacing(SPACING)
        self.canvases: list[SquareCanvas] = []
        self.captions: list[QLabel] = []
        for _ in range(10):
            self.canvases.append(SquareCanvas())
            self.captions.append(caption_label(wrap=True))  # "long-horned beetle 0.1 %" whole, on two lines
        self.columns = COLUMNS
        place_in_columns(self.grid, list(zip(self.canvases, self.captions)), COLUMNS)
        self.row.addLayout(self.grid, 3)
        side = QVBoxLayout()
        side.addWidget(title_label("Averaged over the ten", squeezable=False))
        self.names: list[QLabel] = []
        self.bars: list[ProbabilityBar] = []
        for _ in range(TOP):
            name = caption_label()
            bar = ProbabilityBar()
            side.addWidget(name)
            side.addWidget(bar)
            self.names.append(name)
            self.bars.append(bar)
        self.centre_note = caption_label(wrap=True)
        side.addWidget(self.centre_note)
        side.addStretch(1)
        self.row.addLayout(side, 2)
        self.body.addLayout(self.row)
        self.body.addStretch(1)  # the crops stay square at the top; spare height goes below
        # As narrow as one crop: a narrower view puts fewer crops in a row (resizeEvent) rather
        # than keeping the width five took.
        margins = self.body.contentsMargins()
        self.setMinimumWidth(PICTURE_MIN_SIDE + margins.left() + margins.right())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # The averaged top-5 beside the crops when five fit in a row at the least size, else
        # under them; the crops as many to a row as fit (five at most), never smaller.
        super().resizeEvent(event)
        margins = self.body.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        five = COLUMNS * PICTURE_MIN_SIDE + (COLUMNS - 1) * SPACING
        beside = width * (1 - SIDE_SHARE) >= five
        self.row.setDirection(QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom)
        crops = width * (1 - SIDE_SHARE) if beside else width
        columns = columns_that_fit(crops, PICTURE_MIN_SIDE, SPACING, COLUMNS)
        if columns != self.columns:
            self.columns = columns
            place_in_columns(self.grid, list(zip(self.canvases, self.captions)), columns)

    def compute(self, loaded, result, task):
        from alexnet_viewer.core.frame.preprocess import Preprocessor
        from alexnet_viewer.core.papers.ten_crop import ten_crop
        from alexnet_viewer.core.visualize.network import private_model

        task.report(0, 1, "Ten crops…")
        model = self.for_model(loaded, lambda loaded: private_model(loaded.model))
        found = ten_crop(model, Preprocessor(loaded.transforms, loaded.device), result.image)
        task.report(1, 1, "Ten crops")
        return found, tuple(loaded.categories)

    def present(self, result, outcome) -> None:
        from alexnet_viewer.core.papers.ten_crop import CENTRE, CROP_NAMES

        found, categories = outcome
        for canvas, caption, crop, name, (index, probability) in zip(
            self.canvases, self.captions, found.crops, CROP_NAMES, found.crop_top1()
        ):
            canvas.set_image(crop)
            canvas.view_box.autoRange(padding=0)
            caption.setText(f"{categories[index]} {format_percent(probability)}")
            caption.setToolTip(f"{name}: its own top-1 is {categories[index]} ({probability:.2%})")
        for name, bar, (index, probability) in zip(self.names, self.bars, found.top(TOP)):
            name.setText(categories[index])
            bar.set_value(probability, format_percent(probability))
        centre = found.crop_top1()[CENTRE]
        self.centre_note.setText(
            f"The centre crop alone (what the other views show) says {categories[centre[0]]} "
            f"({format_percent(centre[1])}). Crops: four corners and centre of the central square, then their mirror images."
        )
        self.status.setText("Each crop's own top-1 under it; “Averaged over the ten”: the top-5 of their mean softmax.")
