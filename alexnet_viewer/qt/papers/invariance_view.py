"""View › Invariance (Zeiler & Fergus 2014, Fig. 5): as the crop on screen is moved down,
scaled and rotated, the Euclidean distance of its relu1 and relu7 features from the
untransformed crop's, and the probability of the class (the Explain panel's, else the top-1).

One column per sweep, one row per quantity, as in the paper; each column is headed by its sweep
and unit (a heading spans the column's width; a dock narrower than the headings and axes need
scrolls), each row's plots name their quantity. The probability is drawn from 0, as in the paper: a change of a tenth of a
percent does not fill the plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from alexnet_viewer.qt.panels.style import ACCENT, AXIS_TEXT, PLOT_BACKGROUND
from alexnet_viewer.qt.panels.ticks import round_axes
from alexnet_viewer.qt.papers.paper_view import PaperView

LAYERS = ("relu1", "relu7")
SWEEPS = (("translation", "shift ↓ (px)"), ("scale", "scale (×)"), ("rotation", "rotation (°)"))
AXIS_POINT_SIZE = 12
MIN_COLUMN = 130  # a column's least width: its y axis and a plot that still shows a curve


class InvarianceView(PaperView):
    TITLE = "Invariance to translation, scale and rotation (Zeiler & Fergus 2014, Fig. 5)"
    JOB = "Invariance sweeps"
    FOLLOWS_CLASS = True

    def __init__(self, state, model, parent=None) -> None:
        super().__init__(state, model, parent)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground(PLOT_BACKGROUND)
        self.plots.setMinimumHeight(480)
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.plot_items: dict[tuple[str, str], pg.PlotItem] = {}
        self.headings: dict[str, pg.LabelItem] = {}  # over each column: its sweep and unit
        for column, (sweep, axis) in enumerate(SWEEPS):
            self.headings[sweep] = self.plots.addLabel(axis, row=0, col=column, color=AXIS_TEXT,
                                                       size=f"{AXIS_POINT_SIZE}pt")
        rows = [(layer, f"{layer} distance") for layer in LAYERS] + [("probability", "probability")]
        font = QFont()
        font.setPointSize(AXIS_POINT_SIZE)
        for row, (quantity, label) in enumerate(rows):
            for column, (sweep, axis) in enumerate(SWEEPS):
                plot = self.plots.addPlot(row=row + 1, col=column, axisItems=round_axes())
                plot.showGrid(x=True, y=True, alpha=0.25)
                for side in ("left", "bottom"):
                    item = plot.getAxis(side)
                    item.setPen(AXIS_TEXT)
                    item.setTickFont(font)
                    item.label.setFont(font)
                plot.setLabel("left", label, color=AXIS_TEXT)
                curve = plot.plot([], [], pen=pg.mkPen(ACCENT, width=3), symbol="o", symbolSize=7,
                                  symbolBrush=ACCENT, symbolPen=None)
                self.curves[(quantity, sweep)] = curve
                self.plot_items[(quantity, sweep)] = plot
        # Narrower than its headings and axes need, the view scrolls rather than cutting them off.
        self.plots.setMinimumWidth(max(int(self.plots.ci.layout.minimumWidth()) + 2, len(SWEEPS) * MIN_COLUMN))
        self.body.addWidget(self.plots, 1)

    def compute(self, loaded, result, task):
        import torch

        from alexnet_viewer.core.explain.network import Network
        from alexnet_viewer.core.inspect.formula import normalised_input
        from alexnet_viewer.core.papers.invariance import invariance

        network = self.for_model(loaded, lambda loaded: Network(loaded.model, loaded.device, (1, 3, *result.crop.shape[:2])))
        batch = torch.from_numpy(normalised_input(loaded, result)).unsqueeze(0).to(loaded.device)
        found = invariance(network, batch, self.class_of(result), LAYERS,
                           progress=lambda done, total: task.report(done, total, f"Sweep step {done} of {total}"),
                           cancelled=task.is_cancelled)
        return found, loaded.categories[found.class_index]

    def present(self, result, outcome) -> None:
        found, label = outcome
        highest = max(float(np.max(sweep.probability)) for sweep in found.sweeps.values())
        for (quantity, sweep), curve in self.curves.items():
            values = found.sweeps[sweep]
            ys = values.probability if quantity == "probability" else values.distance[quantity]
            curve.setData(list(values.values), ys)
            plot = self.plot_items[(quantity, sweep)]
            plot.enableAutoRange()
            if quantity == "probability":  # from 0, the same for the three sweeps
                plot.setYRange(0.0, highest if highest > 0 else 1.0, padding=0.05)
        self.status.setText(
            f"Distance of each layer's features from the untransformed crop's (Euclidean), and the probability of "
            f"{label} (class {found.class_index}), as the crop is moved down, scaled and rotated."
        )
