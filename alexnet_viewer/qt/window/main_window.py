"""The main window: composes the panels, the controllers and the engine worker around one
``ViewerState`` (core/session.py).

The state holds what the viewer shows (picture, layer, channel order, colour map,
ablations, explain target, weights, result, messages, workspace); panels and controllers
observe it and write it. The window only routes: each change of what a frame needs posts
a job built from the state to the worker; results come back as signals, go into the state
and to the panels. It never waits for the worker.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.core.pictures.samples import samples_dir
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.qt.edits.controller import EditsController
from alexnet_viewer.qt.explain import Explain
from alexnet_viewer.qt.inspect import Inspect
from alexnet_viewer.qt.lecture.architecture_panel import ArchitecturePanel
from alexnet_viewer.qt.lecture.gestures import TOP5
from alexnet_viewer.qt.lecture.presentation import PresentationController
from alexnet_viewer.qt.live.controller import LiveController
from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels import FeatureMapsPanel, FiltersPanel, InputPanel, StatsPanel, Top5Panel
from alexnet_viewer.qt.settings import ViewerSettings
from alexnet_viewer.qt.units import Units
from alexnet_viewer.qt.weights.workflow import WeightsFlow
from alexnet_viewer.qt.window.docks import DEFAULT_SIZE, Docks
from alexnet_viewer.qt.window.menus import build_menus
from alexnet_viewer.qt.window.messages import MessageArea
from alexnet_viewer.qt.window.opening import Opening
from alexnet_viewer.qt.window.result_pacer import ResultPacer
from alexnet_viewer.qt.window.services import Services
from alexnet_viewer.qt.window.tool_views import add_tool_views, stop_tool_views
from alexnet_viewer.qt.window.status import StatusLine
from alexnet_viewer.qt.worker.engine_worker import EngineWorker, Job, PictureSource, ViewRequest

APP_TITLE = "AlexNet Viewer"
# Live frames carry every layer's statistics at most this often (the Statistics view's
# table and bars follow at that pace; its histogram and channel means follow every frame).
LIVE_STATISTICS_INTERVAL_S = 0.25
FIRST_RUN_HINT = "◀ The workspaces: one click or keys 1–5 · History (bottom left) lists the messages"


class MainWindow(QMainWindow):
    # (Result, Job) after every panel has been handed the result
    result_shown = Signal(object, object)
    # a picture could not be opened or processed; the previous result stays on screen
    picture_failed = Signal(str)
    # weights could not be loaded and nothing else is loaded (only without dialogs)
    fatal_error = Signal(str)

    def __init__(
        self,
        settings: ViewerSettings,
        *,
        engine_factory=None,
        weights=None,
        device: str | None = None,
        layer: str | None = None,
        interactive: bool = True,
        restore_layout: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.interactive = interactive
        self.persist = interactive
        self.state = ViewerState()
        self.worker = EngineWorker(engine_factory)
        self.current_job: Job | None = None
        self.closed = False
        self.last_draw_ms = 0.0
        self._next_frame_id = 1
        self._next_token = 1
        self._current_source: PictureSource | None = None  # what new jobs show
        self._shown_source: PictureSource | None = None  # what the panels show
        self._pacer = ResultPacer(self._draw_result, parent=self)  # paced to the screen's refresh
        self._statistics_shown = False  # every layer's statistics come with a frame only while shown
        self._statistics_posted = float("-inf")  # when a live frame last asked for them
        self.clock = time.monotonic  # tests may set another

        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.weights = WeightsFlow(self, weights if weights is not None else (settings.weights() or WeightsSpec.pretrained()),
                                   device)
        self.workspaces = Docks(self, self.state)
        self._build_panels()
        self.services = Services(self)
        self._build_tools()
        self.live = LiveController(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.live.toolbar)
        self.presentation = PresentationController(self)  # presentation mode, its keys, scenes
        self.presentation.explain_class_requested.connect(self.explain.controller.explain_rank)
        self.messages = MessageArea(self.state)
        self.statusBar().addWidget(self.messages.history_button)
        self.statusBar().addWidget(self.messages, 1)
        self.status_line = StatusLine(self.statusBar(), self.state, self.live.status_label)
        self.opening = Opening(self)
        build_menus(self)
        self._connect()
        self._layout_settled = False
        self.workspaces.place_always()
        self.workspaces.show(self.state.workspace)
        self._layout_restored = self.workspaces.restore(settings) if restore_layout else False
        self.live.sync_actions()  # the toolbar shows only while a source plays, whatever was saved
        if not restore_layout:
            self.resize(*DEFAULT_SIZE)
        self.set_layer(layer or settings.layer() or "conv1")
        self.weights.show_loading(self.weights.choice)

    def _build_panels(self) -> None:
        state = self.state
        self.input_panel = InputPanel()
        self.top5_panel = Top5Panel()
        self.filters_panel = FiltersPanel()
        self.feature_maps_panel = FeatureMapsPanel(state)
        self.stats_panel = StatsPanel()
        self.architecture_panel = ArchitecturePanel()
        central = QWidget()  # a holder: presentation mode lends the panel out and gives it back
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.feature_maps_panel)
        self.feature_maps_panel.layout().setContentsMargins(0, 0, 0, 0)
        self.setCentralWidget(central)
        dock = self.workspaces.dock
        self.input_dock = dock("Input", "input_dock", self.input_panel, None)
        self.top5_dock = dock(TOP5, "top5_dock", self.top5_panel, None)
        self.filters_dock = dock("conv1 filters", "filters_dock", self.filters_panel, "look")
        self.stats_dock = dock("Statistics", "stats_dock", self.stats_panel, "look")
        self.edits = EditsController(self.input_panel, self)
        self.edits_dock = dock("Edits", "edits_dock", self.edits.panel, "look")
        self.architecture_dock = dock("Architecture", "architecture_dock", self.architecture_panel, "inside")

    def _build_tools(self) -> None:
        dock, state, services = self.workspaces.dock, self.state, self.services
        self.inspect = Inspect(state, services, self.input_panel, self.feature_maps_panel)
        self.formula_dock = dock("Formula", "formula_dock", self.inspect.formula_view, "inside")
        self.ablation_dock = dock("Ablation", "ablation_dock", self.inspect.ablation_panel, "inside")
        self.compare_dock = dock("A/B compare", "compare_dock", self.inspect.compare_panel, "inside")
        self.explain = Explain(state, services, self.top5_panel, self.feature_maps_panel)
        self.explain_panel = self.explain.panel  # presentation mode's "E" view
        self.explain_dock = dock("Explain", "explain_dock", self.explain_panel, "why")
        self.units = Units(state, services, self.feature_maps_panel)  # atlas, activation maximisation, evaluation
        self.atlas_dock = dock("Unit atlas", "atlas_dock", self.units.atlas_panel, "units")
        self.visualize_dock = dock("Visualise a unit", "visualize_dock", self.units.visualize_panel, "units")
        self.evaluate_dock = dock("Evaluate", "evaluate_dock", self.units.evaluate_panel, "units")
        self.tool_views = add_tool_views(self, services)  # Why's other methods, the papers' figures

    def _connect(self) -> None:
        state = self.state
        state.events.layer.connect(self._on_view_changed)
        state.events.layer.connect(self.stats_panel.set_layer)
        state.events.layer.connect(self.architecture_panel.set_current_layer)
        state.events.channel_order.connect(self._on_view_changed)
        state.events.ablations.connect(self._on_view_changed)
        self.stats_panel.layer_selected.connect(self.set_layer)
        ScreenWatch(self.stats_panel, self._on_statistics_shown)  # not behind another tab (on_screen.py)
        self.architecture_panel.layer_selected.connect(self.set_layer)
        self.filters_panel.filter_clicked.connect(lambda index: self.feature_maps_panel.select_channel("conv1", index))
        self.edits.changed.connect(lambda _edits: self.post_current())
        queued = Qt.ConnectionType.QueuedConnection
        self.worker.weights_loading.connect(self.weights.show_loading, queued)
        self.worker.weights_ready.connect(self.weights.on_ready, queued)
        self.worker.weights_failed.connect(self.weights.on_failed, queued)
        self.worker.download_progress.connect(self.weights.on_download_progress, queued)
        self.worker.result_ready.connect(self._pacer.offer, queued)
        self.worker.picture_failed.connect(self._on_picture_failed, queued)
        self.worker.device_fault.connect(self.weights.on_device_fault, queued)

    # Lifecycle
    def start(self) -> None:
        """Start the worker thread and ask it for the weights; call once, after show()."""
        if self.worker.isRunning():
            return
        self.worker.start()
        self.worker.request_weights(self.weights.choice, self.weights.device_request)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not self._layout_settled:
            self._layout_settled = True
            if not self._layout_restored:
                self.workspaces.reset()
                self.workspaces.hint.setText(FIRST_RUN_HINT)  # the first run: where the workspaces are

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.persist:
            self.settings.set_window_layout(self.saveGeometry(), self.saveState())
            self.settings.set_layer(self.state.layer)
        self.settings.sync()
        self.live.stop()
        self.weights.close_download_dialog()
        self.units.stop()  # atlas builds, visualisations, evaluations
        self.explain.stop()
        self.inspect.stop()
        stop_tool_views(self.tool_views)
        self.worker.stop()

    # Jobs
    def take_token(self) -> int:
        token, self._next_token = self._next_token, self._next_token + 1
        return token

    def submit(self, source: PictureSource) -> int:
        self._current_source = source
        return self.post_current()

    def view_request(self) -> ViewRequest:
        state = self.state
        self._on_statistics_shown(self._statistics_in_view())  # as on screen now, whatever raised a tab
        return ViewRequest(layer=state.layer, channel_order=state.channel_order, ablations=state.ablations,
                           statistics=self._statistics_shown)

    def post_current(self) -> int:
        if self._current_source is None or self.closed:
            return 0
        frame_id, self._next_frame_id = self._next_frame_id, self._next_frame_id + 1
        job = Job(frame_id, self._current_source, self.view_request(), self.edits.current)
        if job.view.statistics and self.live.running:
            now = self.clock()
            if now - self._statistics_posted < LIVE_STATISTICS_INTERVAL_S:
                job = replace(job, view=replace(job.view, statistics=False))
            else:
                self._statistics_posted = now
        shown = self.current_job
        if (
            shown is not None and shown.source.token == job.source.token and shown.edits == job.edits
            and shown.view.ablations == job.view.ablations
        ):  # only the view changed: redrawn from the result on screen, no forward
            job = replace(job, redraw=self.current_result, source_shape=shown.source_shape)
        self.worker.post(job)
        return frame_id

    def _statistics_in_view(self) -> bool:
        return on_screen(self.stats_panel)  # not behind another tab

    def _on_statistics_shown(self, visible: bool) -> None:
        """Every layer's statistics (and the shown layer's histogram) come with each frame only
        while the Statistics view is shown; raised over a still picture made without them, the
        picture is redrawn with them from its kept activations (no forward)."""
        raised = bool(visible) and not self._statistics_shown
        self.stats_panel.set_active(visible)
        self._statistics_shown = bool(visible)
        result = self.current_result
        if raised and result is not None and self.state.layer not in result.histograms and not self.live.running:
            self.post_current()

    def _on_view_changed(self, *_args) -> None:
        self.post_current()

    # What the menus, keys and other views ask for
    def set_layer(self, name: str) -> None:
        """Show ``name``'s feature maps everywhere (the panel's combo box does the same)."""
        self.state.select_layer(name)

    def set_channel_order(self, key: str) -> None:
        self.feature_maps_panel.set_channel_order(key)

    def set_ablations(self, spec) -> None:
        """Run the following frames with ``spec``'s channels switched off (core AblationSpec)."""
        self.state.ablations = spec

    def add_view(self, workspace: str, title: str, widget, name: str | None = None):
        """Add ``widget`` as a view of ``workspace`` (look, why, inside, units, papers)."""
        return self.workspaces.add_view(workspace, title, widget, name)

    def bring_up(self, dock) -> None:
        self.workspaces.bring_up(dock)

    def reset_layout(self) -> None:
        self.workspaces.reset()

    @property
    def docks(self) -> list:
        return self.workspaces.docks

    def open_path(self, path: Path | str, *, remember: bool = True) -> int:
        return self.opening.open_path(path, remember=remember)

    def open_bytes(self, data: bytes, label: str = "pasted picture") -> int:
        return self.opening.open_bytes(data, label)

    def post_frame(self, frame, label: str = "live frame") -> int:
        return self.opening.post_frame(frame, label)

    def open_dialog(self) -> None:
        self.opening.open_dialog()

    def paste(self) -> None:
        self.opening.paste()

    def request_weights(self, spec: WeightsSpec, *, remember: bool = False) -> None:
        self.weights.request(spec, remember=remember)

    def weights_dialog(self) -> None:
        self.weights.dialog()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.opening.drag_enter(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.opening.drag_enter(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.opening.drop(event)

    # Results
    def _draw_result(self, result, job: Job) -> None:
        if self.closed:
            return
        if self.current_job is not None and job.frame_id < self.current_job.frame_id:
            return
        started = time.perf_counter()
        self.edits.note_shown(job)
        new_picture = self._shown_source is None or self._shown_source.token != job.source.token
        self._shown_source = job.source
        if new_picture:
            source = job.source
            self.state.picture = PictureRef(source.token, source.label, source.path,
                                            live=source.frame is not None or source.array is not None)
        for panel in (self.input_panel, self.top5_panel, self.filters_panel, self.feature_maps_panel, self.stats_panel):
            panel.show_result(result)
        self.last_draw_ms = (time.perf_counter() - started) * 1000  # read by bench --live
        self.current_job = job
        self.state.result = result
        if new_picture:
            if self.state.message is not None and self.state.message.level == "error" and self._error_about_picture:
                self.state.clear_message()  # a new picture answers an error about the last one
            self.picture_changed_title()
            self._remember(job.source)
        self.status_line.update_timing(result)
        self.result_shown.emit(result, job)

    def picture_changed_title(self) -> None:
        """The title names the picture on screen (and says when the weights are untrained)."""
        source = self._shown_source
        title = APP_TITLE if source is None else f"{source.label} — {APP_TITLE}"
        info = self.weights.info
        if source is not None and info is not None and not info.trained:
            title += " [UNTRAINED]"
        self.setWindowTitle(title)

    def _remember(self, source: PictureSource) -> None:
        if source.path is not None and self.persist and self._is_user_file(source.path):
            self.settings.add_recent_file(source.path)

    @staticmethod
    def _is_user_file(path: Path) -> bool:
        samples = samples_dir()
        return samples is None or path.parent.resolve() != samples.resolve()

    def _on_picture_failed(self, job: Job, message: str) -> None:
        if self._current_source is not None and job.source.token == self._current_source.token:
            # Later layer changes must redraw what is on screen, not retry the broken picture.
            self._current_source = self._shown_source
        self.show_error(message)
        self.picture_failed.emit(message)

    _error_about_picture = True

    def show_error(self, message: str, *, about_picture: bool = True) -> None:
        """One message; an error about a picture goes away once another picture is shown."""
        self._error_about_picture = about_picture
        self.state.say(message, "error")

    def say(self, text: str, level: str = "info") -> None:
        self.state.say(text, level)

    # What is on screen
    @property
    def current_result(self):
        return self.state.result

    @property
    def layer(self) -> str:
        return self.state.layer

    @property
    def current_path(self) -> Path | None:
        return self._shown_source.path if self._shown_source is not None else None
