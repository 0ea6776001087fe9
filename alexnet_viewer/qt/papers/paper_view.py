"""What the papers' experiment views share: follow the picture on screen, compute off the GUI
thread with progress and cancel, newest wins.

A view subclasses ``PaperView`` and gives ``compute(loaded, result, task)`` (in a
``BackgroundTask``: report progress with ``task.report``, hand ``task.is_cancelled`` to the core)
and ``present(result, outcome)`` (on the GUI thread). It follows ``state.result`` -- every live
frame is a new Result, and while a job runs only the newest waits -- but only while it is
on screen (on_screen.py): a hidden view, or one behind another tab, remembers the newest
picture and computes it when shown. ``model()`` returns the LoadedModel or None while the
weights load. While another picture's outcome is on screen and the new picture's runs -- or,
hidden, waits to be shown (an export for slides pictures it so) -- a veil greys it and the
status line names the new picture; a live source's frames are one picture, so its outcome
stays clear between frames.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels.style import TitledPanel, apply_spacing, caption_label, title_label
from alexnet_viewer.qt.units.latest import Latest, follow


class PaperView(TitledPanel):
    TITLE = ""
    JOB = "The experiment"
    FOLLOWS_CLASS = False  # recompute when the Explain panel's class changes

    def __init__(self, state, model: Callable[[], object], parent=None) -> None:
        super().__init__(parent)
        self.state, self._model = state, model
        self.outcome = None  # the newest outcome shown
        self._outcome_token = None  # the token of the picture whose outcome is shown
        self._pending = None  # a Result not yet computed because the view was hidden
        self.body = apply_spacing(QVBoxLayout(self))
        self.title = title_label(self.TITLE, wrap=True)
        self.status = caption_label(wrap=True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        busy = QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self.body.addWidget(self.title)
        self.body.addWidget(self.status)
        self.body.addLayout(busy)
        self.veil = QWidget(self)  # over another picture's outcome while the new one runs
        self.veil.setAutoFillBackground(True)
        palette = self.veil.palette()
        colour = palette.color(QPalette.ColorRole.Window)
        colour.setAlpha(215)
        palette.setColor(QPalette.ColorRole.Window, colour)
        self.veil.setPalette(palette)
        self.veil.hide()
        self._set_busy(False)
        self._job = Latest(self.JOB, self._run, self._done, self._failed, self)
        self._job.progressed = self._progressed
        follow(self, state.events.result, self._on_result)
        if self.FOLLOWS_CLASS:
            follow(self, state.events.explain_class, self._on_class)
        self._pending = state.result
        ScreenWatch(self, self._on_screen)

    # following the picture ---------------------------------------------------------------
    def _on_result(self, result, _old=None) -> None:
        if result is None:
            return
        self._pending = result
        if on_screen(self):  # behind another tab it waits until its tab is raised (ScreenWatch)
            self.refresh()
            return
        picture = self.state.picture  # hidden: it runs when shown; meanwhile (an export for slides) it says so
        token = picture.token if picture is not None else None
        if self.outcome is not None and token != self._outcome_token and not self.busy:
            self.status.setText(f"Not yet run on {picture.label if picture is not None else 'the picture on screen'}: "
                                "it runs when this view is shown.")
            self._veil(True)

    def _on_class(self, _new=None, _old=None) -> None:
        self._on_result(self.state.result)

    def refresh(self) -> None:
        """Compute the newest picture (the window's "recompute", and the view being shown)."""
        result, self._pending = self._pending or self.state.result, None
        if result is None:
            self.status.setText("Open a picture to run the experiment on it.")
            return
        loaded = self._model()
        if loaded is None:
            self._pending = result
            self.status.setText("Waiting for the weights…")
            return
        self._set_busy(True)
        picture = self.state.picture
        self.status.setText(f"Running on {picture.label if picture is not None else 'the picture on screen'}…")
        token = picture.token if picture is not None else None
        self._veil(self.outcome is not None and token != self._outcome_token)
        self._job.submit((loaded, result, token))

    def _on_screen(self, shown: bool) -> None:
        if shown and (self._pending is not None or (self.outcome is None and not self.busy)):
            self.refresh()

    def cancel(self) -> None:
        self._job.cancel()
        self.status.setText("Stopped; a new picture starts it again.")
        self._set_busy(False)

    @property
    def busy(self) -> bool:
        return self._job.busy

    # the job -----------------------------------------------------------------------------
    def _run(self, job, task):
        from alexnet_viewer.core.model.device_gate import device_work

        loaded, result, _token = job
        with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py), as the explain worker
            return self.compute(loaded, result, task)

    def _done(self, job, outcome) -> None:
        self._set_busy(False)
        self.outcome, self._outcome_token = outcome, job[2]
        self._veil(False)
        self.present(job[1], outcome)
        if self._pending is not None and not on_screen(self):  # off screen meanwhile, a newer picture waits
            self._on_result(self._pending)

    def _veil(self, shown: bool) -> None:
        if shown:
            self.body.activate()  # the busy row's place, now that it shows
            above = self.status if self.progress.isHidden() else self.progress
            top = above.geometry().bottom() + 1
            self.veil.setGeometry(QRect(0, top, self.width(), max(self.height() - top, 0)))
            self.veil.raise_()
        self.veil.setVisible(shown)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if not self.veil.isHidden():
            self._veil(True)

    def _failed(self, sentence: str) -> None:
        self._set_busy(False)
        self.status.setText(sentence)

    def _progressed(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if text:
            self.progress.setFormat(text)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    # for subclasses ----------------------------------------------------------------------
    def compute(self, loaded, result, task):  # pragma: no cover - abstract
        raise NotImplementedError

    def present(self, result, outcome) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def for_model(self, loaded, make: Callable[[object], object]):
        """``make(loaded)`` (a hook-free copy of the network, say), kept while the weights stay."""
        if getattr(self, "_made_for", None) is not loaded:
            self._made, self._made_for = make(loaded), loaded
        return self._made

    def class_of(self, result) -> int:
        """The class followed: the Explain panel's choice, else the picture's top-1."""
        chosen = self.state.explain_class
        return int(chosen) if chosen is not None else int(result.top5[0].index)
