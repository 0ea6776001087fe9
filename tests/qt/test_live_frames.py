import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from alexnet_viewer.qt.live.frames import WORKING_SIDE, PendingFrame, qimage_to_array, video_frame_to_array

F = QImage.Format


def reference(width, height):
    """A picture whose every pixel differs, with values exact in 5/6-bit formats too."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 8) % 256
    g = (y * 4) % 256
    b = ((x + y) * 8) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def to_qimage(array, fmt):
    height, width = array.shape[:2]
    image = QImage(width, height, fmt)
    for yy in range(height):
        for xx in range(width):
            r, g, b = (int(v) for v in array[yy, xx])
            image.setPixelColor(xx, yy, QColor(r, g, b))
    return image


@pytest.mark.parametrize("width,height", [(33, 17), (641, 3), (1, 1), (2, 5), (64, 8)])
@pytest.mark.parametrize("fmt", [F.Format_RGB888, F.Format_ARGB32, F.Format_RGB32,
                                 F.Format_RGBX8888, F.Format_ARGB32_Premultiplied,
                                 F.Format_BGR888])
def test_any_width_and_format(qapp, width, height, fmt):
    expected = reference(width, height)
    image = to_qimage(expected, fmt)
    out = qimage_to_array(image)
    assert out.shape == (height, width, 3) and out.dtype == np.uint8
    assert out.flags.c_contiguous and out.flags.writeable
    np.testing.assert_array_equal(out, expected)


def test_rgb888_row_padding_is_sliced_off(qapp):
    image = to_qimage(reference(33, 17), F.Format_RGB888)
    assert image.bytesPerLine() > 33 * 3  # the case that breaks a plain reshape
    np.testing.assert_array_equal(qimage_to_array(image), reference(33, 17))


def test_rgb16_keeps_representable_values(qapp):
    # 5/6/5 bits: multiples of 8 (red, blue) and 4 (green) survive, 255 expands back to 255.
    expected = reference(33, 17)
    expected[0, 0] = (255, 255, 255)
    out = qimage_to_array(to_qimage(expected, F.Format_RGB16))
    np.testing.assert_allclose(out.astype(int), expected.astype(int), atol=8)
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[0, 1]) == (8, 0, 8)


def test_grayscale8(qapp):
    image = QImage(35, 3, F.Format_Grayscale8)
    for x in range(35):
        for y in range(3):
            image.setPixelColor(x, y, QColor(x * 7, x * 7, x * 7))
    out = qimage_to_array(image)
    assert out.shape == (3, 35, 3)
    np.testing.assert_array_equal(out[1, :, 0], np.arange(35) * 7)
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()


def test_copy_outlives_the_image(qapp):
    image = to_qimage(reference(33, 17), F.Format_RGB888)
    out = qimage_to_array(image)
    image.fill(QColor(0, 0, 0))
    del image
    np.testing.assert_array_equal(out, reference(33, 17))


def test_null_image_is_a_clear_error(qapp):
    with pytest.raises(ValueError, match="empty"):
        qimage_to_array(QImage())


@pytest.mark.parametrize("width,height", [(33, 17), (641, 3)])
def test_video_frame_from_qimage(qapp, width, height):
    multimedia = pytest.importorskip("PySide6.QtMultimedia")
    expected = reference(width, height)
    frame = multimedia.QVideoFrame(to_qimage(expected, F.Format_RGB32))
    assert frame.isValid()
    np.testing.assert_array_equal(video_frame_to_array(frame), expected)


def test_invalid_video_frame_is_a_clear_error(qapp):
    multimedia = pytest.importorskip("PySide6.QtMultimedia")
    with pytest.raises(ValueError, match="empty"):
        video_frame_to_array(multimedia.QVideoFrame())


@pytest.mark.parametrize("pixel_format", ["Format_YUV420P", "Format_NV12", "Format_YUYV"])
@pytest.mark.parametrize("width,height", [(34, 18), (642, 4), (64, 48)])
def test_camera_style_yuv_frames(qapp, pixel_format, width, height):
    """Cameras deliver YUV: left half dark, right half light, no colour.

    Sizes are even, as every camera's are: for odd sizes QVideoFrame allocates its
    subsampled chroma planes one row/column short (Qt 6.11), which is not ours to test.
    """
    multimedia = pytest.importorskip("PySide6.QtMultimedia")
    from PySide6.QtCore import QSize

    fmt = multimedia.QVideoFrameFormat(
        QSize(width, height), getattr(multimedia.QVideoFrameFormat.PixelFormat, pixel_format))
    frame = multimedia.QVideoFrame(fmt)
    assert frame.map(multimedia.QVideoFrame.MapMode.WriteOnly)
    half = width // 2
    for plane in range(frame.planeCount()):
        stride = frame.bytesPerLine(plane)
        data = np.frombuffer(frame.bits(plane), np.uint8, count=frame.mappedBytes(plane))
        rows = data.reshape(-1, stride)
        rows[:] = 128  # neutral chroma everywhere
        if pixel_format == "Format_YUYV":
            luma = rows[:height, 0: 2 * width: 2]  # Y0 U Y1 V ...
        elif plane == 0:
            luma = rows[:height, :width]
        else:
            continue
        luma[:, :half] = 50
        luma[:, half:] = 200
    frame.unmap()
    out = video_frame_to_array(frame)
    assert out.shape == (height, width, 3)
    # Video range: Y 16..235 maps to 0..255.
    dark, light = (50 - 16) * 255 / 219, (200 - 16) * 255 / 219
    left = out[:, : half - 1].astype(float)   # one column of chroma/filter slack at the edge
    right = out[:, half + 1:].astype(float)
    np.testing.assert_allclose(left, dark, atol=4)
    np.testing.assert_allclose(right, light, atol=4)


def test_transparency_is_laid_on_white_and_huge_pictures_are_refused(qapp):
    image = QImage(3, 2, F.Format_ARGB32)  # 3*3 bytes per row would need padding as RGB888
    image.fill(QColor(0, 0, 0, 0))
    image.setPixelColor(0, 0, QColor(255, 0, 0))
    array = qimage_to_array(image)
    assert array.shape == (2, 3, 3) and array.flags.c_contiguous
    assert tuple(array[0, 0]) == (255, 0, 0)
    assert tuple(array[1, 2]) == (255, 255, 255)
    with pytest.raises(ValueError, match="too large"):
        qimage_to_array(image, max_pixels=5)


def test_live_frames_are_scaled_to_the_working_size_keeping_their_shape(qapp):
    multimedia = pytest.importorskip("PySide6.QtMultimedia")
    big = QImage(1280, 720, F.Format_RGB32)
    big.fill(QColor(30, 60, 90))
    pending = PendingFrame(multimedia.QVideoFrame(big))
    out = pending.to_array()
    assert out.shape == (WORKING_SIDE * 720 // 1280, WORKING_SIDE, 3) == (360, 640, 3)
    assert tuple(out[100, 100]) == (30, 60, 90)
    assert pending.to_array() is out  # converted once: a frozen frame re-sent costs nothing
    small = multimedia.QVideoFrame(to_qimage(reference(33, 17), F.Format_RGB32))
    assert video_frame_to_array(small, max_side=WORKING_SIDE).shape == (17, 33, 3)  # never enlarged
