"""Live faults in the window: each one a message, the last result stays, the rest works."""

from __future__ import annotations

import pytest

from alexnet_viewer.qt.live import controller as live_controller
from alexnet_viewer.qt.live import CameraSource
from tests.qt.conftest import RecordingFactory, wait_for_frame
from tests.qt.live_helpers import ManualSource, PrebuiltEngine, frame
from tests.qt.video_files import write_mjpeg_avi

multimedia = pytest.importorskip("PySide6.QtMultimedia")

MISSING = "Qt Multimedia is unavailable: libpulse.so.0 missing — install libpulse0"


@pytest.fixture
def quick_window(make_window, shared_engine):
    prebuilt = PrebuiltEngine(shared_engine)
    return make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: prebuilt))


def menu_texts(menu):
    return [action.text() for action in menu.actions()]


def test_no_camera_is_a_clear_message_and_the_rest_works(quick_window, qtbot, picture, monkeypatch):
    monkeypatch.setattr(multimedia.QMediaDevices, "videoInputs", staticmethod(lambda: []))
    window = quick_window
    window.live.refresh_cameras()
    assert "(no camera found)" in menu_texts(window.live.camera_menu)
    default = next(a for a in window.live.camera_menu.actions() if a.text() == "Default camera")
    # With no camera the entry is greyed and says why; starting one anyway says it once.
    assert not default.isEnabled() and default.toolTip() == "No camera found"
    window.live.start_camera(None)
    assert window.messages.isVisible() and window.messages.text == "No camera found"
    assert window.messages.text == "No camera found"
    assert not window.live.running
    wait_for_frame(qtbot, window, window.open_path(picture))
    assert window.current_path == picture.absolute()


def test_the_camera_menu_lists_cameras_and_follows_changes(quick_window, monkeypatch):
    window = quick_window
    cameras = [("usb-1", "Lecture cam")]
    monkeypatch.setattr(live_controller, "available_cameras", lambda: list(cameras))
    window.live.refresh_cameras()
    assert "Lecture cam" in menu_texts(window.live.camera_menu)
    cameras.append(("usb-2", "Document cam"))
    window.live._devices.videoInputsChanged.emit()  # Qt says a camera was plugged in
    assert "Document cam" in menu_texts(window.live.camera_menu)
    started = []
    monkeypatch.setattr(window.live, "use_source", lambda source: started.append(source) or True)
    next(a for a in window.live.camera_menu.actions() if a.text() == "Document cam").trigger()
    assert isinstance(started[0], CameraSource) and started[0]._requested == "usb-2"


def test_a_camera_failing_mid_stream_leaves_the_last_result(quick_window, qtbot, picture):
    window = quick_window
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    source = CameraSource()
    source._build(multimedia, multimedia.QCameraDevice())  # wired as start() would, no device
    source._active_name = "Lecture cam"
    window.live.use_source(source, start=False)
    source._deliver(frame(120))
    qtbot.waitUntil(lambda: window.current_job is not None and window.current_job.source.label.startswith("Camera"),
                    timeout=10000)
    last = window.current_result
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job))
    posted = window.worker.mailbox.counts().posted
    source._camera.errorOccurred.emit(multimedia.QCamera.Error.CameraError, "Device busy.")
    message = 'The camera "Lecture cam" stopped working: Device busy'
    assert window.messages.isVisible() and window.messages.text == message
    assert not window.live.running and window.current_result is last
    # The app goes on: a picture opened now is the next thing the engine gets and the first
    # thing shown since the fault; nothing else was posted or took the last result's place.
    frame_id = window.open_path(picture)
    wait_for_frame(qtbot, window, frame_id)
    assert window.worker.mailbox.counts().posted == posted + 1
    assert [job.frame_id for job in shown] == [frame_id]


def test_a_live_error_is_not_cleared_by_the_next_frame(quick_window, qtbot):
    window = quick_window
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    source = ManualSource()
    window.live.use_source(source)
    source.error.emit("A frame was unreadable")  # not fatal: frames keep coming
    first = window._next_frame_id
    source.push(frame(40))
    wait_for_frame(qtbot, window, first)
    assert window.messages.isVisible() and window.messages.text == "A frame was unreadable"


def test_an_undecodable_video_is_a_message(quick_window, qtbot, tmp_path, picture):
    window = quick_window
    good = wait_for_frame(qtbot, window, window.open_path(picture))
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(b"this is not a video, just text\n" * 600)  # fixed: random bytes can parse as audio
    window.open_path(noise)
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=15000)
    assert window.messages.text.startswith("cannot play video: ")
    assert window.current_result is good and not window.live.running


def test_without_multimedia_the_live_actions_are_greyed_out_with_the_reason(
        make_window, qtbot, monkeypatch, picture, tmp_path):
    monkeypatch.setattr(live_controller, "multimedia_status", lambda: (False, MISSING))
    window = make_window()
    camera = window.live.camera_menu.menuAction()
    for action in (camera, window.live.open_video_action):
        assert not action.isEnabled()
        assert action.toolTip() == MISSING and action.statusTip() == MISSING
    assert window.live.slideshow_action.isEnabled()  # pictures need no Qt Multimedia
    clip = tmp_path / "clip.avi"
    write_mjpeg_avi(clip, [frame(10), frame(20)], 25)
    window.open_path(clip)
    assert window.messages.text == MISSING and window.live.source is None
    wait_for_frame(qtbot, window, window.open_path(picture))
