"""Fool it: pick a class, and projected gradient descent (FGSM at one step) nudges the picture's
own pixels, a level or two, until the saved picture is classified as that class.

Self-contained: give it the viewer state (the picture file on screen), a callable returning
the loaded model (or None), the folder the fooled pictures go to, and optionally a callable
``show_picture(path)``; "Show in the viewer" calls it and emits ``show_in_viewer(path)``, so
the owner opens the saved picture as any other. The attack runs in a BackgroundTask; the
top-5 and the change at conv1 and fc7 follow it step by step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QVBoxLayout,
)

from alexnet_viewer.qt.explain.thumbnail import Thumbnail
from alexnet_viewer.qt.panels.fitting import shared_side
from alexnet_viewer.qt.panels.style import (
    SPACING, apply_spacing, caption_label, completing_edit, title_label,
)
from alexnet_viewer.qt.explain.task_view import TaskView
from alexnet_viewer.qt.units.task import BackgroundTask

SIDE = 224  # the pictures at most: the size the network sees
TOP5_CHARS = 24  # the room each top-5 list keeps beside the pictures, in digits ("99.99% red-backed sandp…")
HINT = "Type a class to reach (empty: anything but the top-1), then Fool it."


def top5_text(title: str, guesses, target: int | None = None) -> str:
    rows = "".join(
        f"<br>{'<b>' if g.index == target else ''}{g.probability:6.2%} {g.label}{'</b>' if g.index == target else ''}"
        for g in guesses
    )
    return f"<b>{title}</b>{rows}"


def change_text(change: dict[str, float]) -> str:
    return "Changed by the attack: " + ", ".join(f"{layer} {value:.1%}" for layer, value in change.items()) + \
        " (‖a′ − a‖ / ‖a‖)"


class FoolView(TaskView):
    show_in_viewer = Signal(object)  # Path of the saved picture
    finished = Signal(object)  # core AttackResult

    def __init__(self, state, model: Callable[[], object | None], out_folder: Path,
                 show_picture: Callable[[Path], None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.state, self.model, self.out_folder, self.show_picture = state, model, Path(out_folder), show_picture
        self.target_edit, self.completions, _ = completing_edit("a class to reach, e.g. tabby (empty: any other)", self)
        self.eps_spin, self.steps_spin = QSpinBox(), QSpinBox()
        self.eps_spin.setRange(1, 32)
        self.eps_spin.setValue(2)
        self.eps_spin.setToolTip("L∞ bound: no pixel moves by more than this many of 255 levels")
        self.steps_spin.setRange(1, 200)
        self.steps_spin.setValue(10)
        self.steps_spin.setToolTip("Gradient steps (1 is FGSM)")
        self.run_button, self.stop_button = QPushButton("Fool it"), QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.viewer_button = QPushButton("Show in the viewer")
        self.viewer_button.setToolTip("Open the saved picture like any other picture")
        self.viewer_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.before_label, self.after_label = QLabel(), QLabel()
        for label in (self.before_label, self.after_label):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            label.setWordWrap(True)  # a long class name takes two lines rather than widening the view
        self.original, self.fooled, self.perturbation = Thumbnail(SIDE), Thumbnail(SIDE), Thumbnail(SIDE)
        self.change_label = caption_label("", wrap=True)
        self.status = caption_label(HINT, wrap=True)

        controls = QHBoxLayout()
        controls.addWidget(self.target_edit, 1)
        for text, spin in (("± levels", self.eps_spin), ("Steps", self.steps_spin)):
            controls.addWidget(QLabel(text))
            controls.addWidget(spin)
        for button in (self.run_button, self.stop_button, self.viewer_button):
            controls.addWidget(button)
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACING)
        for column, (thumbnail, text) in enumerate(((self.original, "The picture"), (self.perturbation, "The change, amplified"),
                                                    (self.fooled, "The fooled picture, as saved"))):
            caption = QLabel(text)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(thumbnail, 0, column)
            grid.addWidget(caption, 1, column)
        grid.addWidget(self.before_label, 0, 3)
        grid.addWidget(self.after_label, 0, 4)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(4, 1)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(title_label("Fool it: the smallest push that changes the answer", squeezable=False))
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addLayout(grid)
        layout.addWidget(self.change_label)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.result = None  # the last core AttackResult
        self.saved: Path | None = None
        self._target: int | None = None
        self.run_button.clicked.connect(self.run)
        self.target_edit.returnPressed.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.viewer_button.clicked.connect(self._show_in_viewer)
        state.events.weights_status.connect(self._refresh_categories)
        self._refresh_categories()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The three pictures share what the top-5 lists leave of the width, from
        PICTURE_MIN_SIDE (scrolling below that) up to SIDE."""
        super().resizeEvent(event)
        margins = self.layout().contentsMargins()
        lists = 2 * (self.before_label.fontMetrics().horizontalAdvance("0") * TOP5_CHARS + SPACING)
        side = shared_side(self.width() - margins.left() - margins.right() - lists, 3, SPACING, SIDE)
        for thumbnail in (self.original, self.perturbation, self.fooled):
            thumbnail.set_side(side)

    @property
    def busy(self) -> bool:
        return self._slot.busy

    def set_categories(self, names) -> None:
        self.completions.setStringList(sorted(set(names)))

    def _refresh_categories(self, *_change) -> None:
        """The completion lists the loaded weights' classes (when the weights change too)."""
        loaded = self.model()
        self.set_categories(loaded.categories if loaded is not None else ())

    def run(self) -> bool:
        """Start the attack on the picture file on screen; False (with the reason shown) if it cannot."""
        from alexnet_viewer.core.model.classes import resolve_class

        loaded, picture = self.model(), self.state.picture
        if self._slot.busy:
            return False
        if loaded is None:
            return self._say("Wait until the weights have loaded.")
        if picture is None or picture.path is None:
            return self._say("Fool it works on a picture opened from a file: open one first.")
        text = self.target_edit.text().strip()
        try:
            target = resolve_class(text, loaded.categories) if text else None
        except ValueError as error:
            return self._say(str(error))
        eps, steps, folder = self.eps_spin.value(), self.steps_spin.value(), self.out_folder
        self._target, self.saved, self.result = target, None, None
        self.viewer_button.setEnabled(False)
        self._set_running(True)
        self._say("Attacking…")
        self._slot.start("Fool it", lambda t: _work(loaded, Path(picture.path), target, eps, steps, folder, t), "The attack",
                         progressed=self._on_progress, delivered=self._on_item, succeeded=self._on_done, failed=self._on_ended, stopped=self._on_ended)
        return True

    def _steps(self) -> int:
        return self.steps_spin.value()

    def _on_item(self, item) -> None:
        kind, value = item
        if kind == "picture":
            self.original.set_picture(value)
        else:  # a step
            self.before_label.setText(top5_text("Before", value.before, self._target))
            self.after_label.setText(top5_text(f"After step {value.step}", value.top5, self._target))
            self.change_label.setText(change_text(value.change))

    def _on_done(self, outcome) -> None:
        from alexnet_viewer.core.explain.attack import counted  # torch is loaded by now

        result, path = outcome
        self._slot.forget()
        self._set_running(False)
        self.result, self.saved = result, path
        self.fooled.set_picture(result.adversarial)
        self.perturbation.set_picture(result.perturbation_picture())
        self.before_label.setText(top5_text("Before", result.before, self._target))
        self.after_label.setText(top5_text("After", result.after, self._target))
        self.change_label.setText(change_text(result.change))
        self.viewer_button.setEnabled(True)
        if result.success:
            self._say(f"Fooled: the saved picture now reads as {result.after[0].label}, with at most "
                      f"{counted(result.linf, 'level')} of 255 per pixel changed in {counted(result.steps_run, 'step')}. Saved as {path.name}.")
        else:
            self._say(f"Not fooled within ±{counted(result.eps, 'level')} and {counted(result.steps, 'step')}; try more of either. "
                      f"The last attempt is saved as {path.name}.")
        self.finished.emit(result)

    def _on_ended(self, sentence: str) -> None:
        self._slot.forget()
        self._set_running(False)
        self._say(sentence)

    def _show_in_viewer(self) -> None:
        if self.saved is None:
            return
        if self.show_picture is not None:
            self.show_picture(self.saved)
        self.show_in_viewer.emit(self.saved)


def _work(loaded, path: Path, target: int | None, eps: int, steps: int, folder: Path, task: BackgroundTask):
    """In the task's thread: decode, attack step by step, save the fooled picture."""
    from alexnet_viewer.core.explain.attack import attack
    from alexnet_viewer.core.output_files import write_png
    from alexnet_viewer.core.pictures.images import image_to_array, load_image

    image = image_to_array(load_image(path))
    task.deliver(("picture", image))

    def progress(report) -> None:
        task.deliver(("step", report))
        task.report(report.step, report.steps, f"Step {report.step} of {report.steps}: {report.top5[0].label} {report.top5[0].probability:.1%}")

    result = attack(loaded, image, target, eps, steps, progress, task.is_cancelled)
    folder.mkdir(parents=True, exist_ok=True)
    aim = "any" if target is None else str(target)
    saved = folder / f"{path.stem}-fooled-{aim}-eps{eps}.png"
    write_png(saved, result.adversarial)
    return result, saved
