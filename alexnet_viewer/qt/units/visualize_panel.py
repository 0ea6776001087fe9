"""Activation maximisation in the window: the picture that drives a channel (or a class) hardest.

The target is typed as ``LAYER:C`` (``conv5:17``, ``fc8:281``) or as a class name (with a
completer over the weights' categories), or taken from the selected channel. The picture
is optimised by core/visualize in the background with progress and Stop; core caches it
on disk per weights, so asking again is immediate. The panel then measures real photos the
same way (the channel's mean activation as the viewer opens each file): the open atlas's
best pictures for that channel and the picture on screen, and shows the best of them
beside the picture's own activation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.qt.panels.image_canvas import FIT_PADDING, ImageCanvas
from alexnet_viewer.qt.panels.style import (
    PICTURE_MIN_SIDE,
    TitledPanel,
    apply_spacing,
    caption_label,
    completing_edit,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.units.task import BackgroundTask, TaskSlot

DEFAULT_STEPS = 256  # core.visualize.DEFAULT_STEPS, without importing torch at start-up
MAX_STEPS = 4096
HINT = "Type conv5:17, fc8:281 or a class name, or take the selected channel; then Visualise."


@dataclass(frozen=True)
class Photo:
    path: Path
    activation: float


@dataclass(frozen=True)
class Visualisation:
    target: str  # "conv5:17"
    label: str  # "conv5:17" or "fc8:281 (tabby)"
    result: object  # core.visualize.VisualizeResult
    best_photo: Photo | None
    photos: int  # how many real photos were measured


def target_text(text: str) -> str:
    """What the user typed as LAYER:C; a bare class name means fc8."""
    text = text.strip()
    return text if ":" in text else f"fc8:{text}"


def visualize_work(loaded, text: str, steps: int, atlas, picture: Path | None, cache_dir,
                   task: BackgroundTask) -> Visualisation:
    """In the task's thread: parse, optimise (or read the cache), then measure real photos:
    the atlas's best for a conv/relu/pool channel, and ``picture``."""
    from alexnet_viewer.core.atlas.lookup import channel_top
    from alexnet_viewer.core.errors import ImageLoadError
    from alexnet_viewer.core.pictures.images import image_to_array, load_image
    from alexnet_viewer.core.visualize import (
        measure_activations,
        parse_target,
        visualize,
    )

    target = parse_target(target_text(text), loaded.categories)
    label = str(target) + (f" ({loaded.categories[target.channel]})" if target.layer == "fc8" else "")
    photos = []
    if atlas is not None and target.layer in SPATIAL_LAYERS:
        photos = [Path(unit.path) for unit in channel_top(atlas.folder, atlas.manifest, target.layer, target.channel, atlas.crop)]
    if picture is not None and picture not in photos:
        photos.append(picture)

    def progress(done: int, total: int, objective: float) -> None:
        task.report(done, total, f"step {done} of {total}, objective {objective:.4g}")

    result = visualize(loaded, target.layer, target.channel, steps=steps, progress=progress,
                       cancelled=task.is_cancelled, cache_dir=cache_dir)
    task.report(0, 0, f"measuring {len(photos)} real photo(s)")
    found, pixels = [], []
    for path in photos:
        task.check()
        try:
            pixels.append(image_to_array(load_image(path)))
        except (ImageLoadError, OSError):
            continue  # a photo that vanished since: it is just not compared
        found.append(Path(path))
    values = measure_activations(loaded, target.layer, target.channel, pixels) if pixels else []
    best = max((Photo(path, value) for path, value in zip(found, values)), key=lambda photo: photo.activation,
               default=None)
    return Visualisation(str(target), label, result, best, len(found))


class VisualizePanel(TitledPanel):
    """``wants_selected()`` asks the owner for the selected channel (``set_target``); the owner
    also sets ``atlas`` and ``current_picture``, the real photos to compare with."""

    wants_selected = Signal()
    show_in_viewer = Signal(object, str)  # (224, 224, 3) uint8 picture, label
    visualised = Signal(object)  # Visualisation

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Activation maximisation")
        self.target_edit, self.completions, _ = completing_edit("conv5:17, fc8:281 or a class name", self)
        self.selected_button = QPushButton("Selected channel")
        self.selected_button.setToolTip("Take the channel selected in the feature maps")
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(1, MAX_STEPS)
        self.steps_spin.setValue(DEFAULT_STEPS)
        self.steps_spin.setToolTip("Optimisation steps")
        self.run_button = QPushButton("Visualise")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.canvas = ImageCanvas(self)
        least = math.ceil(PICTURE_MIN_SIDE * (1 + 2 * FIT_PADDING))  # the picture itself at least the minimum
        self.canvas.setMinimumSize(least, least)
        self.result_label = caption_label(HINT, wrap=True)
        self.viewer_button = QPushButton("Show in the viewer")
        self.viewer_button.setToolTip("Run the picture through the network like any other picture")
        self.viewer_button.setEnabled(False)

        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.target_edit, 1)
        first.addWidget(self.selected_button)
        second.addWidget(QLabel("Steps"))
        second.addWidget(self.steps_spin)
        second.addStretch(1)
        for button in (self.run_button, self.stop_button, self.viewer_button):
            second.addWidget(button)
        layout = apply_spacing(QVBoxLayout(self), margins=0)
        layout.addWidget(self.title)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.progress)
        shown = QHBoxLayout()  # the picture and what it achieved side by side: a side dock is short
        shown.addWidget(self.canvas, 3)
        shown.addWidget(self.result_label, 2, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(shown, 1)

        self.loaded = None  # core LoadedModel; None until the weights are in
        self.cache_dir: Path | None = None  # None: core's default cache folder
        self.atlas = None  # atlas_jobs.OpenedAtlas whose best photos are compared with
        self.current_picture = lambda: None  # the picture file on screen, compared with too
        self.shown: Visualisation | None = None
        self._tasks = TaskSlot()
        self.target_edit.returnPressed.connect(self.run)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.selected_button.clicked.connect(self.wants_selected)
        self.viewer_button.clicked.connect(self._show_in_viewer)

    @property
    def busy(self) -> bool:
        return self._tasks.busy

    def set_model(self, loaded) -> None:
        self.loaded = loaded
        self.completions.setStringList(sorted(set(loaded.categories)) if loaded is not None else [])

    def set_target(self, text: str) -> None:
        self.target_edit.setText(text)

    def run(self) -> bool:
        """Visualise the typed target; False (with the reason shown) if it cannot start."""
        text = self.target_edit.text().strip()
        if self._tasks.busy:
            return False
        if not text:
            self._say(HINT)
            return False
        if self.loaded is None:
            self._say("Wait until the weights have loaded.")
            return False
        loaded, steps, cache_dir, atlas, picture = (self.loaded, self.steps_spin.value(), self.cache_dir,
                                                    self.atlas, self.current_picture())
        self._set_running(True)
        self._say(f"Optimising {target_text(text)}…")
        self._tasks.start("Visualize", lambda t: visualize_work(loaded, text, steps, atlas, picture, cache_dir, t),
                          "The visualisation", progressed=self._on_progress, succeeded=self._on_done,
                          failed=self._on_failed, stopped=self._on_stopped)
        return True

    def stop(self) -> None:
        self._tasks.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if running:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def _say(self, text: str) -> None:
        set_text_if_changed(self.result_label, text)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self._say(text)

    def _finish(self) -> None:
        self._tasks.forget()
        self._set_running(False)

    def _on_done(self, shown: Visualisation) -> None:
        self._finish()
        self.shown = shown
        result = shown.result
        self.canvas.set_image(result.image)
        self.viewer_button.setEnabled(True)
        how = "from the cache" if result.cached else f"{result.steps} steps in {result.seconds:.1f} s"
        text = f"{shown.label}: mean activation <b>{result.activation:.4g}</b> for this picture as saved ({how})."
        best = shown.best_photo
        if best is not None:
            ratio = f"{result.activation / best.activation:.1f}×" if best.activation > 0 else "—"
            text += (f"<br>Best real photo of {shown.photos}: {best.activation:.4g} ({best.path.name}); "
                     f"the picture reaches {ratio} that.")
        elif shown.photos == 0:
            text += "<br>No real photo to compare with: open one, or an atlas."
        self._say(text)
        self.visualised.emit(shown)

    def _on_failed(self, message: str) -> None:
        self._finish()
        self._say(message)

    def _on_stopped(self, message: str) -> None:
        self._finish()
        self._say(message)

    def _show_in_viewer(self) -> None:
        if self.shown is not None:
            self.show_in_viewer.emit(self.shown.result.image, f"visualisation of {self.shown.target}")
