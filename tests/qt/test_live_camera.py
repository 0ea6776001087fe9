"""The camera source on a machine without a camera (CI, offscreen): every failure path
must end in a human message, never a crash."""

import pytest

from alexnet_viewer.qt.live import availability, camera
from alexnet_viewer.qt.live.camera import (
    NO_CAMERA_MESSAGE,
    CameraSource,
    available_cameras,
    choose_camera_format,
)
from alexnet_viewer.qt.live.frames import PendingFrame, frame_array

multimedia = pytest.importorskip("PySide6.QtMultimedia")

needs_no_camera = pytest.mark.skipif(
    bool(multimedia.QMediaDevices.videoInputs()), reason="this machine has a camera")


def collect(source):
    errors, finished = [], []
    source.error.connect(errors.append)
    source.finished.connect(lambda: finished.append(True))
    return errors, finished


@needs_no_camera
def test_no_camera_found(qtbot):
    assert available_cameras() == []
    source = CameraSource()
    errors, finished = collect(source)
    source.start()
    assert errors == [NO_CAMERA_MESSAGE] == ["No camera found"]
    assert finished == [True] and not source.running


@needs_no_camera
def test_unknown_camera_id(qtbot, monkeypatch):
    # Pretend there is one camera, so the failure is about the id, not about no camera.
    monkeypatch.setattr(multimedia.QMediaDevices, "videoInputs",
                        staticmethod(lambda: [multimedia.QCameraDevice()]))
    source = CameraSource("usb-cam-7")
    errors, _ = collect(source)
    source.start()
    assert errors == ['The camera "usb-cam-7" is not connected']


def test_camera_failure_mid_stream(qtbot):
    source = CameraSource()
    errors, finished = collect(source)
    # Wire a real QCamera (on a null device) exactly as start() would, then let it fail.
    source._build(multimedia, multimedia.QCameraDevice())
    source._active_name = "Lecture cam"
    assert source.running
    source._camera.errorOccurred.emit(multimedia.QCamera.Error.CameraError, "Device busy.")
    assert errors == ['The camera "Lecture cam" stopped working: Device busy']
    assert finished == [True] and not source.running
    source.stop()  # stopping again is harmless


def test_camera_that_cannot_open_reports_why(qtbot):
    source = CameraSource()
    errors, _ = collect(source)
    source._open(multimedia, multimedia.QCameraDevice())
    assert len(errors) == 1 and "stopped working" in errors[0]
    assert not source.running


def test_camera_unplugged(qtbot):
    source = CameraSource()
    errors, finished = collect(source)
    source._build(multimedia, multimedia.QCameraDevice())
    source._active_id, source._active_name = "usb-cam-1", "USB camera"
    source._devices.videoInputsChanged.emit()  # the device list no longer has it
    assert errors == ['The camera "USB camera" was disconnected']
    assert finished == [True] and not source.running


def test_frames_while_running_and_frozen(qtbot):
    from PySide6.QtGui import QColor, QImage

    source = CameraSource()
    frames = []
    source.frame_ready.connect(frames.append)
    source._build(multimedia, multimedia.QCameraDevice())
    image = QImage(33, 17, QImage.Format.Format_RGB32)
    image.fill(QColor(10, 20, 30))
    source._sink.videoFrameChanged.emit(multimedia.QVideoFrame(image))
    assert len(frames) == 1 and isinstance(frames[0], PendingFrame)  # not converted on this thread
    assert frame_array(frames[0]).shape == (17, 33, 3)
    assert tuple(frame_array(frames[0])[0, 0]) == (10, 20, 30)
    source.freeze()
    source._sink.videoFrameChanged.emit(multimedia.QVideoFrame(image))
    source._sink.videoFrameChanged.emit(multimedia.QVideoFrame())  # empty frames are skipped
    assert len(frames) == 1
    assert source.last_frame is frames[0]  # the frozen frames were not kept
    source.stop()


def test_permission_denied(qtbot, monkeypatch):
    monkeypatch.setattr(multimedia.QMediaDevices, "videoInputs",
                        staticmethod(lambda: [multimedia.QCameraDevice()]))
    monkeypatch.setattr(camera, "camera_permission", lambda: "denied")
    source = CameraSource()
    errors, _ = collect(source)
    source.start()
    assert len(errors) == 1 and errors[0].startswith("Camera access is denied")


def test_without_multimedia_start_reports_why(qtbot, monkeypatch):
    def broken():
        raise ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(availability, "_import_module", broken)
    source = CameraSource()
    errors, _ = collect(source)
    source.start()
    assert errors == ["Qt Multimedia is unavailable: libpulse.so.0 missing — install libpulse0"]
    assert available_cameras() == []


class FakeFormat:
    def __init__(self, width, height, fps):
        self.size, self.fps = (width, height), fps

    def resolution(self):
        from PySide6.QtCore import QSize
        return QSize(*self.size)

    def maxFrameRate(self):
        return self.fps


def test_choose_camera_format_prefers_vga_at_a_usable_rate():
    formats = [FakeFormat(1920, 1080, 30), FakeFormat(640, 480, 5), FakeFormat(800, 600, 30),
               FakeFormat(640, 480, 30), FakeFormat(320, 240, 30)]
    assert choose_camera_format(formats) is formats[3]
    assert choose_camera_format(formats[:3]) is formats[2]  # VGA at 5 fps is too slow
    assert choose_camera_format([]) is None
