"""Every explanation method side by side with its price, and the map of the one chosen.

``MethodsView(state, get_model)`` is self-contained: it reads the frame on screen from the
viewer state (``state.result``; ``state.explain_class`` / ``state.explain_layer`` as the
first choices) and the loaded model from ``get_model()`` (None while none is loaded). The
table lists each method with its passes and the time it should take here (core/explain
costs.py, from the frames' measured forward times, refined by every finished run). Maps
are computed in a ``BackgroundTask`` (never on the GUI thread); SmoothGrad and Integrated
Gradients show their running estimate as chunks finish. With "Follow frames" a live
source gets a new map whenever the last one is done (the newest frame wins); changing the
method, class or layer cancels the map under way. A view that is not on screen computes
nothing: it catches up with the frame on screen when it is shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from alexnet_viewer.core.explain.costs import CostModel, describe_seconds
from alexnet_viewer.core.explain.display import gradient_image, heat_overlay
from alexnet_viewer.core.explain.registry import DEFAULT_LAYER, METHODS, Settings, channels_of, price, uses_layer
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.qt.explain.controller import class_from_text
from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels.style import (
    PLOT_BACKGROUND, apply_spacing, caption_label, completing_edit, hint_label, set_text_if_changed, title_label,
)
from alexnet_viewer.qt.units.task import BackgroundTask, TaskSlot

ORDER = ("saliency", "grad_x_input", "smoothgrad", "integrated_gradients", "lrp_epsilon", "lrp_composite",
         "guided_backprop", "deconv", "gradcam", "gradcam_pp", "layercam", "scorecam", "guided_gradcam", "occlusion")


@dataclass(frozen=True)
class MapRequest:
    method: str
    class_index: int
    layer: str
    result: object  # the frame's Result


@dataclass(frozen=True)
class MapShown:
    request: MapRequest
    values: np.ndarray
    done: int
    total: int  # done < total: a running estimate


class MethodsView(QWidget):
    def __init__(self, state, get_model: Callable[[], object], parent=None, settings: Settings = Settings(),
                 runner_factory=None) -> None:
        super().__init__(parent)
        ScreenWatch(self, lambda shown: shown and self._on_shown())  # behind another tab it waits (on_screen.py)
        self.state, self.get_model, self.settings = state, get_model, settings
        self._runner_factory = runner_factory
        self._runner_lock = threading.Lock()
        self._runner_of: tuple[object, object] | None = None  # (loaded, MethodRunner)
        self.costs = CostModel()
        self._completed_from = None  # the categories the class box completes now
        self.slot = TaskSlot()
        self._running: MapRequest | None = None
        self._pending: MapRequest | None = None
        self.shown: MapShown | None = None
        self._build()
        state.events.result.connect(self._on_result)
        if state.result is not None:
            self._on_result(state.result)

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = title_label("Every method, its price, its map")
        self.table = QTableWidget(len(ORDER), 3)
        self.table.setHorizontalHeaderLabels(["Method", "Passes", "Time here"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for row, name in enumerate(ORDER):
            item = QTableWidgetItem(METHODS[name].title)
            item.setToolTip(f"Equals {METHODS[name].reference}")
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem())
            self.table.setItem(row, 2, QTableWidgetItem())
        self.table.setMinimumWidth(380)
        self.class_edit, self.completions, completer = completing_edit("top-1, or a class name / index", self)
        completer.activated.connect(lambda text: (self.class_edit.setText(text), self._restart()))
        self.class_edit.returnPressed.connect(self._restart)
        self.layer_combo = QComboBox()
        self.layer_combo.addItems(SPATIAL_LAYERS)
        self.layer_combo.setCurrentText(self.state.explain_layer if self.state.explain_layer in SPATIAL_LAYERS else DEFAULT_LAYER)
        self.layer_combo.setToolTip("The layer the class activation maps weigh")
        self.follow_check = QCheckBox("Follow frames")
        self.follow_check.setChecked(True)
        self.follow_check.setToolTip("A new map of the newest frame whenever the last one is done")
        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground(PLOT_BACKGROUND)
        self.plot.setMinimumSize(260, 260)
        self.view_box = self.plot.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setMouseEnabled(False, False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        self.caption = caption_label("Open a picture: its maps are made here.", wrap=True)
        self.hint = hint_label("Every method")

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Class"))
        controls.addWidget(self.class_edit, 1)
        self.layer_caption = QLabel("CAM layer")
        controls.addWidget(self.layer_caption)
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.follow_check)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        right = QVBoxLayout()
        right.addLayout(controls)
        right.addWidget(self.plot, 1)
        right.addWidget(self.hint)
        right.addWidget(self.progress)
        right.addWidget(self.caption)
        body = QHBoxLayout()
        body.addWidget(self.table, 2)
        body.addLayout(right, 3)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addLayout(body, 1)

        self.table.itemSelectionChanged.connect(self._on_method)
        self.layer_combo.currentTextChanged.connect(lambda _text: (self._update_prices(), self._restart()))
        self.run_button.clicked.connect(self._restart)
        self.cancel_button.clicked.connect(self.cancel)
        self.table.selectRow(0)
        self._update_prices()

    # -- what is chosen ---------------------------------------------------------------------
    @property
    def method(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return ORDER[rows[0].row()] if rows else ORDER[0]

    def select(self, method: str) -> None:
        self.table.selectRow(ORDER.index(method))

    def _class_index(self, result) -> int | None:
        text = self.class_edit.text().strip()
        if not text:
            return self.state.explain_class if self.state.explain_class is not None else result.top5[0].index
        loaded = self.get_model()
        try:
            return class_from_text(text, loaded.categories if loaded is not None else ())
        except ValueError as error:
            self._say(str(error))
            return None

    def _request(self) -> MapRequest | None:
        result = self.state.result
        if result is None:
            self._say("Open a picture: its maps are made here.")
            return None
        if self.get_model() is None:
            self._say("The weights are not loaded yet; the map follows once they are.")
            return None
        index = self._class_index(result)
        return None if index is None else MapRequest(self.method, index, self.layer_combo.currentText(), result)

    # -- reactions --------------------------------------------------------------------------
    def _on_method(self) -> None:
        layered = uses_layer(self.method)
        self.layer_combo.setEnabled(layered)
        self.layer_caption.setEnabled(layered)
        self._restart()

    def _on_result(self, result, _old=None) -> None:
        if result is None:
            return
        self.costs.observe_frame(getattr(result, "timings_ms", None))
        if on_screen(self):  # behind another tab nobody reads the prices: brought up to date when shown
            self._refresh()
        self._catch_up()

    def _on_shown(self) -> None:
        self._refresh()
        self._catch_up()

    def _refresh(self) -> None:
        """The prices from the newest frame's time, and the class box completing the loaded
        weights' categories (set again only when they are other ones: 1,000 names)."""
        self._update_prices()
        loaded = self.get_model()
        if loaded is not None and loaded.categories is not self._completed_from:
            self._completed_from = loaded.categories
            self.completions.setStringList(list(loaded.categories))


    def _catch_up(self) -> None:
        """A map of the frame on screen, once, while this view is on screen and follows frames."""
        result = self.state.result
        if result is None or not on_screen(self):
            return
        if self.shown is not None and not self.follow_check.isChecked():
            return
        newest = self._pending or self._running or (self.shown.request if self.shown is not None else None)
        if newest is not None and newest.result is result:
            return
        request = self._request()
        if request is not None:
            self._submit(request, cancel_running=False)

    @property
    def task(self) -> BackgroundTask | None:
        """The map under way, if any."""
        return self.slot.task

    def _restart(self) -> None:
        request = self._request()
        if request is not None:
            self._submit(request, cancel_running=True)

    def cancel(self) -> None:
        self._pending = None
        self.slot.cancel()

    def _submit(self, request: MapRequest, cancel_running: bool) -> None:
        """Newest wins: one map at a time; a new choice cancels the one under way, a new frame waits."""
        if not self.slot.busy:
            self._start(request)
            return
        self._pending = request
        if cancel_running:
            self.slot.cancel()

    def _start(self, request: MapRequest) -> None:
        self._running = request
        cost = self._price(request.method, request.layer)
        estimate = describe_seconds(self.costs.estimate(cost))
        self._say(f"{self._describe(request)} · {cost.describe()} · {estimate} …")
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        # Bound methods of this widget: Qt drops the connections if it is destroyed first.
        self.slot.start("MethodsView", lambda task: self._work(task, request), "The explanation",
                        progressed=self._on_progress, delivered=self._show, succeeded=self._succeeded,
                        failed=self._failed, stopped=self._stopped)

    def _work(self, task: BackgroundTask, request: MapRequest) -> tuple[MapShown, float]:
        import torch

        from alexnet_viewer.core.inspect.formula import normalised_input

        from alexnet_viewer.core.model.device_gate import device_work

        loaded = self.get_model()
        if loaded is None:
            raise ValueError("The weights are no longer loaded")
        batch = torch.from_numpy(normalised_input(loaded, request.result)).unsqueeze(0)
        with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py), as the explain worker
            runner = self._runner(loaded)
            started = time.perf_counter()
            values = runner.run(
                request.method, batch, request.class_index, request.layer, self.settings,
                progress=lambda done, total: task.report(done, total), cancelled=task.is_cancelled,
                partial=lambda values, done, total: task.deliver(MapShown(request, values, done, total)),
            )
        return MapShown(request, values, 1, 1), time.perf_counter() - started

    def _runner(self, loaded):
        with self._runner_lock:
            if self._runner_of is None or self._runner_of[0] is not loaded:
                if self._runner_factory is not None:
                    factory = self._runner_factory
                else:
                    from alexnet_viewer.core.explain.methods import MethodRunner as factory
                self._runner_of = (loaded, factory(loaded))
            return self._runner_of[1]

    def _on_progress(self, done: int, total: int, _text: str) -> None:
        if total:
            self.progress.setValue(round(100 * done / total))

    def _succeeded(self, outcome) -> None:
        self._finished(outcome, None)

    def _failed(self, text: str) -> None:
        self._finished(None, text)

    def _stopped(self, text: str) -> None:
        self._finished(None, text if self._pending is None else None)  # a newer choice follows

    def _finished(self, outcome, text: str | None) -> None:
        self.slot.forget()
        request, self._running = self._running, None
        self.progress.hide()
        self.cancel_button.hide()
        if outcome is not None:
            shown, seconds = outcome
            cost = self._price(request.method, request.layer)
            estimate = self.costs.estimate(cost)
            self.costs.observe_run(cost, seconds)
            self._update_prices()
            self._show(shown, f"{seconds:.2f} s (estimated {describe_seconds(estimate)})")
        elif text:
            self._say(text)
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending)

    # -- drawing ----------------------------------------------------------------------------
    def _show(self, shown: MapShown, timing: str = "") -> None:
        self.shown = shown
        request, values = shown.request, shown.values
        crop = request.result.crop
        kind = METHODS[request.method].kind
        if kind in ("cam", "occlusion"):
            picture = heat_overlay(crop, values, 0.5, (min(0.0, float(values.min())), max(float(values.max()), 1e-30)))
        else:
            picture = gradient_image(values, "raw")
        self.image_item.setImage(picture, autoLevels=False)
        self.view_box.setRange(xRange=(0, picture.shape[1]), yRange=(0, picture.shape[0]), padding=0.01)
        step = "" if shown.done >= shown.total else f" · running estimate {shown.done}/{shown.total}"
        self._say(f"{self._describe(request)}{step}" + (f" · {timing}" if timing else ""))

    def _describe(self, request: MapRequest) -> str:
        loaded = self.get_model()
        label = loaded.categories[request.class_index] if loaded is not None else str(request.class_index)
        at = f" at {request.layer}" if uses_layer(request.method) else ""
        return f"{METHODS[request.method].title} of “{label}” ({request.class_index}){at}"

    def _say(self, text: str) -> None:
        set_text_if_changed(self.caption, text)

    def _price(self, method: str, layer: str):
        """The method's passes; None for Score-CAM before a model says how many channels."""
        loaded = self.get_model()
        if method == "scorecam" and loaded is None:
            return None
        return price(method, self.settings, channels_of(loaded.model, layer) if method == "scorecam" else 0)

    def _update_prices(self) -> None:
        layer = self.layer_combo.currentText()
        for row, name in enumerate(ORDER):
            cost = self._price(name, layer)
            seconds = None if cost is None else self.costs.estimate(cost)
            self.table.item(row, 1).setText("1 + 1 per channel" if cost is None else cost.describe())
            self.table.item(row, 2).setText("–" if seconds is None else describe_seconds(seconds))

    def stop(self) -> None:
        """Cancel the map under way and wait for it (the window closing)."""
        self._pending = None
        task = self.slot.task
        if task is not None:
            task.cancel()
            task.wait(2000)
