"""Export for slides: a panel or the window as PNG at 1× or 2×, the statistics as CSV and
JSON, the activations as compressed .npz, and a short animated GIF or WebP of a panel.

Pictures are rendered at the asked scale (a QImage with that device pixel ratio), so a 2×
export of a 600×400 panel is 1200×800 on any screen. Every file is written through a
temporary sibling and renamed (output_files.write_atomically): a reader never sees half
of one. The frames of an animation are grabbed on the GUI thread on a timer (they are
widgets); Pillow encodes them in a thread of its own.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QRegion, QResizeEvent
from PySide6.QtWidgets import QApplication, QWidget

from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.lecture.slides_data import activation_arrays, stats_csv, stats_document
from alexnet_viewer.core.output_files import os_reason, write_atomically, write_json
from alexnet_viewer.qt.export.sweep import all_the_same

SCALES = (1, 2)
ANIMATION_FORMATS = {".gif": "GIF", ".webp": "WEBP"}
DEFAULT_FRAMES = 20
DEFAULT_INTERVAL_MS = 100
HIDDEN_SIZE = QSize(960, 720)  # a view not on screen is pictured at least this large


def render(widget: QWidget, scale: int = 1) -> QImage:
    """The widget as it is on screen, at ``scale`` times its size in pixels; a view not on
    screen (a closed dock, a tab behind another) is laid out at a size of its own first."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    if not widget.isVisible():
        _lay_out_off_screen(widget)
    image = QImage(widget.size() * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        widget.render(painter, QPoint(), QRegion(),
                      QWidget.RenderFlag.DrawWindowBackground | QWidget.RenderFlag.DrawChildren)
    finally:
        painter.end()
    return image


def _lay_out_off_screen(widget: QWidget) -> None:
    """Give a view that is not on screen a size, and let its layouts and plots follow it
    (Qt holds back a hidden widget's resize events until it is shown). The size goes to
    its outermost hidden holder (a dock), whose layout would otherwise undo it."""
    want = widget.size().expandedTo(widget.minimumSizeHint()).expandedTo(HIDDEN_SIZE)
    holder = widget
    while holder.parentWidget() is not None and not holder.parentWidget().isVisible():
        holder = holder.parentWidget()
    holder.ensurePolished()
    for _attempt in range(3):  # a holder never shown has no size yet: its frame shows after one pass
        if widget.size() == want and _attempt:
            break
        old = holder.size()
        holder.resize(old + (want - widget.size()))
        for child in [holder, *holder.findChildren(QWidget)]:
            layout = child.layout()
            if layout is not None:
                layout.invalidate()  # activate() alone keeps a layout that thinks it is done
                layout.activate()
            QApplication.sendEvent(child, QResizeEvent(child.size(), old if child is holder else child.size()))


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the picture could not be encoded as PNG")
    return bytes(buffer.data())


def _write_bytes(path: Path, data: bytes) -> None:
    write_atomically(Path(path), lambda target: target.write_bytes(data))


def save_png(widget: QWidget, path: Path, scale: int = 1) -> QImage:
    image = render(widget, scale)
    _write_bytes(path, png_bytes(image))
    return image


def save_stats_csv(path: Path, result: Result) -> None:
    text = stats_csv(result)
    write_atomically(Path(path), lambda target: target.write_text(text, encoding="utf-8", newline=""))


def save_stats_json(path: Path, result: Result, ablations=(), label: str | None = None) -> None:
    write_json(Path(path), stats_document(result, ablations, label))


def save_activations(path: Path, result: Result) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **activation_arrays(result))
    _write_bytes(path, buffer.getvalue())


def to_rgb_array(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 copy of a QImage."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    data = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * height)
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def animation_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise ValueError(f"an animation is saved as .gif or .webp, not '{suffix or Path(path).name}'")
    return ANIMATION_FORMATS[suffix]


def write_animation(path: Path, frames: list[np.ndarray], interval_ms: int) -> None:
    """Frames (H, W, 3) uint8 as an endlessly looping GIF or WebP, by the file's suffix."""
    kind = animation_format(path)
    pictures = [Image.fromarray(frame) for frame in frames]
    options = {"lossless": True} if kind == "WEBP" else {"optimize": False}

    def write(target: Path) -> None:
        pictures[0].save(target, format=kind, save_all=True, append_images=pictures[1:],
                         duration=interval_ms, loop=0, **options)

    write_atomically(Path(path), write)


class AnimationRecorder(QObject):
    """Grabs ``frames`` pictures of a widget, ``interval_ms`` apart, then writes them."""

    progress = Signal(int, int)  # frames grabbed, frames wanted
    finished = Signal(str)  # the path written
    failed = Signal(str)  # one sentence
    _encoded = Signal(str, str)  # path, error ('' when written)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._grab)
        self._encoded.connect(self._on_encoded)
        self._widget: QWidget | None = None
        self._frames: list[np.ndarray] = []
        self._wanted = 0
        self._path: Path | None = None
        self._scale = 1
        self._interval = DEFAULT_INTERVAL_MS
        self.encoding = False

    @property
    def recording(self) -> bool:
        return self._timer.isActive()

    def start(self, widget: QWidget, path: Path, frames: int = DEFAULT_FRAMES,
              interval_ms: int = DEFAULT_INTERVAL_MS, scale: int = 1, still=None) -> None:
        """Record; when every frame is the same (a still picture), ``still()`` gives the
        frames to save instead (a sweep through the layers); never a one-frame file."""
        animation_format(path)  # a bad suffix is refused before anything is grabbed
        if frames < 2:
            raise ValueError(f"an animation needs at least 2 frames, not {frames}")
        if self.recording or self.encoding:
            raise ValueError("an animation is being recorded already")
        self._widget, self._path, self._wanted = widget, Path(path), int(frames)
        self._scale, self._interval, self._frames = scale, int(interval_ms), []
        self._still, self.swept = still, False
        self._grab()
        self._timer.start(self._interval)

    def cancel(self) -> None:
        self._timer.stop()
        self._frames = []

    def _grab(self) -> None:
        try:
            self._frames.append(to_rgb_array(render(self._widget, self._scale)))
        except (RuntimeError, AttributeError):  # the panel was deleted meanwhile
            self.cancel()
            self.failed.emit("The panel being recorded was closed; nothing was saved")
            return
        self.progress.emit(len(self._frames), self._wanted)
        if len(self._frames) >= self._wanted:
            self._timer.stop()
            if all_the_same(self._frames):
                self._frames, self.swept = (self._still() if self._still is not None else []), True
                if len(self._frames) < 2:
                    self._frames = []
                    self.failed.emit("The view did not change while it was recorded and there is no picture "
                                     "to sweep through the layers; nothing was saved")
                    return
            self._encode()

    def _encode(self) -> None:
        frames, path, interval = self._frames, self._path, self._interval
        self._frames, self.encoding = [], True

        def work() -> None:
            try:
                write_animation(path, frames, interval)
                error = ""
            except OSError as failure:
                error = f"Could not write {path.name}: {os_reason(failure)}"
            except Exception as failure:  # noqa: BLE001 - a message, never a dead thread
                error = f"Could not write {path.name}: {failure}"
            try:
                self._encoded.emit(str(path), error)
            except RuntimeError:  # the window went away meanwhile
                pass

        threading.Thread(target=work, name="AnimationEncoder", daemon=True).start()

    def _on_encoded(self, path: str, error: str) -> None:
        self.encoding = False
        if error:
            self.failed.emit(error)
        else:
            self.finished.emit(path)
