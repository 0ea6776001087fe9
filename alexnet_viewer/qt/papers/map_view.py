"""A zoomable t-SNE map of the atlas's pictures (pyqtgraph), with the picture on screen on it.

For the state's ``atlas``: the codes are loaded and embedded in the background (progress and
Cancel; the map is cached in the atlas), then each picture is drawn as a thumbnail. Every new
``result`` (a live camera's frames too, newest wins) is placed on the fixed map with
openTSNE's ``transform``, off the GUI thread, and marked with a ring; an atlas picture's own
thumbnail is drawn over its neighbours' (thumbnails overlap where the map is crowded). Hovering a
thumbnail shows its path; a click hands the path to ``open_picture``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout

from alexnet_viewer.qt.lecture.gestures import hint
from alexnet_viewer.qt.panels.style import (
    PICTURE_MIN_SIDE,
    PLOT_BACKGROUND,
    TitledPanel,
    apply_spacing,
    caption_label,
    title_label,
)
from alexnet_viewer.qt.units.latest import Latest, follow
from alexnet_viewer.qt.papers.neighbours_view import shown_path

THUMB_PX = 112  # the pixels a thumbnail keeps of its 224×224 crop (memory: an atlas has many)
HINT = hint("Atlas map")  # also the hover read-out's line while no picture is under the pointer


class Thumb(pg.ImageItem):
    """A picture drawn ``PICTURE_MIN_SIDE`` screen pixels wide, centred on its map point at
    any zoom: zooming in spreads the thumbnails apart instead of shrinking them out of sight."""

    def __init__(self, pixels: np.ndarray, x: float, y: float) -> None:
        super().__init__(pixels, axisOrder="row-major")
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations)  # sized in screen pixels
        self.setPos(x, y)
        half = PICTURE_MIN_SIDE / 2
        self.setRect(QRectF(-half, -half, PICTURE_MIN_SIDE, PICTURE_MIN_SIDE))

    # For the view's auto range: the map point (the picture's centre, in its own pixels), with
    # room for the picture around it.
    def dataBounds(self, axis, frac=1.0, orthoRange=None):  # noqa: N802 (pyqtgraph's name)
        centre = (self.width() if axis == 0 else self.height()) / 2
        return (centre, centre)

    def pixelPadding(self) -> float:  # noqa: N802 (pyqtgraph's name)
        return PICTURE_MIN_SIDE / 2


def build_map(folder: Path, task) -> dict:
    from alexnet_viewer.core.atlas.embedding import Placer, embed  # torch, on the task's thread
    from alexnet_viewer.core.atlas.neighbours import load_codes

    """In the background: the atlas's codes, positions, thumbnails and a placer for new codes."""
    atlas = load_codes(folder)
    xy = embed(atlas, progress=lambda done, total: task.report(done, total, "t-SNE"), should_stop=task.is_cancelled)
    task.report(0, 0, "thumbnails")
    step = 224 // THUMB_PX if atlas.crop(0).shape[0] >= 224 else 1
    thumbs = []
    for i in range(len(atlas)):
        task.check()
        thumbs.append(np.ascontiguousarray(atlas.crop(i)[::step, ::step]))
    return {"atlas": atlas, "xy": xy, "thumbs": thumbs, "placer": Placer(atlas, xy)}


class MapView(TitledPanel):
    def __init__(self, state, model: Callable[[], object], open_picture: Callable[[Path], None], parent=None) -> None:
        super().__init__(parent)
        self.state, self._model, self._open_picture = state, model, open_picture
        self.map: dict | None = None
        self.placed: tuple[float, float] | None = None  # where the picture on screen lands
        self.raised: int | None = None  # the atlas index of the picture on screen, its thumbnail on top
        self.thumbs: list[Thumb] = []
        self.hovered: str | None = None
        layout = apply_spacing(QVBoxLayout(self))
        self.title = title_label("Map of the atlas (t-SNE of relu7)")
        self.status = caption_label(wrap=True)
        self.hover_label = caption_label(HINT)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.plot = pg.PlotWidget(background=PLOT_BACKGROUND)
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.invertY(True)  # image rows run down, as in the exported PNG
        # A ring as wide as a thumbnail around the picture's place (its own thumbnail when it is in the atlas).
        self.marker = pg.ScatterPlotItem(size=PICTURE_MIN_SIDE + 10, pen=pg.mkPen("#ff4040", width=4), brush=None,
                                         symbol="o")
        self.marker.setZValue(10)
        for widget in (self.title, self.status):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.hover_label)
        self._set_busy(False)
        self._builder = Latest("Atlas map", build_map, self._built, self._failed, self)
        self._builder.progressed = self._on_progress
        self._placer = Latest("Map placement", self._place, self._placed, self._failed, self)
        self.plot.scene().sigMouseMoved.connect(self._on_move)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        follow(self, state.events.atlas, self._on_atlas)
        follow(self, state.events.result, self._on_result)
        self._on_atlas(state.atlas)

    # the map
    def _on_atlas(self, folder, _old=None) -> None:
        self.map, self.placed, self.raised, self.thumbs = None, None, None, []
        self.plot.clear()
        if folder is None:
            self.status.setText("Open an atlas (Units › Open atlas…) to see its map.")
            return
        self.status.setText(f"Making the map of {folder} (cached in the atlas once made)…")
        self._set_busy(True)
        self._builder.submit(Path(folder))

    def cancel(self) -> None:
        self._builder.cancel()
        self._placer.cancel()
        self._set_busy(False)
        self.status.setText("Stopped; choose the atlas again to make its map.")

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setRange(0, 0)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %v/%m" if total else text)

    def _failed(self, sentence: str) -> None:
        self._set_busy(False)
        self.status.setText(sentence)

    def _built(self, folder: Path, made: dict) -> None:
        if self.state.atlas is None or Path(self.state.atlas) != folder:
            return
        self._set_busy(False)
        self.map = made
        xy = made["xy"]
        self.extent = float(np.ptp(xy, axis=0).max()) or 1.0
        self.plot.clear()
        self.raised = None
        self.thumbs = [Thumb(thumb, float(x), float(y)) for (x, y), thumb in zip(xy, made["thumbs"])]
        for thumb in self.thumbs:
            self.plot.addItem(thumb)
        self.plot.addItem(self.marker)
        self.plot.autoRange()
        atlas = made["atlas"]
        self.status.setText(f"{len(atlas):,} pictures of {atlas.folder}; the ring is the picture on screen.")
        self._on_result(self.state.result)

    # the picture on screen
    def _on_result(self, result, _old=None) -> None:
        if result is None or self.map is None:
            return
        self._placer.submit((self.map, result, shown_path(self.state)))

    @staticmethod
    def _place(job, _task):
        from alexnet_viewer.core.atlas.neighbours import result_query  # torch, on the task's thread

        made, result, path = job
        code, _ = result_query(made["atlas"], result, path)
        index = None if path is None else made["atlas"].stored(path)
        return made["placer"].place(code, index), index

    def _placed(self, job, answer) -> None:
        if job[0] is not self.map:
            return
        self.placed, index = answer
        self.marker.setData([self.placed[0]], [self.placed[1]])
        if self.raised is not None:
            self.thumbs[self.raised].setZValue(0)
        self.raised = index
        if index is not None:
            self.thumbs[index].setZValue(1)  # over its neighbours, under the ring

    # hover and click
    def picture_at(self, x: float, y: float) -> str | None:
        """The path of the thumbnail under map point (x, y), the nearest centre when several."""
        if self.map is None:
            return None
        xy = self.map["xy"]
        pixel_width, pixel_height = self.plot.getViewBox().viewPixelSize()  # map units per screen pixel
        half_width, half_height = PICTURE_MIN_SIDE / 2 * pixel_width, PICTURE_MIN_SIDE / 2 * pixel_height
        inside = np.flatnonzero((np.abs(xy[:, 0] - x) <= half_width) & (np.abs(xy[:, 1] - y) <= half_height))
        if inside.size == 0:
            return None
        if self.raised is not None and self.raised in inside:  # drawn on top: the one seen there
            return self.map["atlas"].paths[self.raised]
        best = inside[np.argmin(np.hypot(xy[inside, 0] - x, xy[inside, 1] - y))]
        return self.map["atlas"].paths[best]

    def _map_point(self, scene_pos):
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        return point.x(), point.y()

    def _on_move(self, scene_pos) -> None:
        self.hovered = self.picture_at(*self._map_point(scene_pos))
        self.hover_label.setText(self.hovered or HINT)

    def _on_click(self, event) -> None:
        path = self.picture_at(*self._map_point(event.scenePos()))
        if path is not None:
            self._open_picture(Path(path))
