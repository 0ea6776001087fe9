"""The sanity check's row (Adebayo et al. 2018): one method's map as the weights are randomised
from fc8 down to conv1, with Spearman's rho to the original under each map.

Self-contained: give it the viewer state (the picture on screen, the class and layer to
explain) and a callable returning the loaded model (or None while none is). The cascade runs
in a BackgroundTask on a private copy of the weights; each map appears as it is computed.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from alexnet_viewer.core.explain.registry import METHODS, uses_layer
from alexnet_viewer.qt.explain.thumbnail import Thumbnail
from alexnet_viewer.qt.panels.fitting import shared_side
from alexnet_viewer.qt.panels.style import apply_spacing, caption_label, set_text_if_changed, title_label
from alexnet_viewer.qt.explain.task_view import TaskView
from alexnet_viewer.qt.units.task import BackgroundTask

MEANING = (
    "Left to right, the weights are re-drawn at random from fc8 down to conv1, cumulatively, and ρ is each map's "
    "rank correlation with the original: a map that explains what the network learned falls apart (ρ near 0) as "
    "the weights go, while one that stays alike (ρ near 1) shows the picture, not the model."
)
MAX_SIDE = 224  # the maps grow with the view up to the size the network sees
GAP = 4
STAYS_ALIKE = 0.5  # rho at conv1 at or above which the map mostly shows the picture


def step_caption(randomised: str, rho: float | None) -> str:
    where = "original" if randomised == "none" else f"to {randomised}"
    return f"{where}\nρ {'—' if rho is None else f'{rho:.2f}'}"


def subject_text(method: str, label: str, index: int, layer: str, picture: str) -> str:
    """What the row explains: the method's title, the class, and the layer where the method reads one
    (a method that joined the check by name alone keeps its name and the layer)."""
    known = METHODS.get(method)
    at = "" if known is not None and not uses_layer(method) else f" at {layer}"
    return f"{known.title if known else method} of “{label}” ({index}){at}, on {picture}"


def verdict(rho: float | None) -> str:
    if rho is None:
        return "With every layer random the map is flat: nothing is left to rank."
    if rho >= STAYS_ALIKE:
        return f"With every layer random, ρ is still {rho:.2f}: this map mostly shows the picture, not what the network learned."
    return f"With every layer random, ρ is {rho:.2f}: this map depends on the learned weights, as an explanation should."


class SanityView(TaskView):
    finished = Signal(object)  # core SanityRow

    def __init__(self, state, model: Callable[[], object | None], parent=None) -> None:
        super().__init__(parent)
        from alexnet_viewer.core.explain.sanity import CASCADE, MAP_METHODS, ORIGINAL  # torch: when built, not imported

        self.state, self.model = state, model
        self.names = (ORIGINAL, *CASCADE)
        self.method_box = QComboBox()
        self.method_box.addItems(list(MAP_METHODS))
        if state.explain_method in MAP_METHODS:
            self.method_box.setCurrentText(state.explain_method)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Seed of the random weights")
        self.run_button, self.stop_button = QPushButton("Randomise and compare"), QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.subject = caption_label("", wrap=True)
        self.meaning = caption_label(MEANING, wrap=True)
        self.status = caption_label("", wrap=True)
        self.thumbnails = [Thumbnail() for _ in self.names]
        self.captions = [QLabel(step_caption(name, None)) for name in self.names]

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Method"))
        controls.addWidget(self.method_box)
        controls.addWidget(QLabel("Seed"))
        controls.addWidget(self.seed_spin)
        controls.addStretch(1)
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        row_widget = QWidget()
        grid = QGridLayout(row_widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(GAP)
        for column, (thumbnail, caption) in enumerate(zip(self.thumbnails, self.captions)):
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(thumbnail, 0, column)
            grid.addWidget(caption, 1, column)
        scroll = QScrollArea()
        scroll.setWidget(row_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(title_label("Sanity check: randomise the weights (Adebayo et al. 2018)", squeezable=False))
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.subject)
        layout.addWidget(scroll)
        layout.addWidget(self.meaning)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.row = None  # the last finished core SanityRow
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The maps share the width, from PICTURE_MIN_SIDE (scrolling below that) up to MAX_SIDE."""
        super().resizeEvent(event)
        margins = self.layout().contentsMargins()
        side = shared_side(self.width() - margins.left() - margins.right(), len(self.thumbnails), GAP, MAX_SIDE)
        for thumbnail in self.thumbnails:
            thumbnail.set_side(side)
        bar = self.scroll.horizontalScrollBar().sizeHint().height()
        self.scroll.setFixedHeight(side + self.captions[0].sizeHint().height() + self.scroll.widget().layout().verticalSpacing() + bar)

    @property
    def busy(self) -> bool:
        return self._slot.busy

    def run(self) -> bool:
        """Start the cascade on the picture on screen; False (with the reason shown) if it cannot."""
        loaded, result = self.model(), self.state.result
        if self._slot.busy:
            return False
        if loaded is None:
            return self._say("Wait until the weights have loaded.")
        if result is None:
            return self._say("Open a picture first: the check explains the picture on screen.")
        method, seed, layer = self.method_box.currentText(), self.seed_spin.value(), self.state.explain_layer
        index = self.state.explain_class if self.state.explain_class is not None else result.top5[0].index
        crop = result.crop
        picture = self.state.picture.label if self.state.picture is not None else "the picture"
        set_text_if_changed(self.subject, subject_text(method, loaded.categories[index], index, layer, picture))
        for thumbnail, caption, name in zip(self.thumbnails, self.captions, self.names):
            thumbnail.set_picture(None)
            caption.setText(step_caption(name, None))
        self._set_running(True)
        self._say("Randomising…")
        self._slot.start("Sanity check", lambda t: _work(loaded, crop, method, index, layer, seed, t), "The sanity check",
                         progressed=self._on_progress, delivered=self._on_step, succeeded=self._on_done, failed=self._on_ended, stopped=self._on_ended)
        return True

    def _steps(self) -> int:
        return len(self.names)

    def _on_step(self, item) -> None:
        position, step, picture = item
        self.thumbnails[position].set_picture(picture)
        self.captions[position].setText(step_caption(step.randomised, step.rho))

    def _on_done(self, row) -> None:
        self._slot.forget()
        self._set_running(False)
        self.row = row
        self._say(verdict(row.steps[-1].rho))
        self.finished.emit(row)

    def _on_ended(self, sentence: str) -> None:
        self._slot.forget()
        self._set_running(False)
        self._say(sentence)


def _work(loaded, crop: np.ndarray, method: str, index: int, layer: str, seed: int, task: BackgroundTask):
    """In the task's thread: the cascade, each step's picture delivered as it is computed."""
    import torch

    from alexnet_viewer.core.explain.display import heat_levels, heat_overlay
    from alexnet_viewer.core.explain.sanity import sanity_check
    from alexnet_viewer.core.frame.preprocess import Preprocessor
    from alexnet_viewer.core.model.device_gate import device_work

    with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py); sanity_check gates its steps
        pixels = torch.from_numpy(np.array(crop)).permute(2, 0, 1).to(loaded.device)  # a copy: the crop is read-only
        batch = Preprocessor(loaded.transforms, loaded.device).normalise(pixels.unsqueeze(0))

    def progress(step, done: int, total: int) -> None:
        task.deliver((done - 1, step, heat_overlay(crop, step.importance, 0.5, heat_levels(step.importance))))
        task.report(done, total, f"Randomised {'nothing' if step.randomised == 'none' else 'down to ' + step.randomised} ({done}/{total})")

    return sanity_check(loaded, batch, method, index, layer, seed, progress, task.is_cancelled)
