"""The webcam as a frame source (QCamera -> QMediaCaptureSession -> QVideoSink).

Qt Multimedia is imported only through ``availability`` when a camera is listed or started,
so this module can be imported (and the window built) on machines where it is missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QObject, Qt

from alexnet_viewer.qt.live.availability import MultimediaUnavailable, import_multimedia
from alexnet_viewer.qt.live.base import FrameSource
from alexnet_viewer.qt.live.frames import PendingFrame

NO_CAMERA_MESSAGE = "No camera found"

# AlexNet sees 224×224 in the end; a bigger camera picture only costs conversion time.
TARGET_RESOLUTION = (640, 480)
MIN_USEFUL_FPS = 15.0


def device_id(device) -> str:
    """A QCameraDevice's id as text (Qt gives bytes)."""
    return bytes(device.id().data()).decode("utf-8", "replace")


def available_cameras() -> list[tuple[str, str]]:
    """(id, description) of every connected camera; empty when there is none or
    Qt Multimedia is unavailable (``multimedia_status`` says why)."""
    try:
        multimedia = import_multimedia()
    except MultimediaUnavailable:
        return []
    return [(device_id(d), d.description()) for d in multimedia.QMediaDevices.videoInputs()]


def choose_camera_format(formats: Iterable, target: tuple[int, int] = TARGET_RESOLUTION,
                         min_fps: float = MIN_USEFUL_FPS):
    """The QCameraFormat closest in size to ``target`` that still runs at ``min_fps``
    (if any does), the faster one on ties; None for an empty list."""
    target_area = target[0] * target[1]

    def key(fmt):
        size = fmt.resolution()
        area = max(1, size.width() * size.height())
        fps = fmt.maxFrameRate()
        return (fps < min_fps, abs(math.log(area / target_area)), -fps)

    candidates = list(formats)
    return min(candidates, key=key) if candidates else None


def camera_permission() -> str:
    """'granted', 'denied' or 'undetermined' (macOS and Windows ask the user once)."""
    app = QCoreApplication.instance()
    try:
        from PySide6.QtCore import QCameraPermission
        status = app.checkPermission(QCameraPermission())
    except (ImportError, AttributeError, TypeError):
        return "granted"  # Qt before 6.5 has no permission API and needs none
    if status == Qt.PermissionStatus.Granted:
        return "granted"
    if status == Qt.PermissionStatus.Denied:
        return "denied"
    return "undetermined"


class CameraSource(FrameSource):
    """Frames from a camera.

    ``device``: None for the system's default camera, a camera id from
    ``available_cameras()`` (str or bytes), or a QCameraDevice.
    """

    def __init__(self, device=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if isinstance(device, (bytes, bytearray)):
            device = bytes(device).decode("utf-8", "replace")
        self._requested = device
        self._camera = None
        self._session = None
        self._sink = None
        self._devices = None
        self._active_id: str | None = None
        self._active_name = ""
        self._waiting_for_permission = False

    @property
    def description(self) -> str:
        return f"Camera: {self._active_name}" if self._active_name else "Camera"

    @property
    def device_id(self) -> str | None:
        """Id of the camera in use while running."""
        return self._active_id

    def start(self) -> None:
        if self._running or self._waiting_for_permission:
            return
        try:
            multimedia = import_multimedia()
        except MultimediaUnavailable as exc:
            self._fail(str(exc))
            return
        device = self._resolve(multimedia)
        if device is None:
            return
        permission = camera_permission()
        if permission == "denied":
            self._fail("Camera access is denied: allow this application to use the camera "
                       "in the system's privacy settings, then try again")
        elif permission == "undetermined":
            self._ask_permission(multimedia, device)
        else:
            self._open(multimedia, device)

    def stop(self) -> None:
        self._waiting_for_permission = False
        camera, session, sink, devices = self._camera, self._session, self._sink, self._devices
        self._camera = self._session = self._sink = self._devices = None
        self._active_id = None
        if sink is not None:
            sink.videoFrameChanged.disconnect(self._on_video_frame)
        if devices is not None:
            devices.videoInputsChanged.disconnect(self._on_inputs_changed)
        if camera is not None:
            camera.errorOccurred.disconnect(self._on_camera_error)
            camera.stop()
        for obj in (session, camera, sink, devices):
            if obj is not None:
                obj.deleteLater()
        super().stop()

    # --- opening -------------------------------------------------------------------------

    def _resolve(self, multimedia):
        inputs = list(multimedia.QMediaDevices.videoInputs())
        if not inputs:
            self._fail(NO_CAMERA_MESSAGE)
            return None
        wanted = self._requested
        if wanted is None:
            default = multimedia.QMediaDevices.defaultVideoInput()
            return inputs[0] if default.isNull() else default
        if isinstance(wanted, str):
            wanted_id, wanted_name = wanted, wanted
        else:
            wanted_id, wanted_name = device_id(wanted), wanted.description()
        for device in inputs:
            if device_id(device) == wanted_id:
                return device
        self._fail(f'The camera "{wanted_name}" is not connected')
        return None

    def _ask_permission(self, multimedia, device) -> None:
        from PySide6.QtCore import QCameraPermission

        self._waiting_for_permission = True

        def answered(permission) -> None:
            if not self._waiting_for_permission:
                return  # stopped while the system dialog was up
            self._waiting_for_permission = False
            if camera_permission() == "granted":
                self._open(multimedia, device)
            else:
                self._fail("Camera access was not allowed")

        QCoreApplication.instance().requestPermission(QCameraPermission(), self, answered)

    def _build(self, multimedia, device) -> None:
        """Create and wire the Qt objects for ``device`` (no capture yet)."""
        self._active_id = device_id(device)
        self._active_name = device.description() or self._active_id or "camera"
        self._camera = multimedia.QCamera(device, self)
        chosen = choose_camera_format(device.videoFormats())
        if chosen is not None:
            self._camera.setCameraFormat(chosen)
        self._sink = multimedia.QVideoSink(self)
        self._session = multimedia.QMediaCaptureSession(self)
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        # Bound methods of this QObject: frames produced on a capture thread are queued
        # to the thread that owns the source.
        self._sink.videoFrameChanged.connect(self._on_video_frame)
        self._camera.errorOccurred.connect(self._on_camera_error)
        self._devices = multimedia.QMediaDevices(self)
        self._devices.videoInputsChanged.connect(self._on_inputs_changed)
        self._running = True

    def _open(self, multimedia, device) -> None:
        self._build(multimedia, device)
        # QCamera reports a device it cannot open at construction, before any signal.
        if self._camera.error() != multimedia.QCamera.Error.NoError:
            self._on_camera_error(self._camera.error(), self._camera.errorString())
            return
        self._camera.start()

    # --- events ---------------------------------------------------------------------------

    def _on_video_frame(self, frame) -> None:
        if not self._running or self._frozen or not frame.isValid():
            return
        self._deliver(PendingFrame(frame))  # converted and scaled by the engine worker, off this thread

    def _on_camera_error(self, error, message: str = "") -> None:
        if getattr(error, "name", "") == "NoError" or error == 0:
            return
        if not self._running:
            return
        reason = message.strip().rstrip(".") or "unknown error"
        self._fail(f'The camera "{self._active_name}" stopped working: {reason}')

    def _on_inputs_changed(self) -> None:
        if not self._running or self._active_id is None:
            return
        try:
            multimedia = import_multimedia()
        except MultimediaUnavailable:
            return
        present = {device_id(d) for d in multimedia.QMediaDevices.videoInputs()}
        if self._active_id not in present:
            self._fail(f'The camera "{self._active_name}" was disconnected')
