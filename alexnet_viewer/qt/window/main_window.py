"""The main window: panels in docks, menus, status bar, and the engine worker behind them.

The window only routes: pictures go to the worker as jobs, results come back as
signals and are handed to the panels. It never waits for the worker.
"""

from __future__ import annotations

import time
from dataclasses import replace
from collections import deque
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow

from alexnet_viewer.core.pictures.samples import samples_dir
from alexnet_viewer.qt.live.controller import LiveController
from alexnet_viewer.qt.lecture.presentation import PresentationController
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.settings import ViewerSettings
from alexnet_viewer.qt.weights.workflow import WeightsMixin
from alexnet_viewer.qt.window.docks import DEFAULT_SIZE, DocksMixin
from alexnet_viewer.qt.window.menus import MenusMixin
from alexnet_viewer.qt.window.opening import OpeningMixin
from alexnet_viewer.qt.window.result_pacer import ResultPacer
from alexnet_viewer.qt.window.status import StatusMixin
from alexnet_viewer.qt.worker.engine_worker import EngineWorker, Job, PictureSource, ViewRequest

APP_TITLE = "AlexNet Viewer"
# Live frames carry every layer's statistics at most this often (the Statistics view's
# table and bars follow at that pace; its histogram and channel means follow every frame).
LIVE_STATISTICS_INTERVAL_S = 0.25


class MainWindow(DocksMixin, StatusMixin, MenusMixin, OpeningMixin, WeightsMixin, QMainWindow):
    """Each job of the window lives in its own mixin (docks, status bar, menus, opening
    pictures, weights); this class holds the state they share, routes jobs and draws results."""

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
        self._persist = interactive
        self.device_request = device
        # What to load: the command line wins over what the user chose last time.
        self.weights_choice = weights if weights is not None else (settings.weights() or WeightsSpec.pretrained())
        self.weights_in_use: WeightsSpec | None = None
        self._remember_weights: WeightsSpec | None = None  # saved in the settings once it loaded
        self.worker = EngineWorker(engine_factory)
        self.current_result = None
        self.current_job: Job | None = None
        self.weights_info = None
        self._next_frame_id = 1
        self._next_token = 1
        self._current_source: PictureSource | None = None  # what new jobs show
        self._shown_source: PictureSource | None = None  # what the panels show
        self._nav_path: Path | None = None  # anchor for previous/next in folder
        self._pacer = ResultPacer(self._draw_result, parent=self)  # paced to the screen's refresh
        self._draw_times: deque[float] = deque()
        self._download_dialog = None
        self._closed = False
        self._view = ViewRequest()
        self._statistics_posted = float("-inf")  # when a live frame last asked for every layer's statistics
        self.clock = time.monotonic  # tests may set another
        self._error_about_picture = True
        self.last_draw_ms = 0.0

        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self._build_panels()
        self.live = LiveController(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.live.toolbar)
        self.presentation = PresentationController(self)  # presentation mode, its keys, scenes
        self.presentation.explain_class_requested.connect(self.explain.controller.explain_rank)
        self._build_status_bar()
        self._build_menus()
        self._connect_worker()
        self._layout_settled = False
        self._layout_restored = self._restore_layout() if restore_layout else False
        self.live.sync_actions()  # the toolbar shows only while a source plays, whatever was saved
        if not restore_layout:
            self.resize(*DEFAULT_SIZE)
        initial_layer = layer or settings.layer() or "conv1"
        self.set_layer(initial_layer)
        self._show_loading(self.weights_choice)

    def _connect_worker(self) -> None:
        queued = Qt.ConnectionType.QueuedConnection
        self.worker.weights_loading.connect(self._show_loading, queued)
        self.worker.weights_ready.connect(self._on_weights_ready, queued)
        self.worker.weights_failed.connect(self._on_weights_failed, queued)
        self.worker.download_progress.connect(self._on_download_progress, queued)
        self.worker.result_ready.connect(self._pacer.offer, queued)
        self.worker.picture_failed.connect(self._on_picture_failed, queued)
        self.worker.device_fault.connect(self._on_device_fault, queued)

    # Lifecycle
    def start(self) -> None:
        """Start the worker thread and ask it for the weights; call once, after show()."""
        if self.worker.isRunning():
            return
        self.worker.start()
        self.worker.request_weights(self.weights_choice, self.device_request)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._persist:
            self.settings.set_window_layout(self.saveGeometry(), self.saveState())
            self.settings.set_layer(self._view.layer)
        self.settings.sync()
        self.live.stop()
        self._close_download_dialog()
        self.units.stop()  # atlas builds, visualisations, evaluations
        self.explain.stop()
        self.worker.stop()

    # Jobs
    def _take_token(self) -> int:
        token, self._next_token = self._next_token, self._next_token + 1
        return token

    def _submit(self, source: PictureSource) -> int:
        self._current_source = source
        return self._post_current()

    def _post_current(self) -> int:
        if self._current_source is None or self._closed:
            return 0
        frame_id, self._next_frame_id = self._next_frame_id, self._next_frame_id + 1
        job = Job(frame_id, self._current_source, self._view, self.edits.current)
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

    def set_layer(self, name: str) -> None:
        """Show ``name``'s feature maps (the panel's combo box does the same)."""
        if self.feature_maps_panel.layer != name:
            self.feature_maps_panel.select_layer(name)  # comes back through layer_changed
        else:
            self._on_layer_changed(name)

    def set_channel_order(self, key: str) -> None:
        self.feature_maps_panel.set_channel_order(key)

    def _on_layer_changed(self, name: str) -> None:
        self.stats_panel.set_layer(name)
        if name == self._view.layer:
            return
        self._view = replace(self._view, layer=name)
        self._post_current()

    def _on_channel_order_changed(self, key: str) -> None:
        if key == self._view.channel_order:
            return
        self._view = replace(self._view, channel_order=key)
        self._post_current()

    def _on_statistics_shown(self, visible: bool) -> None:
        """Every layer's statistics come with each frame only while the Statistics view is shown."""
        self.stats_panel.set_active(visible)
        self._view = replace(self._view, statistics=visible)

    def set_ablations(self, spec) -> None:
        """Run the following frames with ``spec``'s channels switched off (core AblationSpec)."""
        if spec != self._view.ablations:
            self._view = replace(self._view, ablations=spec)
            self._post_current()

    def _on_filter_clicked(self, index: int) -> None:
        self.feature_maps_panel.select_channel("conv1", index)

    # Results
    def _draw_result(self, result, job: Job) -> None:
        if self._closed:
            return
        if self.current_job is not None and job.frame_id < self.current_job.frame_id:
            return
        started = time.perf_counter()
        self.edits.note_shown(job)
        for panel in (self.input_panel, self.top5_panel, self.filters_panel, self.feature_maps_panel, self.stats_panel):
            panel.show_result(result)
        self.last_draw_ms = (time.perf_counter() - started) * 1000  # read by bench --live
        self.current_result, self.current_job = result, job
        new_picture = self._shown_source is None or self._shown_source.token != job.source.token
        self._shown_source = job.source
        if new_picture and self._error_about_picture:
            self.error_banner.hide()
            self._picture_opened(job.source)
        self._update_timing(result)
        self.result_shown.emit(result, job)

    def _picture_opened(self, source: PictureSource) -> None:
        title = f"{source.label} — {APP_TITLE}"
        if self.weights_info is not None and not self.weights_info.trained:
            title += " [UNTRAINED]"
        self.setWindowTitle(title)
        if source.path is not None and self._persist and self._is_user_file(source.path):
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

    def show_error(self, message: str, *, about_picture: bool = True) -> None:
        """Banner + status bar; a picture error goes away once another picture is shown."""
        self._error_about_picture = about_picture
        self.error_banner.show_message(message)
        self.statusBar().showMessage(message, 10000)

    @property
    def layer(self) -> str:
        return self._view.layer

    @property
    def channel_order(self) -> str:
        return self._view.channel_order

    @property
    def current_path(self) -> Path | None:
        return self._shown_source.path if self._shown_source is not None else None
