"""Opening pictures: files, bytes, paste, drag and drop, the folder's previous/next, recent files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication

from alexnet_viewer.qt.window import picture_sources
from alexnet_viewer.qt.worker.engine_worker import PictureSource


class Opening:
    """Every way a picture comes in ends in the window's ``submit``."""

    def __init__(self, window) -> None:
        self.window = window
        self.live = window.live
        self.settings = window.settings
        self.state = window.state
        self.persist = window.persist
        self._nav_path: Path | None = None  # anchor for previous/next in folder

    def open_path(self, path: Path | str, *, remember: bool = True) -> int:
        """Show the picture file at ``path`` (or play it, for a video); returns the frame id of the job."""
        path = Path(path).expanduser().absolute()
        if picture_sources.is_video_file(path):
            if remember and self.persist:
                self.settings.set_last_folder(path.parent)
                self.settings.add_recent_file(path)
            return self.live.open_video(path)
        self.live.stop()
        self._nav_path = path
        source = PictureSource(self.window.take_token(), path.name, path=path)
        if remember and self.persist:
            self.settings.set_last_folder(path.parent)
        return self.window.submit(source)

    def open_bytes(self, data: bytes, label: str = "pasted picture") -> int:
        self.live.stop()
        return self.window.submit(PictureSource(self.window.take_token(), label, data=bytes(data)))

    def post_frame(self, frame, label: str = "live frame") -> int:
        """Post a live frame, newest wins if the engine is busy: an (H, W, 3) uint8 RGB array, or
        a ``PendingFrame`` (a camera's or a video's) that the worker converts.

        Returns the frame id that the matching Result will carry.
        """
        if isinstance(frame, np.ndarray):
            return self.window.submit(PictureSource(self.window.take_token(), label, array=frame))
        return self.window.submit(PictureSource(self.window.take_token(), label, frame=frame))

    def open_dialog(self) -> None:
        path = picture_sources.ask_open_picture(self.window, self.settings.last_folder())
        if path is not None:
            self.open_path(path)

    def open_incoming(self, incoming: picture_sources.IncomingPicture) -> int:
        if incoming.note:
            self.state.say(incoming.note)
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
            self.window.show_error(str(refusal))
            return
        self.open_incoming(incoming)

    def previous_picture(self) -> None:
        self._step_in_folder(-1)

    def next_picture(self) -> None:
        self._step_in_folder(+1)

    def _step_in_folder(self, step: int) -> None:
        if self._nav_path is None:
            self.state.say("Open a picture file first to browse its folder.")
            return
        target = picture_sources.neighbour_picture(self._nav_path, step)
        if target is None:
            where = "first" if step < 0 else "last"
            self.state.say(f"This is the {where} picture in {self._nav_path.parent.name or '/'}.")
            return
        self.open_path(target)

    def drag_enter(self, event) -> None:
        if picture_sources.mime_may_hold_picture(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event) -> None:
        try:
            incoming = picture_sources.picture_from_mime(event.mimeData(), "dropped")
        except picture_sources.PictureRefused as refusal:
            event.ignore()
            self.window.show_error(str(refusal))
            return
        event.acceptProposedAction()
        self.open_incoming(incoming)

    def fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            action = menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not recent:
            menu.addAction("(none yet)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self.fill_recent_menu()

