"""View › Ten-crop prediction (Krizhevsky et al. 2012, section 4.1): the ten 224x224 crops of
the picture on screen, each with its own top-1, beside the top-5 of their averaged softmax."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout

from alexnet_viewer.qt.panels.image_canvas import ImageCanvas
from alexnet_viewer.qt.panels.probability_bar import ProbabilityBar
from alexnet_viewer.qt.panels.style import caption_label, title_label
from alexnet_viewer.qt.panels.top5_panel import format_percent
from alexnet_viewer.qt.papers.paper_view import PaperView

CROP_SIDE = 128
TOP = 5


class TenCropView(PaperView):
    TITLE = "Ten-crop prediction (Krizhevsky et al. 2012, §4.1)"
    JOB = "Ten-crop prediction"

    def __init__(self, state, model, parent=None) -> None:
        super().__init__(state, model, parent)
        row = QHBoxLayout()
        grid = QGridLayout()
        self.canvases: list[ImageCanvas] = []
        self.captions: list[QLabel] = []
        for index in range(10):
            canvas = ImageCanvas()
            canvas.setMinimumSize(CROP_SIDE, CROP_SIDE)
            caption = caption_label()
            grid.addWidget(canvas, 2 * (index // 5), index % 5)
            grid.addWidget(caption, 2 * (index // 5) + 1, index % 5)
            self.canvases.append(canvas)
            self.captions.append(caption)
        grid.setRowStretch(4, 1)  # the crops stay square at the top; spare height goes below
        row.addLayout(grid, 3)
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
        row.addLayout(side, 2)
        self.body.addLayout(row, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        for canvas in self.canvases:  # square crops: as tall as they are wide
            canvas.setFixedHeight(max(CROP_SIDE, canvas.width()))

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
        self.status.setText("Each crop's own top-1 under it; the softmax averaged over the ten on the right.")
