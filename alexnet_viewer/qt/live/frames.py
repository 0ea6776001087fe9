"""Qt pictures (QImage, QVideoFrame) to plain (H, W, 3) uint8 RGB arrays.

Qt pads every image row to a 4-byte boundary (``bytesPerLine``), so for widths whose
``3 * width`` is not a multiple of 4 the bytes cannot simply be reshaped: the padding at
the end of each row is sliced off. Any pixel format is first converted by Qt to RGB888.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def qimage_to_array(image: QImage) -> np.ndarray:
    """A new C-contiguous (H, W, 3) uint8 RGB copy of ``image``; alpha is dropped."""
    if image.isNull() or image.width() <= 0 or image.height() <= 0:
        raise ValueError("The picture is empty.")
    if image.format() != QImage.Format.Format_RGB888:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        if image.isNull():
            raise ValueError("The picture's pixel format cannot be converted to RGB.")
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    pixels = buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3)
    # The copy detaches the array from Qt's buffer, which dies with ``image``.
    return pixels.copy()


def video_frame_to_array(frame) -> np.ndarray:
    """Convert a QVideoFrame (any pixel format, e.g. YUV from a camera) to RGB.

    ``toImage`` maps the frame itself and does the YUV conversion; it works on the CPU
    when no GPU backend is available (offscreen, remote desktops).
    """
    if frame is None or not frame.isValid():
        raise ValueError("The video frame is empty.")
    return qimage_to_array(frame.toImage())
