"""Qt pictures (QImage, QVideoFrame) to plain (H, W, 3) uint8 RGB arrays.

Qt pads every image row to a 4-byte boundary (``bytesPerLine``), so for widths whose
``3 * width`` is not a multiple of 4 the bytes cannot simply be reshaped: the padding at
the end of each row is sliced off. Any pixel format is first converted by Qt to RGB888;
transparency is laid on white.

Camera and video frames are not converted where they arrive (the GUI thread): a source
hands on a ``PendingFrame`` and the engine worker converts it, scaled to a working size,
so a frame that a newer one replaces in the mailbox costs nothing.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.pictures.images import MAX_PIXELS

# Live frames are scaled to at most this many pixels on their long side (aspect kept):
# AlexNet sees 224×224 in the end, and edits and conversions cost per pixel.
WORKING_SIDE = 640


def qimage_to_array(image: QImage, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """A new C-contiguous (H, W, 3) uint8 RGB copy of ``image``.

    Raises ValueError with a sentence for an empty picture or one over ``max_pixels``.
    """
    if image.isNull() or image.width() <= 0 or image.height() <= 0:
        raise ValueError("The picture is empty.")
    if image.width() * image.height() > max_pixels:
        raise ValueError(
            f"The picture is too large ({image.width()}×{image.height()} pixels); "
            f"the limit is {max_pixels:,} pixels."
        )
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB888)
        flat.fill(Qt.GlobalColor.white)
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    elif image.format() != QImage.Format.Format_RGB888:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        if image.isNull():
            raise ValueError("The picture's pixel format cannot be converted to RGB.")
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    pixels = buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3)
    # The copy detaches the array from Qt's buffer, which dies with ``image``.
    return pixels.copy()


def video_frame_to_array(frame, max_side: int | None = None) -> np.ndarray:
    """Convert a QVideoFrame (any pixel format, e.g. YUV from a camera) to RGB, scaled down
    (aspect kept, smooth) so that its long side is at most ``max_side``.

    ``toImage`` maps the frame itself and does the YUV conversion; it works on the CPU
    when no GPU backend is available (offscreen, remote desktops), in any thread.
    """
    if frame is None or not frame.isValid():
        raise ValueError("The video frame is empty.")
    image = frame.toImage()
    if max_side is not None and max(image.width(), image.height()) > max_side:
        image = image.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return qimage_to_array(image)


class FrameUnreadable(ViewerError):
    """A live frame that could not be converted; the worker drops it and takes the next."""


class PendingFrame:
    """A camera or video frame as it arrived, converted on first use (in the worker).

    ``to_array`` converts once and keeps the array, so a frozen frame re-sent with new
    edits is not converted again. Thread-safe.
    """

    def __init__(self, frame, max_side: int = WORKING_SIDE) -> None:
        self._frame = frame
        self._max_side = max_side
        self._array: np.ndarray | None = None
        self._lock = threading.Lock()

    def to_array(self) -> np.ndarray:
        with self._lock:
            if self._array is None:
                try:
                    self._array = video_frame_to_array(self._frame, self._max_side)
                except ValueError as error:
                    raise FrameUnreadable(str(error)) from None
                self._frame = None  # the video buffer goes back to Qt's pool
            return self._array


def frame_array(frame) -> np.ndarray:
    """The RGB array of a live source's frame: an array as it is, a PendingFrame converted."""
    return frame if isinstance(frame, np.ndarray) else frame.to_array()
