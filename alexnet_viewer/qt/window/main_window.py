"""The main window: panels in docks, menus, status bar, and the engine worker behind them.

The window only routes: pictures go to the worker as jobs, results come back as
signals and are handed to the panels. It never waits for the worker.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.core.samples import list_samples, samples_dir
from alexnet_viewer.qt.window import picture_sources
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.window.banner import Banner
from alexnet_viewer.qt.edits.controller import EditsController
from alexnet_viewer.qt.worker.engine_worker import (
    EngineWorker,
    Job,
    PictureSource,
    ViewRequest,
    WeightsFailure,
)
from alexnet_viewer.qt.live.controller import LiveController
from alexnet_viewer.qt.panels import (
    FeatureMapsPanel,
    FiltersPanel,
    InputPanel,
    StatsPanel,
    Top5Panel,
)
from alexnet_viewer.qt.window.result_pacer import ResultPacer
from alexnet_viewer.qt.settings import ViewerSettings, WeightsChoice

log = logging.getLogger(__name__)

APP_TITLE = "AlexNet Viewer"
DEFAULT_SIZE = (1280, 800)
FPS_WINDOW_S = 2.0
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
        self._persist = interactive
        self.device_request = device
        # What to load: the command line wins over what the user chose last time.
        self.weights_choice = weights if weights is not None else (settings.weights() or WeightsChoice())
        self.worker = EngineWorker(engine_factory)
        self.current_result = None
        self.current_job: Job | None = None
        self.weights_info = None
        self._next_frame_id = 1
        self._next_token = 1
        self._current_source: PictureSource | None = None  # what new jobs show
        self._shown_source: PictureSource | None = None  # what the panels show
        self._nav_path: Path | None = None  # anchor for previous/next in folder
        self._pacer = ResultPacer(self._draw_result, parent=self)
        self._draw_times: deque[float] = deque()
        self._download_dialog = None
        self._closed = False
        self._view = ViewRequest()
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

    # Construction
    def _build_panels(self) -> None:
        self.input_panel = InputPanel()
        self.top5_panel = Top5Panel()
        self.filters_panel = FiltersPanel()
        self.feature_maps_panel = FeatureMapsPanel()
        self.stats_panel = StatsPanel()

        self.loading_banner = Banner("info", closable=False)
        self.untrained_banner = Banner("warning", closable=False)
        self.error_banner = Banner("error", closable=True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        for banner in (self.loading_banner, self.untrained_banner, self.error_banner):
            layout.addWidget(banner)
        layout.addWidget(self.feature_maps_panel, 1)
        self.feature_maps_panel.layout().setContentsMargins(0, 0, 0, 0)
        self.setCentralWidget(central)

        self.input_dock = self._dock("Input", "input_dock", self.input_panel)
        self.top5_dock = self._dock("Top-5: what AlexNet thinks", "top5_dock", self.top5_panel)
        self.filters_dock = self._dock("conv1 filters", "filters_dock", self.filters_panel)
        self.stats_dock = self._dock("Statistics", "stats_dock", self.stats_panel)
        self.edits = EditsController(self.input_panel, self)
        self.edits.changed.connect(lambda _edits: self._post_current())
        self.edits_dock = self._dock("Edits", "edits_dock", self.edits.panel)
        self.docks = (self.input_dock, self.top5_dock, self.filters_dock, self.stats_dock, self.edits_dock)
        # Compact until shown: a split right column would force a minimum height of ~810 px.
        self._arrange_docks(tabbed_right=True)

        self.feature_maps_panel.layer_changed.connect(self._on_layer_changed)
        self.feature_maps_panel.channel_order_changed.connect(self._on_channel_order_changed)
        self.filters_panel.filter_clicked.connect(self._on_filter_clicked)
        self.stats_panel.layer_selected.connect(self.feature_maps_panel.select_layer)

    def _arrange_docks(self, tabbed_right: bool) -> None:
        """The default layout: what goes in and comes out on the left, the details on the right.

        On a narrow window the filters and statistics share the right column as tabs so
        the feature maps in the middle keep their room.
        """
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for dock in self.docks:
            self.removeDockWidget(dock)
        for dock, area in ((self.input_dock, left), (self.top5_dock, left),
                           (self.filters_dock, right), (self.stats_dock, right), (self.edits_dock, right)):
            self.addDockWidget(area, dock)
            dock.setFloating(False)
            dock.show()
        self.splitDockWidget(self.input_dock, self.top5_dock, Qt.Orientation.Vertical)
        if tabbed_right:
            self.tabifyDockWidget(self.stats_dock, self.filters_dock)
        else:
            self.splitDockWidget(self.filters_dock, self.stats_dock, Qt.Orientation.Vertical)
        # Edits share the statistics' place; the statistics show first.
        self.tabifyDockWidget(self.stats_dock, self.edits_dock)
        self.stats_dock.raise_()

    def _apply_default_layout(self) -> None:
        width, height = self.width(), self.height()
        narrow = width < 1500 or height < 900
        self._arrange_docks(tabbed_right=narrow)
        left = max(280, min(400, int(width * 0.22)))
        right = max(380, min(520, int(width * 0.27)))
        self.resizeDocks([self.input_dock, self.filters_dock], [left, right], Qt.Orientation.Horizontal)
        usable = max(400, height - 80)
        self.resizeDocks([self.input_dock, self.top5_dock], [int(usable * 0.45), int(usable * 0.55)],
                         Qt.Orientation.Vertical)
        if not narrow:
            self.resizeDocks([self.filters_dock, self.stats_dock], [int(usable * 0.36), int(usable * 0.64)],
                             Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not self._layout_settled:
            self._layout_settled = True
            if not self._layout_restored:
                self._apply_default_layout()

    def _dock(self, title: str, name: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by name
        panel.set_title_visible(False)  # the dock's title names it already
        dock.setWidget(panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_label = QLabel("device: –")
        self.weights_label = QLabel("weights: loading…")
        self.time_label = QLabel("– ms")
        self.fps_label = QLabel("– fps")
        self.device_label.setToolTip("Where the network runs")
        self.time_label.setToolTip("Engine time for the last frame (preprocess, forward pass, statistics, mosaics)")
        self.fps_label.setToolTip("Frames shown per second over the last two seconds")
        self.live_label = self.live.status_label
        for label in (self.live_label, self.device_label, self.weights_label, self.time_label, self.fps_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        metrics = self.time_label.fontMetrics()
        self.time_label.setMinimumWidth(metrics.horizontalAdvance("00000 ms") + 16)
        self.fps_label.setMinimumWidth(metrics.horizontalAdvance("000.0 fps") + 16)

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        self.open_action = self._action(file_menu, "&Open picture or video…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.paste_action = self._action(file_menu, "&Paste picture", self.paste, QKeySequence.StandardKey.Paste)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        self.previous_action = self._action(file_menu, "Pre&vious picture in folder", self.previous_picture,
                                            QKeySequence(Qt.Key.Key_PageUp))
        self.next_action = self._action(file_menu, "&Next picture in folder", self.next_picture,
                                        QKeySequence(Qt.Key.Key_PageDown))
        file_menu.addSeparator()
        self._action(file_menu, "Save window &screenshot…", self.save_screenshot_dialog,
                     QKeySequence("Ctrl+Shift+S"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.samples_menu = menu_bar.addMenu("&Samples")
        samples = list_samples()
        for title, path in samples:
            action = self.samples_menu.addAction(title)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p, remember=False))
        if not samples:
            self.samples_menu.addAction("(no sample pictures installed)").setEnabled(False)

        self.view_menu = menu_bar.addMenu("&View")
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self._action(self.view_menu, "&Reset layout", self.reset_layout)

        self.live.build_menu(menu_bar)

        settings_menu = menu_bar.addMenu("Se&ttings")
        self._action(settings_menu, "&Weights…", self.weights_dialog)

        help_menu = menu_bar.addMenu("&Help")
        self._action(help_menu, "&About AlexNet Viewer", self._about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def _connect_worker(self) -> None:
        queued = Qt.ConnectionType.QueuedConnection
        self.worker.weights_loading.connect(self._show_loading, queued)
        self.worker.weights_ready.connect(self._on_weights_ready, queued)
        self.worker.weights_failed.connect(self._on_weights_failed, queued)
        self.worker.download_progress.connect(self._on_download_progress, queued)
        self.worker.result_ready.connect(self._pacer.offer, queued)
        self.worker.picture_failed.connect(self._on_picture_failed, queued)

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
        self.worker.stop()

    def _restore_layout(self) -> bool:
        """Geometry and dock layout from last time; False when there was no dock layout."""
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*self._fitting_size())
        return state is not None and self.restoreState(state)

    def _fitting_size(self) -> tuple[int, int]:
        screen = QGuiApplication.primaryScreen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        return width, height

    def reset_layout(self) -> None:
        self._apply_default_layout()

    # Opening pictures
    def open_path(self, path: Path | str, *, remember: bool = True) -> int:
        """Show the picture file at ``path`` (or play it, for a video); returns the frame id of the job."""
        path = Path(path).expanduser().absolute()
        if picture_sources.is_video_file(path):
            if remember and self._persist:
                self.settings.set_last_folder(path.parent)
                self.settings.add_recent_file(path)
            return self.live.open_video(path)
        self.live.stop()
        self._nav_path = path
        source = PictureSource(self._take_token(), path.name, path=path)
        if remember and self._persist:
            self.settings.set_last_folder(path.parent)
        return self._submit(source)

    def open_bytes(self, data: bytes, label: str = "pasted picture") -> int:
        self.live.stop()
        return self._submit(PictureSource(self._take_token(), label, data=bytes(data)))

    def post_frame(self, array: np.ndarray, label: str = "live frame") -> int:
        """Post an (H, W, 3) uint8 RGB frame (a camera, a video); newest wins if the engine is busy.

        Returns the frame id that the matching Result will carry.
        """
        return self._submit(PictureSource(self._take_token(), label, array=array))

    def open_dialog(self) -> None:
        path = picture_sources.ask_open_picture(self, self.settings.last_folder())
        if path is not None:
            self.open_path(path)

    def open_incoming(self, incoming: picture_sources.IncomingPicture) -> int:
        if incoming.note:
            self.statusBar().showMessage(incoming.note, 5000)
        if incoming.path is not None:
            return self.open_path(incoming.path)
        if incoming.data is not None:
            return self.open_bytes(incoming.data, incoming.label)
        self.live.stop()
        return self.post_frame(incoming.array, incoming.label)

    def paste(self) -> None:
        try:
            incoming = picture_sources.picture_from_mime(QGuiApplication.clipboard().mimeData(), "pasted")
        except picture_sources.PictureRefused as refusal:
            self.show_error(str(refusal))
            return
        self.open_incoming(incoming)

    def previous_picture(self) -> None:
        self._step_in_folder(-1)

    def next_picture(self) -> None:
        self._step_in_folder(+1)

    def _step_in_folder(self, step: int) -> None:
        if self._nav_path is None:
            self.statusBar().showMessage("Open a picture file first to browse its folder.", 4000)
            return
        target = picture_sources.neighbour_picture(self._nav_path, step)
        if target is None:
            where = "first" if step < 0 else "last"
            self.statusBar().showMessage(f"This is the {where} picture in {self._nav_path.parent.name or '/'}.", 4000)
            return
        self.open_path(target)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt name
        if picture_sources.mime_may_hold_picture(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt name
        try:
            incoming = picture_sources.picture_from_mime(event.mimeData(), "dropped")
        except picture_sources.PictureRefused as refusal:
            event.ignore()
            self.show_error(str(refusal))
            return
        event.acceptProposedAction()
        self.open_incoming(incoming)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._fill_recent_menu()

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
        self.worker.post(Job(frame_id, self._current_source, self._view, self.edits.current))
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
        self._view = ViewRequest(name, self._view.channel_order)
        self._post_current()

    def _on_channel_order_changed(self, key: str) -> None:
        if key == self._view.channel_order:
            return
        self._view = ViewRequest(self._view.layer, key)
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

    def _update_timing(self, result) -> None:
        total = result.timings_ms.get("total")
        self.time_label.setText(f"{total:.0f} ms" if total is not None else "– ms")
        now = time.monotonic()
        self._draw_times.append(now)
        while self._draw_times and now - self._draw_times[0] > FPS_WINDOW_S:
            self._draw_times.popleft()
        # A still picture has no frame rate: show one only while frames keep coming.
        if len(self._draw_times) >= 3:
            span = self._draw_times[-1] - self._draw_times[0]
            fps = (len(self._draw_times) - 1) / span if span > 0 else 0.0
            self.fps_label.setText(f"{fps:.1f} fps")
        else:
            self.fps_label.setText("– fps")

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

    # Weights
    def request_weights(self, choice) -> None:
        self.weights_choice = choice
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.request_weights(choice, self.device_request)

    def weights_dialog(self) -> None:
        choice = weights_dialogs.ask_weights_choice(self, self._choice_for_dialog())
        if choice is None:
            return
        if choice.kind == "file" and choice.path is None:
            return
        self.settings.set_weights(choice)
        self.request_weights(choice)

    def _choice_for_dialog(self) -> WeightsChoice:
        choice = self.weights_choice
        return WeightsChoice(choice.kind, choice.path, choice.seed) if choice is not None else WeightsChoice()

    def _show_loading(self, choice) -> None:
        describe = getattr(choice, "describe", None)
        what = describe() if callable(describe) else "weights"
        text = f"Loading the AlexNet model with {what}…"
        self.loading_banner.show_message(text)
        self.weights_label.setText("weights: loading…")
        self.top5_panel.set_busy(True, "Loading model…")
        self.statusBar().showMessage(text)

    def _on_download_progress(self, done, total) -> None:
        if self._download_dialog is None:
            self._download_dialog = weights_dialogs.make_download_dialog(self)
            self._download_dialog.canceled.connect(self.worker.cancel_download)
            self._download_dialog.show()
        weights_dialogs.update_download_dialog(self._download_dialog, int(done), total)

    def _close_download_dialog(self) -> None:
        if self._download_dialog is not None:
            self._download_dialog.canceled.disconnect()
            self._download_dialog.close()
            self._download_dialog.deleteLater()
            self._download_dialog = None

    def _on_weights_ready(self, info, device: str) -> None:
        self._close_download_dialog()
        self.weights_info = info
        self.loading_banner.hide()
        self.top5_panel.set_busy(False)
        self.device_label.setText(f"device: {device}")
        if info.trained:
            self.weights_label.setText(f"weights: {info.description}")
            self.weights_label.setStyleSheet("")
            self.untrained_banner.hide()
        else:
            self.weights_label.setText(f"weights: UNTRAINED ({info.description})")
            self.weights_label.setStyleSheet("color: white; background: #b3261e; font-weight: 600;")
            self.untrained_banner.show_message(
                f"UNTRAINED WEIGHTS ({info.description}): predictions mean nothing"
            )
            self.untrained_banner.setToolTip("Settings › Weights… loads pretrained weights or a weights file.")
        self.statusBar().showMessage(f"Model ready on {device}.", 4000)
        if self._shown_source is not None:
            self._picture_opened(self._shown_source)
        if self.current_result is not None:
            # What is on screen came from the old weights; a picture not yet shown is
            # still waiting in the mailbox and will run with the new ones anyway.
            self._post_current()

    def _on_weights_failed(self, failure: WeightsFailure) -> None:
        self._close_download_dialog()
        if failure.reason == "device" and self.interactive and self.device_request is not None:
            # Another device is no reason to lose the picture: fall back to the best one here.
            self.show_error(f"{failure.message} Using the best available device instead.", about_picture=False)
            self.device_request = None
            self.request_weights(self.weights_choice)
            return
        if self.worker.has_engine:
            self.show_error(f"{failure.message} The previous weights stay in use.", about_picture=False)
            self.weights_choice = self._choice_from_info()
            return
        self.loading_banner.hide()
        self.top5_panel.set_busy(True, "No model loaded")
        self.weights_label.setText("weights: none")
        self.show_error(failure.message, about_picture=False)
        if not self.interactive:
            self.fatal_error.emit(failure.message)
            return
        # Out of the signal handler: the dialog runs its own event loop.
        QTimer.singleShot(0, lambda: self._ask_offline_choice(failure.message))

    def _choice_from_info(self):
        info = self.weights_info
        if info is None:
            return self.weights_choice
        if info.source == "random":
            return WeightsChoice("random")
        return WeightsChoice(info.source if info.source in ("pretrained", "file") else "pretrained")

    def _ask_offline_choice(self, message: str) -> None:
        if self._closed:
            return
        choice = weights_dialogs.ask_offline_choice(self, message)
        if choice is None:
            self.close()
            return
        self.error_banner.hide()  # the dialog said it; the choice answers it
        if choice.kind == "file":
            self.settings.set_weights(choice)
        self.request_weights(choice)

    # Misc
    def save_screenshot_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from alexnet_viewer.qt.window.screenshot import save_window_png

        folder = self.settings.last_folder() or Path.home()
        chosen, _ = QFileDialog.getSaveFileName(self, "Save window screenshot", str(folder / "alexnet-viewer.png"),
                                                "PNG pictures (*.png)")
        if not chosen:
            return
        try:
            save_window_png(self, Path(chosen))
        except OSError as error:
            self.show_error(str(error))
            return
        self.statusBar().showMessage(f"Saved {chosen}", 5000)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About AlexNet Viewer",
            "<b>AlexNet Viewer</b><p>Open a picture and watch AlexNet see it: the conv1 filters, "
            "every layer's feature maps, their statistics and the top-5 guesses.</p>"
            "<p>Open: Ctrl+O, drag and drop, paste (Ctrl+V). Page Up / Page Down browse the folder.</p>"
            "<p>Live: a camera, a video or a folder slideshow (Live menu); Space freezes the frame. "
            "The Edits dock turns, crops, blurs or occludes what the network sees.</p>",
        )

    @property
    def layer(self) -> str:
        return self._view.layer

    @property
    def channel_order(self) -> str:
        return self._view.channel_order

    @property
    def current_path(self) -> Path | None:
        return self._shown_source.path if self._shown_source is not None else None
