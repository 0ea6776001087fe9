"""The picture on screen beside its nearest atlas pictures in fc7 and in pixels (Krizhevsky et
al. 2012, Fig. 4 right): near in relu7, often far apart in pixels.

It follows the viewer state: ``atlas`` (its codes are loaded in the background) and ``result``
(each new one, a live camera's frames too, is ranked in the background, newest wins). A click
on a neighbour hands its path to ``open_picture``. The model getter is not needed: the Result
already carries relu7.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QVBoxLayout

from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.qt.panels.fitting import columns_that_fit, place_in_columns, shared_side
from alexnet_viewer.qt.panels.style import (
    PICTURE_MIN_SIDE,
    SPACING,
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    title_label,
)
from alexnet_viewer.qt.units.latest import Latest, follow

MAX_THUMB = 224  # thumbnails grow with the view's width, from PICTURE_MIN_SIDE up to this
BUTTON_PADDING = 8  # a neighbour's button around its picture
SPACE_TITLES = (("relu7", "Nearest in fc7 (relu7, 4096 values)"), ("pixels", "Nearest in pixels (224×224 RGB)"))


def rgb_pixmap(pixels: np.ndarray, side: int) -> QPixmap:
    pixels = np.ascontiguousarray(pixels[..., :3], np.uint8)
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], 3 * pixels.shape[1], QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy()).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def _load_codes(folder, _task):
    from alexnet_viewer.core.atlas.neighbours import load_codes  # torch, on the task's thread

    return load_codes(folder)


def shown_path(state) -> Path | None:
    """The picture's file when the screen shows it as the atlas saw it (unedited, unablated)."""
    picture = state.picture
    if picture is None or picture.live or picture.path is None or state.edits != Edits() or state.ablations:
        return None
    return picture.path


class NeighboursView(TitledPanel):
    def __init__(self, state, model: Callable[[], object], open_picture: Callable[[Path], None], k: int = 6, parent=None) -> None:
        super().__init__(parent)
        self.state, self._model, self._open_picture, self.k = state, model, open_picture, k
        self.atlas = None
        self.shown: dict[str, list] = {"relu7": [], "pixels": []}  # the Neighbours on screen
        layout = apply_spacing(QVBoxLayout(self))
        self.title = title_label("Neighbours in fc7 and in pixels")
        self.status = caption_label(wrap=True)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        grid = QGridLayout()
        grid.setSpacing(SPACING)
        layout.addLayout(grid)
        self.hint = hint_label("fc7 neighbours")
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self.query_label = QLabel()
        self.query_label.setScaledContents(True)
        self.query_label.setFixedSize(PICTURE_MIN_SIDE, PICTURE_MIN_SIDE)
        grid.addWidget(caption_label("On screen"), 0, 0)
        grid.addWidget(self.query_label, 1, 0, 3, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        self.columns = k
        self.buttons: dict[str, list[QToolButton]] = {}
        self.rows: dict[str, QGridLayout] = {}  # each space's neighbours, ``columns`` to a row
        for row, (space, text) in enumerate(SPACE_TITLES):
            grid.addWidget(title_label(text, wrap=True), 2 * row, 1)
            self.rows[space] = QGridLayout()
            self.rows[space].setSpacing(SPACING)
            grid.addLayout(self.rows[space], 2 * row + 1, 1, Qt.AlignmentFlag.AlignLeft)
            self.buttons[space] = []
            for column in range(k):
                button = QToolButton()
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
                button.setIconSize(QSize(PICTURE_MIN_SIDE, PICTURE_MIN_SIDE))
                button.setAutoRaise(True)
                button.clicked.connect(lambda _=False, s=space, c=column: self._clicked(s, c))
                button.setVisible(False)
                self.buttons[space].append(button)
            place_in_columns(self.rows[space], [(button,) for button in self.buttons[space]], k)
        # As narrow as the picture and one neighbour: a narrower view puts fewer neighbours in a
        # row (resizeEvent) rather than keeping the width all of them took.
        margins = layout.contentsMargins()
        self.setMinimumWidth(2 * (PICTURE_MIN_SIDE + BUTTON_PADDING) + SPACING + margins.left() + margins.right())
        self._loader = Latest("Atlas codes", _load_codes, self._loaded, self._failed, self)
        self._ranker = Latest("Neighbours", self._rank, self._ranked, self._failed, self)
        follow(self, state.events.atlas, self._on_atlas)
        follow(self, state.events.result, self._on_result)
        follow(self, state.events.weights, lambda *_: self.atlas is not None and self.status.setText(self._describe()))
        self._on_atlas(state.atlas)

    # the atlas
    def _on_atlas(self, folder, _old=None) -> None:
        self.atlas = None
        self._show_lists({"relu7": [], "pixels": []}, None)
        if folder is None:
            self.status.setText("Open an atlas (Units › Open atlas…) to see the pictures nearest to this one.")
            return
        self.status.setText(f"Loading the codes of {folder}…")
        self._loader.submit(Path(folder))

    def _loaded(self, folder: Path, atlas) -> None:
        if self.state.atlas is None or Path(self.state.atlas) != folder:
            return
        self.atlas = atlas
        self.status.setText(self._describe())
        self._on_result(self.state.result)

    def _failed(self, sentence: str) -> None:
        self.status.setText(sentence)

    def _describe(self) -> str:
        from alexnet_viewer.core.atlas.identity import spec_from_identity  # torch is loaded by now

        text = f"{len(self.atlas):,} pictures in {self.atlas.folder}; Euclidean distance, nearest first."
        built_with = spec_from_identity(self.atlas.manifest.weights)
        if self.state.weights is not None and built_with is not None and built_with != self.state.weights:
            text += " The atlas was made with other weights than these, so its fc7 codes come from another network."
        return text

    # the picture on screen
    def _on_result(self, result, _old=None) -> None:
        if result is None or self.atlas is None:
            return
        self._ranker.submit((self.atlas, result, shown_path(self.state)))

    def _rank(self, job, task) -> dict:
        from alexnet_viewer.core.atlas.neighbours import result_query  # torch, on the task's thread

        atlas, result, path = job
        code, crop = result_query(atlas, result, path)
        lists = {}
        for space, query in (("relu7", code), ("pixels", crop)):
            task.check()
            found = atlas.nearest(space, query, self.k, task.is_cancelled)
            lists[space] = [(item, atlas.crop(item.index)) for item in found]
        return {"lists": lists, "crop": crop}

    def _ranked(self, job, outcome: dict) -> None:
        if job[0] is not self.atlas:
            return
        self._show_lists(outcome["lists"], outcome["crop"])

    def _show_lists(self, lists: dict, crop) -> None:
        self.query_label.setPixmap(QPixmap() if crop is None else rgb_pixmap(crop, MAX_THUMB))
        for space, buttons in self.buttons.items():
            items = lists[space]
            self.shown[space] = [item for item, _ in items]
            for button, entry in zip(buttons, items + [None] * len(buttons)):
                button.setVisible(entry is not None)
                if entry is None:
                    continue
                item, pixels = entry
                name = Path(item.path).name
                button.setIcon(QIcon(rgb_pixmap(pixels, MAX_THUMB)))
                button.setText(f"{item.rank}. {name if len(name) <= 20 else name[:19] + '…'}\n{item.distance:.4g}")
                button.setToolTip(f"{item.path}\ndistance {item.distance:.6g} — click to open")

    def cancel(self) -> None:
        """Stop loading codes and ranking (the window closes)."""
        self._loader.cancel()
        self._ranker.cancel()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # The picture on screen and as many neighbours to a row as fit at the least size (all k
        # in a wide view), sharing the width up to MAX_THUMB.
        super().resizeEvent(event)
        margins = self.layout().contentsMargins()
        room = event.size().width() - margins.left() - margins.right()
        cell = PICTURE_MIN_SIDE + BUTTON_PADDING
        columns = columns_that_fit(room, cell, SPACING, self.k + 1) - 1 or 1
        side = shared_side(room, columns + 1, SPACING, MAX_THUMB + BUTTON_PADDING, cell) - BUTTON_PADDING
        if columns != self.columns:
            self.columns = columns
            for space, row in self.rows.items():
                place_in_columns(row, [(button,) for button in self.buttons[space]], columns)
        self.query_label.setFixedSize(side, side)
        for buttons in self.buttons.values():
            for button in buttons:
                button.setIconSize(QSize(side, side))

    def _clicked(self, space: str, column: int) -> None:
        if column < len(self.shown[space]):
            self._open_picture(Path(self.shown[space][column].path))
