"""Live input in the real window: every source through the one newest-wins pipeline."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, Qt, QUrl

from alexnet_viewer.qt.live import controller as live_controller
from alexnet_viewer.qt.app import GuiOptions, create_app
from alexnet_viewer.core.frame.torch_threads import per_thread_counts
from alexnet_viewer.qt.worker.lanes import LanePlan
from alexnet_viewer.qt.live import SlideshowSource, SyntheticSource
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from tests.qt.conftest import EngineWrapper, RecordingFactory, SlowEngine, write_picture
from tests.qt.live_helpers import ManualSource, PrebuiltEngine, frame
from tests.qt.video_files import write_mjpeg_avi

pytest.importorskip("PySide6.QtMultimedia")


@pytest.fixture
def prebuilt(shared_engine):
    return PrebuiltEngine(shared_engine)


@pytest.fixture
def clip(tmp_path):
    frames = [np.full((48, 64, 3), (20 * i, 255 - 20 * i, 100), np.uint8) for i in range(10)]
    path = tmp_path / "clip.avi"
    write_mjpeg_avi(path, frames, 25)
    return path


def live_results(window, label):
    return window.current_job is not None and window.current_job.source.label == label


def test_synthetic_frames_reach_every_panel_and_the_rates_show(make_window, qtbot):
    window = make_window()
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    source = SyntheticSource(fps=20, width=160, height=120)
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job))
    assert window.live.use_source(source)
    assert window.live.toolbar.isVisible() and window.live.freeze_action.isEnabled()
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=60000)
    assert window.current_result.image.shape == (120, 160, 3)
    assert window.current_job.source.label == source.description

    def rates():
        return [float(v) for v in re.findall(r"[\d.]+", window.status_line.live_label.text())[:3]]

    # A rate needs two frames within its window: wait for the status to have seen them.
    qtbot.waitUntil(lambda: "dropped" in window.status_line.live_label.text() and rates()[0] > 0, timeout=30000)
    processed, arriving, dropped = rates()
    assert processed > 0 and arriving > 0 and dropped >= 0
    assert processed <= arriving * 1.5  # never more results than frames
    window.live.stop()
    assert window.status_line.live_label.text() == "" and not window.live.toolbar.isVisible()
    assert not source.running


class HeldEngine(EngineWrapper):
    """Each frame's run waits until the test lets it go: an engine slower than its source,
    with no timing involved."""

    def __init__(self, prebuilt):
        super().__init__(prebuilt.engine)
        self.prebuilt = prebuilt
        self.may_run = threading.Semaphore(0)

    def prepare(self, image, timings=False):
        return self.prebuilt.prepare(image, timings)

    def run(self, prepared, request=None, frame_id=0):
        self.record(frame_id)
        assert self.may_run.acquire(timeout=30)
        return self.prebuilt.run(prepared, request, frame_id=frame_id)


def test_a_slow_engine_drops_frames_instead_of_lagging(make_window, qtbot, prebuilt):
    held = HeldEngine(prebuilt)
    window = make_window(factory=RecordingFactory(prebuilt.engine, wrap=lambda engine: held))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    source = ManualSource()
    window.live.use_source(source)
    for round_ in range(5):  # 12 frames arrive while the engine is on one
        for value in range(12):
            source.push(frame(12 * round_ + value))
        newest = window._next_frame_id - 1
        qtbot.waitUntil(lambda: len(held.processed) > round_, timeout=30000)
        held.may_run.release()
    held.may_run.release(100)  # no lane left waiting
    qtbot.waitUntil(lambda: window.current_job is not None and window.current_job.frame_id == max(held.processed),
                    timeout=30000)
    # None wait in line: far fewer frames ran than arrived, and what runs is (nearly) the newest.
    assert len(held.processed) < 20 and newest - max(held.processed) <= 12
    gaps = np.diff(sorted(held.processed))
    assert np.mean(gaps) >= 3  # most frames were skipped, not queued
    window.live.update_status()
    assert window.live.stats.snapshot().dropped > 0
    assert window.worker.mailbox.counts().dropped > 0


def test_space_freezes_the_frame_and_edits_still_apply(make_window, qtbot, prebuilt):
    window = make_window(factory=RecordingFactory(prebuilt.engine, wrap=lambda engine: prebuilt))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    source = ManualSource()
    window.live.use_source(source)
    source.push(frame(10))
    qtbot.waitUntil(lambda: live_results(window, "Manual camera"), timeout=10000)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.live.freeze_action.isChecked() and source.frozen
    frozen = window.current_job
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job))
    posted = window.worker.mailbox.counts().posted
    assert not source.push(frame(200))  # ignored while frozen
    # The frozen frame is reposted with new edits: posted after the ignored frame, it is
    # shown after anything that frame could have set off.
    window.edits.panel.flip_horizontal.setChecked(True)
    qtbot.waitUntil(lambda: window.current_job.edits.flip_horizontal, timeout=10000)
    assert window.worker.mailbox.counts().posted == posted + 1  # the repost only
    assert all(job.source.token == frozen.source.token for job in shown)  # only the frozen frame
    assert (window.current_result.image[..., 0] == 10).all()  # its pixels, not the ignored frame's
    assert window.current_result.image[0, -1, 1] == 200  # the marked corner moved right
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not source.frozen and source.push(frame(30))


def test_a_video_opened_like_a_picture_plays_into_the_window(make_window, qtbot, clip, prebuilt):
    window = make_window(factory=RecordingFactory(prebuilt.engine, wrap=lambda engine: prebuilt))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    window.live.loop_action.setChecked(False)
    assert window.open_path(clip) == 0  # frame ids come with the frames
    qtbot.waitUntil(lambda: live_results(window, "Video: clip.avi"), timeout=15000)
    assert window.current_result.image.shape == (48, 64, 3)
    assert window.live.play_action.isEnabled() and window.live.step_action.isEnabled()
    # Without loop the video stops at its end; the last result stays.
    qtbot.waitUntil(lambda: not window.live.running, timeout=15000)
    assert window.messages.text == "End of clip.avi."
    last = window.current_result
    assert last is not None and int(last.image[..., 0].mean()) > 100  # a late frame
    assert window.live.toolbar.source_label.text().endswith("(stopped)")
    # Play again starts from the beginning; stepping pauses and moves one frame.
    window.live.play_action.trigger()
    qtbot.waitUntil(lambda: window.live.running, timeout=5000)
    window.live.step_action.trigger()
    qtbot.waitUntil(lambda: not window.live.source.playing, timeout=5000)


def test_loop_is_on_by_default_and_keeps_playing(make_window, qtbot, clip, prebuilt):
    window = make_window(factory=RecordingFactory(prebuilt.engine, wrap=lambda engine: prebuilt))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    assert window.live.loop_action.isChecked()
    window.open_path(clip)
    qtbot.waitUntil(lambda: window.live.source is not None and window.live.source.frames_emitted > 14,
                    timeout=15000)
    assert window.live.running
    # Opening a picture leaves live mode.
    window.open_path(write_picture(clip.parent / "still.png"))
    assert window.live.source is None
    qtbot.waitUntil(lambda: window.current_path == clip.parent / "still.png", timeout=10000)


def test_videos_open_from_the_dialog_the_live_menu_and_a_drop(make_window, monkeypatch, clip):
    from alexnet_viewer.qt.window import picture_sources

    text = picture_sources.file_dialog_filter()
    for suffix in (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".png"):
        assert f"*{suffix}" in text
    monkeypatch.setattr(picture_sources, "ask_open_picture", lambda parent, folder: clip)
    window = make_window(start=False)
    window.open_dialog()
    assert window.live.source is not None and window.live.source.description == "Video: clip.avi"
    window.live.stop()
    monkeypatch.setattr(live_controller, "ask_video", lambda parent, folder: clip)
    window.live.open_video_action.trigger()
    assert window.live.source.description == "Video: clip.avi"
    window.live.stop()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    assert picture_sources.mime_may_hold_picture(mime)
    window.opening.open_incoming(picture_sources.picture_from_mime(mime, "dropped"))  # what dropEvent does
    assert window.live.source.description == "Video: clip.avi"


def test_a_video_on_the_command_line_plays(qtbot, settings_path, engine_factory, clip):
    window = create_app(GuiOptions(image=clip, weights=WeightsSpec.random(0), settings_path=settings_path),
                        exec_app=False, engine_factory=engine_factory)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: live_results(window, "Video: clip.avi"), timeout=60000)
    finally:
        window.close()


def test_a_folder_plays_as_a_slideshow_at_the_chosen_rate(make_window, qtbot, tmp_path, prebuilt, monkeypatch):
    folder = tmp_path / "slides"
    for index, colour in enumerate(((200, 0, 0), (0, 200, 0), (0, 0, 200))):
        write_picture(folder / f"{index}.png", colour=colour)
    window = make_window(factory=RecordingFactory(prebuilt.engine, wrap=lambda engine: prebuilt))
    monkeypatch.setattr(live_controller, "ask_folder", lambda parent, start: folder)
    window.live.toolbar.rate_spin.setValue(0.2)
    window.live.slideshow_action.trigger()
    source = window.live.source
    assert isinstance(source, SlideshowSource) and source.interval_ms == 200
    assert window.live.toolbar.rate_visible
    qtbot.waitUntil(lambda: source.frames_emitted >= 4, timeout=5000)  # looped past the last one
    window.live.toolbar.rate_spin.setValue(5.0)
    assert source.interval_ms == 5000
    window.live.step_action.trigger()
    assert source.current_path.name in {"0.png", "1.png", "2.png"}


def test_on_the_cpu_lanes_follow_the_source(make_window, qtbot, picture, shared_engine, prebuilt):
    import torch

    before = torch.get_num_threads()
    slow = SlowEngine(prebuilt, delay=0.1)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    cores = window.worker.planner.cores
    window.open_path(picture)
    qtbot.waitUntil(lambda: len(slow.processed) >= 1, timeout=30000)
    assert window.worker.plan == LanePlan(1, cores)  # a still picture: one frame on every core
    if cores < 2 or not per_thread_counts():  # without OpenMP: the next test
        return
    # 60 frames a second against 100 ms a frame: one lane cannot keep up; one frame per core.
    window.live.use_source(SyntheticSource(fps=60, width=64, height=48))
    qtbot.waitUntil(lambda: window.worker.plan == window.worker.planner.multi, timeout=30000)
    assert window.worker.plan.lanes == min(cores, 4) and window.worker.plan.threads == cores // min(cores, 4)
    done = len(slow.processed)
    qtbot.waitUntil(lambda: len(slow.processed) >= done + 6, timeout=30000)
    assert len(slow.threads) >= 2  # frames ran on more than one lane
    assert torch.get_num_threads() == before  # only the lanes' own counts changed
    window.live.stop()
    window.close()
    assert not any(lane.is_alive() for lane in window.worker._lanes)


def test_without_per_thread_torch_counts_live_frames_keep_one_lane(
        make_window, qtbot, picture, shared_engine, prebuilt, monkeypatch):
    """Where torch's parallel backend is not OpenMP (its thread count is one pool for the
    process), the worker keeps the one-lane plan however fast the source is."""
    from alexnet_viewer.qt.worker import engine_worker, lanes

    monkeypatch.setattr(engine_worker, "per_thread_counts", lambda: False)
    monkeypatch.setattr(lanes, "usable_cores", lambda: 4)  # cores enough for more lanes, on any machine
    slow = SlowEngine(prebuilt, delay=0.1)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    planner = window.worker.planner
    assert planner.multi == planner.single == LanePlan(1, 4)
    window.open_path(picture)
    qtbot.waitUntil(lambda: len(slow.processed) >= 1, timeout=30000)
    # 60 frames a second against 100 ms a frame: with OpenMP this takes a lane per core.
    window.live.use_source(SyntheticSource(fps=60, width=64, height=48))
    done = len(slow.processed)
    qtbot.waitUntil(lambda: len(slow.processed) >= done + 6, timeout=30000)
    assert window.worker.plan == planner.single and len(slow.threads) == 1
    window.live.stop()


def test_camera_frames_are_converted_by_the_worker_at_working_size(make_window, qtbot, monkeypatch):
    import threading

    from PySide6.QtGui import QColor, QImage

    from alexnet_viewer.qt.live import CameraSource, frames

    multimedia = pytest.importorskip("PySide6.QtMultimedia")
    converted_in = []
    real = frames.video_frame_to_array

    def recording(frame, max_side=None):
        converted_in.append(threading.current_thread().name)
        return real(frame, max_side)

    monkeypatch.setattr(frames, "video_frame_to_array", recording)
    window = make_window()
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    camera = CameraSource()
    window.live.use_source(camera, start=False)
    camera._build(multimedia, multimedia.QCameraDevice())  # a camera's Qt objects, no device
    image = QImage(1280, 960, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 100, 50))
    camera._sink.videoFrameChanged.emit(multimedia.QVideoFrame(image))
    qtbot.waitUntil(lambda: window.current_job is not None, timeout=30000)
    assert window.current_result.image.shape == (480, 640, 3)  # scaled, aspect kept
    assert converted_in and threading.main_thread().name not in converted_in
    window.live.stop()
