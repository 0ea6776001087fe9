"""The common shape of every live frame source (camera, video, slideshow, synthetic).

Signals (all delivered in the thread that owns the source, normally the GUI thread):
- ``frame_ready(object)``: a new frame: a C-contiguous (H, W, 3) uint8 RGB array, or (camera,
  video) a ``frames.PendingFrame`` that the engine worker converts off the GUI thread
  (``frames.frame_array`` gives the array of either). Receivers must not modify it: the same
  frame is kept as ``last_frame``.
- ``error(str)``: one human sentence. Emitted for every problem, fatal or not
  (a slideshow skips a bad picture and carries on).
- ``finished()``: the source stopped by itself and will send no more frames (end of a
  video without looping, end of a slideshow, or right after a fatal ``error`` — also
  one at start(), such as "No camera found"). Not emitted when the owner calls ``stop()``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class FrameSource(QObject):
    frame_ready = Signal(object)
    error = Signal(str)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running = False
        self._frozen = False
        self._last_frame = None
        self._frames_emitted = 0

    # --- to be provided by each source ------------------------------------------------

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop delivering frames; safe to call at any time, twice, or before start()."""
        self._running = False

    @property
    def description(self) -> str:
        """A short human name for a status line, e.g. 'Camera: Integrated Webcam'."""
        return type(self).__name__

    # --- shared behaviour ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        """Ignore new frames (the lecturer wants to talk about this one) until resume()."""
        self._frozen = True

    def resume(self) -> None:
        self._frozen = False

    @property
    def last_frame(self):
        return self._last_frame

    @property
    def frames_emitted(self) -> int:
        return self._frames_emitted

    def _deliver(self, frame) -> bool:
        """Keep and emit ``frame`` unless frozen; returns whether it was emitted."""
        if self._frozen:
            return False
        self._last_frame = frame
        self._frames_emitted += 1
        self.frame_ready.emit(frame)
        return True

    def _fail(self, message: str) -> None:
        """A fatal problem: stop, say why, then say that no more frames will come."""
        self.stop()
        self.error.emit(message)
        self.finished.emit()


class LoopingSource(FrameSource):
    """A source that comes to an end (video, slideshow): with ``loop`` it starts again there."""

    def __init__(self, loop: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = bool(loop)

    @property
    def loop(self) -> bool:
        return self._loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._loop = bool(value)
        self._loop_changed()

    def _loop_changed(self) -> None:
        """Called once ``loop`` was set (a video tells its player)."""
