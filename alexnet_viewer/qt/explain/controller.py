"""Glue between the window and the Explain panel: what to explain, of which frame, when.

The target is the top-1 of each frame (the default), a class (a top-5 bar clicked, keys
1–5 in presentation mode, or a name typed), or the unit selected in the feature maps.
Each drawn result is offered to the worker, but a job is posted only when the frame (its
picture, edits and switched-off channels) or the request changed, and only while the
panel can be seen; the worker explains the newest one it has. An explanation that comes
back is drawn only if it is newer than the one on screen and still of what is asked for.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.explain.jobs import (
    METHODS,
    ClassTarget,
    ExplainJob,
    ExplainRequest,
    UnitTarget,
)


def class_from_text(text: str, categories) -> int:
    """A class index from what was typed (a name in any case, a unique start of one, or an
    index); ValueError with a sentence."""
    from alexnet_viewer.core.model.classes import resolve_class

    if not text.strip():
        raise ValueError("Type a class name, such as tabby, or click a top-5 bar.")
    return resolve_class(text, categories)


class ExplainController(QObject):
    drawn = Signal(object)  # the Explanation just drawn, or None when a message took its place

    def __init__(self, state, services, panel, worker, top5_panel, maps) -> None:
        super().__init__(services.parent)
        self.state, self.services = state, services
        self.panel, self.worker, self.maps = panel, worker, maps
        self.mode = "top1"  # "top1", "class" or "unit"
        self.class_target: ClassTarget | None = None
        self.unit: UnitTarget | None = None
        self._loaded = None
        self._categories: tuple[str, ...] = ()
        self._shown = None  # (Result, Job) drawn last in the window
        self._posted_key = None
        self._generation_key = None
        self._generation = 0
        self._serial = 0
        self._drawn_serial = 0
        self._halted = False  # occlusion cancelled: nothing is posted until a change or Restart
        self._last_cell: tuple[str, int, int, int] | None = None
        self._unit_timer = QTimer(self)  # one click selects a channel and a cell: take both at once
        self._unit_timer.setSingleShot(True)
        self._unit_timer.setInterval(0)
        self._unit_timer.timeout.connect(self._follow_unit)

        queued = Qt.ConnectionType.QueuedConnection
        services.result_shown.connect(self._on_result_shown)
        services.weights_ready.connect(self._on_weights_ready, queued)
        top5_panel.class_clicked.connect(self.choose_class)
        maps.channel_selected.connect(lambda _layer, _channel: self._unit_timer.start())
        maps.cell_clicked.connect(self._on_cell_clicked)
        panel.method_changed.connect(lambda _method: self.refresh())
        panel.layer_changed.connect(lambda _layer: self.refresh())
        panel.top1_chosen.connect(self.choose_top1)
        panel.class_entered.connect(self.enter_class)
        panel.unit_chosen.connect(self.choose_unit)
        panel.cancel_requested.connect(self.cancel)
        panel.restart_requested.connect(self.restart)
        ScreenWatch(panel, lambda shown: shown and self.refresh())  # a tab raised, the stage showing it
        worker.finished.connect(self._on_finished, queued)
        worker.failed.connect(self._on_failed, queued)
        worker.progress.connect(self._on_progress, queued)
        panel.set_target("top1")

    # Targets
    def choose_top1(self) -> None:
        self.mode = "top1"
        top = self._shown[0].top5[0] if self._shown is not None and self._shown[0].top5 else None
        self.panel.set_target("top1", top.label if top is not None else "")
        self.refresh()

    def choose_class(self, index: int) -> None:
        if not 0 <= index < len(self._categories):
            self.panel.show_message(f"Class {index} is not one of the weights' {len(self._categories)} classes.")
            return
        self.mode = "class"
        self.class_target = ClassTarget(index, self._categories[index])
        self.panel.set_target("class", self.class_target.label)
        self.refresh()

    def explain_rank(self, rank: int) -> None:
        """Presentation keys 1–5: the class at that rank of the frame on screen."""
        result = self._shown[0] if self._shown is not None else None
        if result is None or not 1 <= rank <= len(result.top5):
            self.panel.show_message(f"There is no top-5 class {rank} to explain yet.")
            return
        self.choose_class(result.top5[rank - 1].index)

    def enter_class(self, text: str) -> None:
        try:
            index = class_from_text(text, self._categories)
        except ValueError as error:
            self.panel.show_message(str(error))
            self.drawn.emit(None)
            return
        self.choose_class(index)

    def choose_unit(self, cell_only: bool = False) -> None:
        selected = self.maps.selected_channel
        if selected is None:
            self.panel.set_target(self.mode, self._target_text())
            self.panel.show_message("Pick a unit first: click a channel's tile in the feature maps.")
            return
        layer, channel = selected
        cell = self._last_cell if cell_only else None
        if cell is not None and cell[:2] != (layer, channel):
            cell = None
        self.mode = "unit"
        self.unit = UnitTarget(layer, channel, *(cell[2:] if cell is not None else (None, None)))
        if not METHODS[self.panel.method][2]:
            self.panel.set_method("guided_backprop")  # a unit's own methods; comes back through refresh
        self.panel.set_target("unit", self.unit.describe())
        if cell_only and cell is None:
            self.panel.show_message(f"Click a cell of {layer} channel {channel}'s tile to explain just that neuron.")
        self.refresh()

    def _on_cell_clicked(self, layer: str, channel: int, y: int, x: int) -> None:
        self._last_cell = (layer, channel, y, x)
        self._unit_timer.start()

    def _follow_unit(self) -> None:
        if self.mode == "unit":
            self.choose_unit(self.panel.cell_only)

    def _target_text(self) -> str:
        if self.mode == "class" and self.class_target is not None:
            return self.class_target.label
        return self.unit.describe() if self.mode == "unit" and self.unit is not None else ""

    # Occlusion's Cancel and Restart
    def cancel(self) -> None:
        self._halted = True
        self._bump_generation()
        self.worker.cancel()
        self.panel.show_cancelled("Occlusion cancelled. Restart runs it again; any other choice goes on as usual.")
        self.drawn.emit(None)

    def restart(self) -> None:
        self._halted = False
        self._posted_key = None
        self.refresh()

    # Frames
    def _on_result_shown(self, result, job) -> None:
        self._shown = (result, job)
        if self.mode == "top1" and result.top5:
            self.panel.set_target("top1", result.top5[0].label)
        self.refresh()

    def _on_weights_ready(self, _loaded_weights) -> None:
        from alexnet_viewer.core.explain import (
            DEFAULT_LAYER,  # torch is in by now: the weights loaded
        )

        self.panel.set_default_layer(DEFAULT_LAYER)
        self._loaded = self.services.loaded_model()
        self.worker.forget_weights()
        self._categories = tuple(self._loaded.categories) if self._loaded is not None else ()
        self.panel.set_categories(list(self._categories))
        self.refresh()

    @property
    def panel_seen(self) -> bool:
        return on_screen(self.panel)  # not behind another tab

    def refresh(self) -> None:
        """Post the frame on screen if it, or what is asked, changed since the last post."""
        if self._shown is not None:
            self._write_state(self._request_for(self._shown[0]))
        if self._shown is None or not self.panel_seen:
            return
        if self._loaded is None:
            self.panel.show_message("Explanations need the network's weights; they are still loading.")
            return
        result, job = self._shown
        if result.weights != self._loaded.weights:
            return  # a frame of the previous weights, drawn while the new ones came in
        request = self._request_for(result)
        if request is None:
            return
        generation_key = (self.mode, request.method, request.layer,
                          None if self.mode == "top1" else request.target, id(self._loaded))
        if generation_key != self._generation_key:
            self._generation_key = generation_key
            self._halted = False
            self._bump_generation()
        key = (job.source.token, job.edits, job.view.ablations, request, id(self._loaded))
        if self._halted or key == self._posted_key:
            return
        self._posted_key = key
        self._serial += 1
        self.worker.post(ExplainJob(self._serial, self._generation, request, result, job.frame_id, self._loaded,
                                    ablated=bool(job.view.ablations)))
        if request.method == "occlusion" and not self.panel.progress.isVisible():
            self.panel.show_progress(0.0, f"{request.describe()}: starting…")

    def _request_for(self, result) -> ExplainRequest | None:
        method, layer = self.panel.method, self.panel.layer
        if self.mode == "unit":
            if self.unit is None:
                return None
            if not METHODS[method][2]:
                self.panel.show_message(f"{METHODS[method][0]} explains a class; a unit takes guided backprop or deconvnet.")
                return None
            return ExplainRequest(method, self.unit, layer)
        if self.mode == "class" and self.class_target is not None:
            return ExplainRequest(method, self.class_target, layer)
        if not result.top5:
            return None
        top = result.top5[0]
        return ExplainRequest(method, ClassTarget(top.index, top.label), layer)

    def _write_state(self, request: ExplainRequest | None) -> None:
        """What Explain shows, for the other views (the top-5 marks the class)."""
        target = request.target if request is not None else None
        self.state.explain_class = target.index if isinstance(target, ClassTarget) else None
        self.state.explain_method = self.panel.method
        self.state.explain_layer = self.panel.layer

    def _bump_generation(self) -> None:
        self._generation += 1
        self.worker.generation = self._generation

    # What the worker says
    def _current(self, job) -> bool:
        return job.generation == self._generation and not self._halted

    def _on_finished(self, explanation) -> None:
        job = explanation.job
        if not self._current(job) or job.serial < self._drawn_serial:
            return
        self._drawn_serial = job.serial
        self.panel.show_progress(None)
        self.panel.show_explanation(explanation)
        self.drawn.emit(explanation)

    def _on_failed(self, job, message: str) -> None:
        if self._current(job):
            self.panel.show_progress(None)
            self.panel.show_message(message)
            self.drawn.emit(None)

    def _on_progress(self, job, done: int, total: int) -> None:
        if self._current(job) and total > 0:
            self.panel.show_progress(done / total, f"{job.request.describe()}: {done} of {total} positions…")
