"""Live input for the window: camera, video file, picture-folder slideshow (or any
``FrameSource``) into the same newest-wins mailbox as a still picture.

Every frame a source emits is posted at once with the current edits; the engine takes
the newest when it is free, so a slow computer drops frames instead of lagging. The
status bar shows frames processed and arriving per second and frames dropped.
A source that fails says why in the error banner; the last result stays on screen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

from alexnet_viewer.core.frame.rates import LiveStats
from alexnet_viewer.qt.live import (
    CameraSource,
    SlideshowSource,
    VideoSource,
    available_cameras,
)
from alexnet_viewer.qt.live.availability import multimedia_status
from alexnet_viewer.qt.live.base import FrameSource, LoopingSource
from alexnet_viewer.qt.live.camera import NO_CAMERA_MESSAGE
from alexnet_viewer.qt.live.toolbar import LiveToolbar

log = logging.getLogger(__name__)

STATUS_INTERVAL_MS = 500


def ask_video(parent, start_folder: Path | None) -> Path | None:
    """The file dialog for a video; tests monkeypatch this function."""
    from alexnet_viewer.qt.window.picture_sources import video_dialog_filter

    chosen, _ = QFileDialog.getOpenFileName(parent, "Open a video", str(start_folder or Path.home()),
                                            video_dialog_filter())
    return Path(chosen) if chosen else None


def ask_folder(parent, start_folder: Path | None) -> Path | None:
    """The folder dialog for a slideshow; tests monkeypatch this function."""
    chosen = QFileDialog.getExistingDirectory(parent, "Play a folder of pictures", str(start_folder or Path.home()))
    return Path(chosen) if chosen else None


class LiveController(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.source: FrameSource | None = None
        self.stats = LiveStats()
        self._dropped_before = 0
        self._failed = False
        self._devices = None  # QMediaDevices, once the camera menu was opened
        self.available, self.reason = multimedia_status()
        self._build_actions()
        self.toolbar = LiveToolbar(
            (self.freeze_action, None, self.step_back_action, self.play_action, self.step_action,
             self.loop_action, None, self.stop_action), window)
        self.toolbar.rate_spin.valueChanged.connect(self._on_rate_changed)
        self.status_label = QLabel("")
        self.status_label.setContentsMargins(8, 0, 8, 0)
        self.status_label.setToolTip("Frames the network processed per second, frames the source "
                                     "delivered per second, and frames skipped because the network was busy")
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_INTERVAL_MS)
        self._status_timer.timeout.connect(self.update_status)
        window.worker.result_ready.connect(self._on_result, Qt.ConnectionType.QueuedConnection)
        self.sync_actions()

    # Menus and actions
    def _action(self, text, slot, shortcut=None, checkable=False, tip="") -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)  # shortcuts work while the toolbar is hidden
        return action

    def _build_actions(self) -> None:
        self.open_video_action = self._action("Open &video…", self.open_video_dialog, "Ctrl+Shift+O",
                                              tip="Play a video file through the network")
        self.slideshow_action = self._action("&Slideshow folder…", self.open_slideshow_dialog,
                                             tip="Show each picture of a folder in turn")
        self.freeze_action = self._action("&Freeze", self.set_frozen, Qt.Key.Key_Space, checkable=True,
                                          tip="Hold the current frame (Space); edits still apply")
        self.play_action = self._action("&Play/Pause", self.play_pause, "P", tip="Play or pause the video (P)")
        self.step_action = self._action("Step &forward", lambda: self.step(+1), ".",
                                        tip="Next frame or picture (.)")
        self.step_back_action = self._action("Step &back", lambda: self.step(-1), ",",
                                             tip="Previous frame or picture (,)")
        self.loop_action = self._action("&Loop", self.set_loop, "L", checkable=True,
                                        tip="Start again at the end of a video or slideshow (L)")
        self.loop_action.setChecked(True)
        self.stop_action = self._action("S&top live input", self.stop, Qt.Key.Key_Escape,
                                        tip="Stop the camera, video or slideshow (Esc)")

    def build_menu(self, menu_bar) -> QMenu:
        menu = menu_bar.addMenu("&Live")
        menu.setToolTipsVisible(True)
        self.camera_menu = menu.addMenu("&Camera")
        self.camera_menu.setToolTipsVisible(True)
        self.camera_menu.aboutToShow.connect(self.refresh_cameras)
        menu.addAction(self.open_video_action)
        menu.addAction(self.slideshow_action)
        menu.addSeparator()
        for action in (self.freeze_action, self.play_action, self.step_action, self.step_back_action,
                       self.loop_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.stop_action)
        self.menu = menu
        if not self.available:
            for action in (self.camera_menu.menuAction(), self.open_video_action):
                action.setEnabled(False)
                action.setToolTip(self.reason)
                action.setStatusTip(self.reason)
        self.refresh_cameras()
        return menu

    def refresh_cameras(self) -> None:
        """List the cameras now connected (also run whenever Qt says the list changed)."""
        menu = self.camera_menu
        menu.clear()
        if not self.available:
            menu.addAction(self.reason).setEnabled(False)
            return
        if self._devices is None:
            from PySide6.QtMultimedia import QMediaDevices

            self._devices = QMediaDevices(self)
            self._devices.videoInputsChanged.connect(self.refresh_cameras)
        cameras = available_cameras()
        default = menu.addAction("Default camera")
        default.triggered.connect(lambda _=False: self.start_camera(None))
        if not cameras:
            # Nothing to start: the entry stays, greyed, and says why.
            default.setEnabled(False)
            default.setToolTip(NO_CAMERA_MESSAGE)
            default.setStatusTip(NO_CAMERA_MESSAGE)
            menu.addAction(f"({NO_CAMERA_MESSAGE.lower()})").setEnabled(False)
            return
        menu.addSeparator()
        for camera_id, name in cameras:
            action = menu.addAction(name or camera_id)
            action.setToolTip(camera_id)
            action.triggered.connect(lambda _=False, c=camera_id: self.start_camera(c))

    # Starting sources
    def start_camera(self, device_id: str | None = None) -> bool:
        if not self._check_available():
            return False
        return self.use_source(CameraSource(device_id))

    def open_video(self, path: Path) -> int:
        """Play ``path``; returns 0 (video frames get their ids as they arrive)."""
        if self._check_available():
            self.use_source(VideoSource(path, loop=self.loop_action.isChecked()))
        return 0

    def open_slideshow(self, folder: Path) -> bool:
        source = SlideshowSource(folder, interval_ms=self.toolbar.slide_interval_ms,
                                 loop=self.loop_action.isChecked())
        return self.use_source(source)

    def open_video_dialog(self) -> None:
        path = ask_video(self.window, self.window.settings.last_folder())
        if path is not None:
            self.window.open_path(path)

    def open_slideshow_dialog(self) -> None:
        folder = ask_folder(self.window, self.window.settings.last_folder())
        if folder is not None:
            self.open_slideshow(folder)

    def use_source(self, source: FrameSource, start: bool = True) -> bool:
        """Make ``source`` the live input (replacing any other); False if it failed at once."""
        self.stop()
        self.source = source
        source.setParent(self)
        source.frame_ready.connect(self._on_frame)
        source.error.connect(self._on_error)
        source.finished.connect(self._on_finished)
        self.stats.reset()
        self._failed = False
        self._dropped_before = self.window.worker.mailbox.counts().dropped
        self.freeze_action.setChecked(False)
        self._status_timer.start()
        self.sync_actions()
        if start:
            source.start()
        return self.source is source and source.running

    def stop(self) -> None:
        source, self.source = self.source, None
        if source is not None:
            for signal, slot in ((source.frame_ready, self._on_frame), (source.error, self._on_error),
                                 (source.finished, self._on_finished)):
                signal.disconnect(slot)
            source.stop()
            source.deleteLater()
        self._status_timer.stop()
        self.status_label.setText("")
        self.sync_actions()

    @property
    def running(self) -> bool:
        return self.source is not None and self.source.running

    # Controls
    def set_frozen(self, frozen: bool) -> None:
        if self.source is None:
            return
        if frozen:
            self.source.freeze()
        else:
            self.source.resume()
        self.sync_actions()

    def play_pause(self) -> None:
        if isinstance(self.source, VideoSource):
            if not self.source.running:
                self.source.start()  # after the end of the video: from the beginning
            else:
                self.source.toggle_pause()
        elif isinstance(self.source, SlideshowSource):
            self.set_frozen(not self.source.frozen)
            self.freeze_action.setChecked(self.source.frozen)

    def step(self, frames: int) -> None:
        if isinstance(self.source, VideoSource):
            if self.source.frozen:
                self.freeze_action.setChecked(False)
            self.source.step(frames)
        elif isinstance(self.source, SlideshowSource):
            if frames > 0:
                self.source.next_picture()
            else:
                self.source.previous_picture()

    def set_loop(self, loop: bool) -> None:
        if isinstance(self.source, LoopingSource):
            self.source.loop = loop

    def _on_rate_changed(self, _seconds: float) -> None:
        if isinstance(self.source, SlideshowSource):
            self.source.interval_ms = self.toolbar.slide_interval_ms

    def sync_actions(self) -> None:
        source = self.source
        live = source is not None
        playable = isinstance(source, (VideoSource, SlideshowSource))
        self.freeze_action.setEnabled(live)
        self.stop_action.setEnabled(live)
        for action in (self.play_action, self.step_action, self.step_back_action):
            action.setEnabled(playable)
        self.toolbar.set_rate_visible(isinstance(source, SlideshowSource))
        self.toolbar.set_source_text(source.description if live else "")
        self.toolbar.setVisible(live)

    # Source and worker events
    def _on_frame(self, frame) -> None:
        self.stats.frame_arrived()
        self.window.post_frame(frame, self.source.description if self.source is not None else "live frame")

    def _on_result(self, result, job) -> None:
        if self.source is not None:
            self.stats.frame_processed()

    def _on_error(self, message: str) -> None:
        self._failed = True
        self.window.show_error(message, about_picture=False)

    def _on_finished(self) -> None:
        # The last result stays on screen; a video can be played again from its start.
        self.update_status()
        self._status_timer.stop()
        if isinstance(self.source, VideoSource) and not self._failed:
            self.window.state.say(f"End of {self.source.path.name}.")
        self.toolbar.set_source_text(f"{self.source.description} (stopped)" if self.source else "")

    def update_status(self) -> None:
        if self.source is None:
            return
        dropped = self.window.worker.mailbox.counts().dropped - self._dropped_before
        self.stats.set_dropped(dropped)
        self.status_label.setText(f"live: {self.stats.snapshot().describe()}")

    def _check_available(self) -> bool:
        if not self.available:
            self.window.show_error(self.reason, about_picture=False)
        return self.available
