"""The selected channel's best pictures in the open atlas, each beside its deconvnet image.

For a conv/relu/pool channel the panel shows the atlas's top-K (nine by default): each
unit's receptive field cut out of the crop the network saw, and next to it the deconvnet
(Zeiler & Fergus) of that one unit, from core/atlas/patches.py. The list comes first, then
the pictures one by one as the background thread makes them; a newer channel wins.
Clicking a patch opens its picture in the window. Nothing is computed or cleared while
the panel is hidden: it catches up with the latest channel when it is shown.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.qt.panels.fitting import columns_that_fit
from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels.style import (
    AXIS_TEXT,
    PICTURE_MIN_SIDE,
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.units.task import BackgroundTask, TaskSlot, sentence

SLOTS, COLUMNS = 9, 3
GAP = 0.06  # between a patch and its deconvnet, in patch widths
PADDING = 0.02  # around a cell's pair, in parts of its range
CAPTION_PX = 30
MARGIN = 2
# A cell's least width: two patches of the least side, the gap between them and the padding.
LEAST_CELL = PICTURE_MIN_SIDE * (2 + GAP) * (1 + 2 * PADDING)
NO_ATLAS = "Build or open a unit atlas (Units menu) to see the pictures that excite the selected channel most."
NOT_SPATIAL = "The atlas covers the conv, ReLU and pool layers; pick a channel of one of them."
LEGEND = "Each patch: left, what the unit saw; right, its deconvnet"


class _Makers:
    """One PatchMaker for the weights and draft size in use; touched only by patch tasks,
    which run one at a time (``clear`` from the GUI thread just drops the reference)."""

    def __init__(self) -> None:
        self._entry = None

    def get(self, loaded, draft):
        entry = self._entry
        if entry is None or entry[0] is not loaded or entry[1] != draft:
            from alexnet_viewer.core.atlas.patches import PatchMaker

            entry = self._entry = (loaded, draft, PatchMaker(loaded, draft))
        return entry[2]

    def clear(self) -> None:
        self._entry = None


def patch_work(atlas, loaded, layer: str, channel: int, makers: _Makers, task: BackgroundTask) -> int:
    """In the task's thread: the channel's units, then each one's (crop, deconvnet)."""
    from alexnet_viewer.core.atlas.lookup import channel_top
    from alexnet_viewer.core.visualize.cache import weights_fingerprint

    units = channel_top(atlas.folder, atlas.manifest, layer, channel, atlas.crop)
    same_weights = atlas.manifest.weights.get("sha256") == weights_fingerprint(loaded.model)
    task.deliver(("units", units, same_weights))
    maker = makers.get(loaded, atlas.draft)
    for index, unit in enumerate(units):
        task.check()
        try:
            crop, deconv = maker.patches(unit, layer, channel)
        except (ViewerError, OSError, ValueError) as error:
            task.deliver(("patch", index, None, None, sentence(error)))
        else:
            task.deliver(("patch", index, crop, deconv, None))
    return len(units)


def _fit(image: np.ndarray, left: float) -> QRectF:
    """The rectangle that shows ``image`` whole, aspect kept, in the unit square at ``left``."""
    height, width = image.shape[:2]
    scale = 1.0 / max(height, width, 1)
    w, h = width * scale, height * scale
    return QRectF(left + (1 - w) / 2, (1 - h) / 2, w, h)


class PatchGrid(pg.GraphicsLayoutWidget):
    """``SLOTS`` cells, up to ``COLUMNS`` to a row: a patch, its deconvnet and a caption each.

    Each patch fills a square at least ``PICTURE_MIN_SIDE`` px wide: a narrow view puts fewer
    cells in a row, a short one is as tall as they need (its scroll area scrolls).
    """

    cell_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(PLOT_BACKGROUND)
        self.ci.layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.ci.layout.setHorizontalSpacing(6)
        self.ci.layout.setVerticalSpacing(0)
        self.columns = COLUMNS  # cells to a row; resizeEvent puts fewer in a narrow view
        self.boxes: list[pg.ViewBox] = []
        self.crops: list[pg.ImageItem] = []
        self.deconvs: list[pg.ImageItem] = []
        self.labels: list[pg.LabelItem] = []
        for slot in range(SLOTS):
            row, column = divmod(slot, COLUMNS)
            box = self.addViewBox(row=2 * row, col=column, lockAspect=True, invertY=True, enableMenu=False)
            box.setMouseEnabled(False, False)
            box.setRange(xRange=(0, 2 + GAP), yRange=(0, 1), padding=PADDING)
            crop, deconv = pg.ImageItem(axisOrder="row-major"), pg.ImageItem(axisOrder="row-major")
            box.addItem(crop)
            box.addItem(deconv)
            label = self.addLabel("", row=2 * row + 1, col=column, size="9pt", color=AXIS_TEXT)
            self.boxes.append(box)
            self.crops.append(crop)
            self.deconvs.append(deconv)
            self.labels.append(label)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setMinimumWidth(math.ceil(LEAST_CELL) + 2 * MARGIN)

    def resizeEvent(self, event) -> None:
        # As many cells to a row as fit at the least patch size; rows as tall as the patches
        # need at this width (or as fit, never under the least), so each caption sits right
        # under its patches and what is left over stays at the bottom.
        super().resizeEvent(event)
        if len(getattr(self, "labels", ())) < SLOTS:
            return  # pyqtgraph resizes while the widget is being built
        layout = self.ci.layout
        width = self.width() - 2 * MARGIN
        self._arrange(columns_that_fit(width, LEAST_CELL, layout.horizontalSpacing(), COLUMNS))
        rows = -(-SLOTS // self.columns)
        cell = (width - (self.columns - 1) * layout.horizontalSpacing()) / self.columns
        least = PICTURE_MIN_SIDE * (1 + 2 * PADDING)
        patch = max(least, min(cell / (2 + GAP), (self.height() - 2 * MARGIN) / rows - CAPTION_PX))
        for row in range(2 * SLOTS):  # the rows a narrower arrangement used
            layout.setRowFixedHeight(row, 0)
        for row in range(rows):
            layout.setRowFixedHeight(2 * row, patch)
            layout.setRowFixedHeight(2 * row + 1, CAPTION_PX)
        self.setMinimumHeight(math.ceil(rows * (least + CAPTION_PX)) + 2 * MARGIN)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        for box, label in zip(self.boxes, self.labels):
            self.ci.removeItem(box)
            self.ci.removeItem(label)
        for slot, (box, label) in enumerate(zip(self.boxes, self.labels)):
            row, column = divmod(slot, columns)
            self.ci.addItem(box, row=2 * row, col=column)
            self.ci.addItem(label, row=2 * row + 1, col=column)
        self.columns = columns

    def clear_cell(self, slot: int, caption: str = "") -> None:
        self.crops[slot].clear()
        self.deconvs[slot].clear()
        self.labels[slot].setText(caption)

    def set_patches(self, slot: int, crop: np.ndarray, deconv: np.ndarray) -> None:
        self.crops[slot].setImage(crop, autoLevels=False)
        self.crops[slot].setRect(_fit(crop, 0.0))
        self.deconvs[slot].setImage(deconv, autoLevels=False)
        self.deconvs[slot].setRect(_fit(deconv, 1.0 + GAP))

    def cell_center(self, slot: int) -> QPointF:
        return self.boxes[slot].sceneBoundingRect().center()

    def handle_click(self, scene_pos: QPointF) -> None:
        for slot, box in enumerate(self.boxes):
            if box.sceneBoundingRect().contains(scene_pos):
                self.cell_clicked.emit(slot)
                return

    def _on_mouse_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.handle_click(event.scenePos())


class AtlasPanel(TitledPanel):
    """``open_picture(path)`` asks the window to open a patch's picture."""

    open_picture = Signal(object)
    patches_shown = Signal(str, int)  # (layer, channel) once every patch of it is on screen

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        ScreenWatch(self, self._on_screen)  # idle while hidden or behind another tab (on_screen.py)
        self.title = title_label("Unit atlas")
        self.header = caption_label(NO_ATLAS, wrap=True)
        self.grid = PatchGrid()
        self.note = caption_label("", wrap=True)
        self.hint = hint_label("Unit atlas")
        self.legend = caption_label(LEGEND, wrap=True)
        layout = apply_spacing(QVBoxLayout(self), margins=0)
        for widget in (self.title, self.header):
            layout.addWidget(widget)
        self.scroll = QScrollArea()  # a short or narrow dock scrolls rather than shrinking the patches
        self.scroll.setWidget(self.grid)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.legend)
        layout.addWidget(self.note)
        self.grid.cell_clicked.connect(self._on_cell_clicked)

        self.atlas = None  # atlas_jobs.OpenedAtlas
        self.units: list = []  # core.atlas.lookup.Unit on screen, best first
        self.makers = _Makers()
        self._wanted: tuple | None = None  # (atlas, loaded, layer, channel) to show
        self._shown: tuple | None = None  # what is on screen (or on its way)
        self._tasks = TaskSlot()
        self._blank: str | None = None  # the header while every cell is empty
        self._pending_clear: str | None = None  # the header to clear to once shown

    @property
    def busy(self) -> bool:
        return self._tasks.busy

    @property
    def shown_unit(self) -> tuple[str, int] | None:
        return None if self._shown is None else self._shown[2:]

    def set_atlas(self, atlas) -> None:
        self.atlas = atlas
        self._shown = None
        self._clear(NO_ATLAS if atlas is None else "")

    def forget_weights(self) -> None:
        """The weights changed: patches are made again with the new ones."""
        self.makers.clear()
        self._shown = None

    def show_unit(self, layer: str, channel: int, loaded) -> None:
        """Show ``layer``'s ``channel`` (if an atlas is open and the weights are loaded)."""
        if self.atlas is None or layer not in SPATIAL_LAYERS:
            self._wanted = self._shown = None
            self._tasks.cancel()
            return self._clear(NO_ATLAS if self.atlas is None else NOT_SPATIAL)
        if loaded is None:
            return
        self._wanted = (self.atlas, loaded, layer, channel)
        self._start_if_visible()

    def _on_screen(self, shown: bool) -> None:
        if not shown:
            return
        if self._pending_clear is not None:
            self._clear(self._pending_clear)
        self._start_if_visible()

    def _start_if_visible(self) -> None:
        wanted = self._wanted
        if wanted is None or wanted == self._shown or not on_screen(self):
            return
        if self._tasks.busy:
            self._tasks.cancel()  # started again when it ends
            return
        atlas, loaded, layer, channel = wanted
        self._shown = wanted
        self._clear(f"{layer} · channel {channel}: reading the atlas…")
        self._tasks.start("AtlasPatches", lambda t: patch_work(atlas, loaded, layer, channel, self.makers, t),
                          "Making the atlas patches", delivered=self._on_delivered, succeeded=self._on_done,
                          failed=self._on_failed, stopped=self._on_stopped)

    def _clear(self, header: str) -> None:
        """Every cell empty under ``header``: now if the panel is on screen and the cells are
        not empty under it already, else once it is shown (a layer change while the Units
        workspace is hidden costs nothing)."""
        self.units = []
        if not on_screen(self):
            self._pending_clear = header
            return
        self._pending_clear = None
        if self._blank == header:
            return
        set_text_if_changed(self.header, header)
        self.note.setText("")
        for slot in range(SLOTS):
            self.grid.clear_cell(slot)
        self._blank = header

    # From the patch task (GUI thread)
    def _current(self) -> bool:
        return self._tasks.busy and not self._tasks.task.is_cancelled()

    def _on_delivered(self, item) -> None:
        if not self._current():
            return
        self._blank = None
        if item[0] == "units":
            self._show_units(item[1], item[2])
            return
        _, slot, crop, deconv, error = item
        if slot >= SLOTS:
            return
        if error is not None:
            self.grid.labels[slot].setText(self.grid.labels[slot].text + "<br>(cannot be read)")
            self.note.setText(error)
        else:
            self.grid.set_patches(slot, crop, deconv)

    def _show_units(self, units: list, same_weights: bool) -> None:
        atlas, _loaded, layer, channel = self._shown
        self.units = units
        count = len(units)
        if count:
            header = f"{layer} · channel {channel}: its {count} best of {atlas.pictures:,} pictures in {atlas.name}"
        else:
            header = f"{layer} · channel {channel}: the atlas of {atlas.name} has no pictures"
        set_text_if_changed(self.header, header)
        for slot in range(SLOTS):
            if slot < count:
                unit = units[slot]
                changed = "" if unit.unchanged else " (changed)"
                self.grid.clear_cell(slot, f"{unit.rank} · {unit.value:.3g}<br>{_short(Path(unit.path).name)}{changed}")
            else:
                self.grid.clear_cell(slot)
        notes = []
        if not same_weights:
            notes.append(f"This atlas was built with other weights ({atlas.manifest.weights.get('description', 'unknown')}); "
                         "its ranking is theirs, the deconvnets are of the weights in use.")
        if not atlas.manifest.complete:
            notes.append("The atlas is incomplete: its build was stopped.")
        self.note.setText(" ".join(notes))

    def _on_done(self, _count: int) -> None:
        shown, task = self._shown, self._tasks.forget()
        if shown is not None and task is not None and not task.is_cancelled():
            self.patches_shown.emit(shown[2], shown[3])
        self._start_if_visible()

    def _on_failed(self, message: str) -> None:
        self._tasks.forget()
        self._clear(message)
        self._start_if_visible()

    def _on_stopped(self, _message: str) -> None:
        self._tasks.forget()
        self._shown = None
        self._start_if_visible()

    def _on_cell_clicked(self, slot: int) -> None:
        if slot < len(self.units):
            self.open_picture.emit(Path(self.units[slot].path))


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
