"""A video file as a frame source (QMediaPlayer -> QVideoSink), with pause, step and loop.

Playback runs in real time; the engine takes the newest frame whenever it is free, so a
slow computer skips frames instead of falling behind. No audio output is attached.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from alexnet_viewer.qt.live.availability import MultimediaUnavailable, import_multimedia
from alexnet_viewer.qt.live.base import LoopingSource
from alexnet_viewer.qt.live.frames import PendingFrame

FALLBACK_FRAME_MS = 40.0  # 25 fps, when the file does not say


def _cannot_play(reason: str) -> str:
    return f"cannot play video: {reason.strip().rstrip('.') or 'unknown error'}"


class VideoSource(LoopingSource):
    """Frames from a video file; ``loop`` restarts it at the end instead of finishing."""

    def __init__(self, path: str | os.PathLike, loop: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(loop, parent)
        self._path = Path(path)
        self._player = None
        self._sink = None
        self._multimedia = None
        self._failed = False

    @property
    def description(self) -> str:
        return f"Video: {self._path.name}"

    @property
    def path(self) -> Path:
        return self._path

    def _loop_changed(self) -> None:
        if self._player is not None:
            self._player.setLoops(self._loops_value())

    @property
    def playing(self) -> bool:
        return self._player is not None and \
            self._player.playbackState() == self._multimedia.QMediaPlayer.PlaybackState.PlayingState

    @property
    def position_ms(self) -> int:
        return self._player.position() if self._player is not None else 0

    @property
    def frame_duration_ms(self) -> float:
        """From the file's frame rate, else 40 ms."""
        if self._player is not None:
            rate = self._player.metaData().value(self._multimedia.QMediaMetaData.Key.VideoFrameRate)
            try:
                rate = float(rate)
            except (TypeError, ValueError):
                rate = 0.0
            if 0.5 <= rate <= 1000:
                return 1000.0 / rate
        return FALLBACK_FRAME_MS

    def start(self) -> None:
        if self._running:
            return
        try:
            self._multimedia = import_multimedia()
        except MultimediaUnavailable as exc:
            self._fail(str(exc))
            return
        if not self._path.is_file():
            self._fail(_cannot_play(f'"{self._path.name}" does not exist or is not a file'))
            return
        qm = self._multimedia
        self._failed = False
        self._player = qm.QMediaPlayer(self)
        self._sink = qm.QVideoSink(self)
        self._player.setVideoSink(self._sink)
        self._player.setLoops(self._loops_value())
        self._sink.videoFrameChanged.connect(self._on_video_frame)
        self._player.errorOccurred.connect(self._on_player_error)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._running = True
        self._player.setSource(QUrl.fromLocalFile(str(self._path.resolve())))
        self._player.play()

    def stop(self) -> None:
        player, sink = self._player, self._sink
        self._player = self._sink = None
        if sink is not None:
            sink.videoFrameChanged.disconnect(self._on_video_frame)
        if player is not None:
            player.errorOccurred.disconnect(self._on_player_error)
            player.mediaStatusChanged.disconnect(self._on_media_status)
            player.stop()
            player.deleteLater()
        if sink is not None:
            sink.deleteLater()
        super().stop()

    def play(self) -> None:
        if self._player is None:
            self.start()
        else:
            self._player.play()

    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()

    def toggle_pause(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step(self, frames: int = 1) -> None:
        """Pause and move ``frames`` frames on (negative: back); the frame is emitted."""
        if self._player is None:
            return
        self._player.pause()
        target = self._player.position() + round(frames * self.frame_duration_ms)
        duration = self._player.duration()
        if duration > 0:
            target = min(target, max(0, duration - 1))
        self._player.setPosition(max(0, target))

    # --- events ---------------------------------------------------------------------------

    def _loops_value(self) -> int:
        loops = self._multimedia.QMediaPlayer.Loops if self._multimedia else None
        if loops is None:
            return -1 if self._loop else 1
        return loops.Infinite if self._loop else loops.Once

    def _on_video_frame(self, frame) -> None:
        # The end of a video is announced with an empty frame: skip it, keep the last one.
        if not self._running or self._frozen or not frame.isValid():
            return
        self._deliver(PendingFrame(frame))  # converted and scaled by the engine worker, off this thread

    def _on_player_error(self, error, message: str = "") -> None:
        if getattr(error, "name", "") == "NoError" or self._failed:
            return
        self._failed = True
        self._fail(_cannot_play(message or getattr(error, "name", "unknown error")))

    def _on_media_status(self, status) -> None:
        statuses = self._multimedia.QMediaPlayer.MediaStatus
        if status == statuses.InvalidMedia:
            if not self._failed:
                self._failed = True
                reason = self._player.errorString() if self._player is not None else ""
                fallback = f'"{self._path.name}" is not a video that can be decoded'
                self._fail(_cannot_play(reason or fallback))
        elif status == statuses.EndOfMedia and self._running:
            if self._loop:
                # setLoops covers this; restarting by hand is the fallback for backends
                # that end anyway.
                self._player.setPosition(0)
                self._player.play()
            else:
                self.stop()
                self.finished.emit()
