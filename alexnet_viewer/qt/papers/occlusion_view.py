"""The occlusion experiment whole (Zeiler & Fergus 2014, Fig. 7), four panels from one batched
pass of a grey square (the weights' mean colour) slid over the crop on screen:

- the crop, with the square where it lowered the class's probability most;
- the summed activation of the relu5 channel strongest on the whole crop, per square position;
- the class's probability per position (the Explain panel's class, else the top-1);
- the most probable class per position, in flat colours, with a legend.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGridLayout, QLabel, QVBoxLayout

from alexnet_viewer.qt.panels.image_canvas import ImageCanvas, SquareCanvas
from alexnet_viewer.qt.panels.style import CAPTION_POINT_SIZE, WrappingLabel, caption_label, title_label
from alexnet_viewer.qt.papers.paper_view import PaperView

WINDOW, STRIDE = 48, 16  # the Explain panel's occlusion map's
LEGEND_ROWS = 12


class OcclusionView(PaperView):
    TITLE = "The occlusion experiment (Zeiler & Fergus 2014, Fig. 7)"
    JOB = "Occlusion experiment"
    FOLLOWS_CLASS = True

    def __init__(self, state, model, parent=None) -> None:
        super().__init__(state, model, parent)
        grid = QGridLayout()
        self.canvases: dict[str, ImageCanvas] = {}
        self.captions: dict[str, QLabel] = {}
        for index, (key, heading) in enumerate((
            ("input", "The crop; the square where it hurt most"),
            ("channel", "Strongest relu5 map: summed activation"),
            ("probability", "Probability of the class"),
            ("labels", "Most probable class"),
        )):
            cell = QVBoxLayout()
            cell.addWidget(title_label(heading, wrap=True))
            canvas = SquareCanvas()  # the crop's square, as wide as the column gives it
            cell.addWidget(canvas)
            caption = caption_label(wrap=True)
            cell.addWidget(caption)
            cell.addStretch(1)  # a taller neighbour's spare height goes below, the panel stays square
            grid.addLayout(cell, index // 2, index % 2)
            self.canvases[key], self.captions[key] = canvas, caption
        self.legend = WrappingLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        font = self.legend.font()
        font.setPointSize(CAPTION_POINT_SIZE + 1)
        self.legend.setFont(font)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.legend, 0, 2, 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        self.body.addLayout(grid)
        self.body.addStretch(1)  # spare height goes below the panels, never into dark bands around them
        self._square = QGraphicsRectItem()
        self._square.setPen(QPen(QColor("white"), 2))
        self._square.setBrush(QBrush(QColor(128, 128, 128, 150)))
        self._square.setVisible(False)
        self.canvases["input"].view_box.addItem(self._square)

    def compute(self, loaded, result, task):
        import torch

        from alexnet_viewer.core.explain import Explainer
        from alexnet_viewer.core.inspect.formula import normalised_input

        explainer = self.for_model(loaded, Explainer)
        batch = torch.from_numpy(normalised_input(loaded, result)).unsqueeze(0).to(loaded.device)
        found = explainer.occlusion(batch, self.class_of(result), WINDOW, STRIDE,
                                    progress=lambda done, total: task.report(done, total, f"Position {done} of {total}"),
                                    cancelled=task.is_cancelled)
        return found, self.class_of(result), tuple(loaded.categories)

    def present(self, result, outcome) -> None:
        from alexnet_viewer.core.papers.occlusion_pictures import grid_picture, label_legend, label_picture

        found, class_index, categories = outcome
        self._show("input", np.ascontiguousarray(result.crop))
        worst = np.unravel_index(int(np.argmin(found.probability)), found.probability.shape)
        top, left = found.offsets[worst[0]], found.offsets[worst[1]]
        self._square.setRect(left, top, found.window, found.window)
        self._square.setVisible(True)
        self.captions["input"].setText(
            f"{categories[class_index]}: {precise(found.baseline)} without the square, "
            f"{precise(found.probability[worst])} with it here.")
        self._show("channel", grid_picture(found.channel_sum))
        self.captions["channel"].setText(
            f"Channel {found.channel}: {found.channel_sum.min():.4g} to {found.channel_sum.max():.4g} "
            f"(without the square {found.channel_baseline:.4g}); blue lowest, red highest.")
        self._show("probability", grid_picture(found.probability))
        self.captions["probability"].setText(
            f"{categories[class_index]} (class {class_index}): {precise(found.probability.min())} "
            f"to {precise(found.probability.max())}; blue lowest: evidence covered.")
        self._show("labels", label_picture(found.labels))
        legend = label_legend(found.labels)
        self.captions["labels"].setText(labels_caption(len(legend), found.labels.size))
        rows = [
            f'<span style="color: rgb{colour}; font-size: 24px">&#9632;</span> '
            f"{html.escape(categories[label])} ({count})"
            for label, count, colour in legend[:LEGEND_ROWS]
        ]
        if len(legend) > LEGEND_ROWS:
            rows.append(f"… and {len(legend) - LEGEND_ROWS} more (grey)")
        self.legend.setText("<b>Legend</b><br>" + "<br>".join(rows))
        self.status.setText(
            f"A {found.window}×{found.window} grey square (the mean colour) at {found.labels.size} positions, "
            f"{found.stride} px apart; each map's cell is the square's top-left corner.")

    def _show(self, key: str, picture: np.ndarray) -> None:
        canvas = self.canvases[key]
        canvas.set_image(picture)
        if key != "input":  # the grids are stretched over the crop's 224 pixels
            canvas.image_item.setRect(QRectF(0, 0, 224, 224))
        canvas.view_box.setRange(xRange=(0, 224), yRange=(0, 224), padding=0)


def precise(probability) -> str:
    """A probability with three significant digits: the maps differ in the third."""
    return f"{float(probability) * 100:.3g} %"


def labels_caption(classes: int, positions: int) -> str:
    if classes == 1:
        return f"The same class at all {positions} positions."
    return f"{classes} different classes over {positions} positions."
