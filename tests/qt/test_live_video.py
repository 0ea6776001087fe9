"""VideoSource against real files decoded by Qt Multimedia's bundled FFmpeg backend.

The test video is written here: a RIFF AVI holding Motion-JPEG frames encoded by Pillow
(no video encoder is needed, and FFmpeg decodes MJPEG everywhere). Frame ``i`` is a flat
colour whose red value is ``20 * i``, so a frame's index can be read back from its pixels.
"""


import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Slot

from alexnet_viewer.qt.live import availability
from alexnet_viewer.qt.live.frames import frame_array
from alexnet_viewer.qt.live.video import VideoSource
from tests.qt.video_files import write_mjpeg_avi

pytest.importorskip("PySide6.QtMultimedia")

FRAMES = 10
FPS = 25
WIDTH, HEIGHT = 64, 48


def frame_index(frame) -> int:
    return int(round(float(frame_array(frame)[..., 0].mean()) / 20))


@pytest.fixture
def video_path(tmp_path):
    frames = [np.full((HEIGHT, WIDTH, 3), (20 * i, 255 - 20 * i, 100), np.uint8)
              for i in range(FRAMES)]
    path = tmp_path / "ramp.avi"
    write_mjpeg_avi(path, frames, FPS)
    return path


class Tally(QObject):
    """Counts a signal's emissions on the GUI thread, each after the receivers connected
    before it (queued behind them, or after them where they are called at once)."""

    def __init__(self, signal) -> None:
        super().__init__()
        self.count = 0
        signal.connect(self._seen, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _seen(self, _value) -> None:
        self.count += 1


def collect(source):
    frames = []
    source.frame_ready.connect(frames.append)
    return frames


def test_frames_arrive_then_finished(qtbot, video_path):
    source = VideoSource(video_path, loop=False)
    frames = collect(source)
    errors = []
    source.error.connect(errors.append)
    with qtbot.waitSignal(source.finished, timeout=10_000):
        source.start()
    assert errors == []
    assert len(frames) >= FRAMES // 2
    arrays = [frame_array(f) for f in frames]  # converted here as the engine worker would
    assert all(a.shape == (HEIGHT, WIDTH, 3) and a.dtype == np.uint8 for a in arrays)
    indices = [frame_index(f) for f in frames]
    assert indices == sorted(indices) and indices[0] == 0 and indices[-1] == FRAMES - 1
    # Colours survive decoding and YUV -> RGB conversion.
    np.testing.assert_allclose(arrays[-1][HEIGHT // 2, WIDTH // 2],
                               (20 * (FRAMES - 1), 255 - 20 * (FRAMES - 1), 100), atol=12)
    assert not source.running
    assert source.last_frame is frames[-1]


def test_loop_plays_past_the_end(qtbot, video_path):
    source = VideoSource(video_path, loop=True)
    frames = collect(source)
    finished = []
    source.finished.connect(lambda: finished.append(True))
    source.start()
    try:
        # More frames than the file holds, with the first frame shown again after the last.
        qtbot.waitUntil(lambda: len(frames) > FRAMES + 3, timeout=10_000)
        indices = [frame_index(f) for f in frames]
        restart = next(i for i in range(1, len(indices)) if indices[i] < indices[i - 1])
        assert indices[restart] <= 1
        assert finished == []
        assert source.running
    finally:
        source.stop()


def test_pause_and_step_one_frame(qtbot, video_path):
    source = VideoSource(video_path, loop=False)
    frames = collect(source)
    source.start()
    try:
        qtbot.waitUntil(lambda: len(frames) >= 2, timeout=10_000)
        source.pause()
        qtbot.waitUntil(lambda: not source.playing, timeout=5_000)
        assert source.frame_duration_ms == pytest.approx(1000 / FPS)
        before = source.position_ms
        # A frame decoded before the pause may still land: each step waits for its own frame,
        # the one at the position it moved to.
        target = (before + 40) // 40
        with qtbot.waitSignal(source.frame_ready, timeout=5_000,
                              check_params_cb=lambda frame: frame_index(frame) == target) as blocker:
            source.step()
        stepped = blocker.args[0]
        assert source.position_ms == before + 40
        with qtbot.waitSignal(source.frame_ready, timeout=5_000,
                              check_params_cb=lambda frame: frame_index(frame) == target - 1):
            source.step(-1)
        assert source.position_ms == before
        assert frame_index(stepped) == target and not source.playing
    finally:
        source.stop()


def test_freeze_ignores_frames_and_keeps_the_last(qtbot, video_path):
    source = VideoSource(video_path, loop=True)
    frames = collect(source)
    source.start()
    try:
        qtbot.waitUntil(lambda: len(frames) >= 1, timeout=10_000)
        source.freeze()
        count, kept = len(frames), source.last_frame
        # The player goes on: three of its frames reach the source while frozen, none is delivered.
        arrived = Tally(source._sink.videoFrameChanged)
        qtbot.waitUntil(lambda: arrived.count >= 3, timeout=5_000)
        assert len(frames) == count
        assert source.last_frame is kept
        assert frames[-1] is kept
        source.resume()
        qtbot.waitUntil(lambda: len(frames) > count + 2, timeout=5_000)
    finally:
        source.stop()


def test_undecodable_file_is_an_error(qtbot, tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(b"this is not a video, just text\n" * 600)  # fixed: random bytes can parse as audio
    source = VideoSource(path)
    frames = collect(source)
    errors = []
    source.error.connect(errors.append)
    with qtbot.waitSignal(source.finished, timeout=10_000):
        source.start()
    assert len(errors) == 1, errors
    assert errors[0].startswith("cannot play video: ")
    assert frames == [] and not source.running


def test_missing_file_is_an_error(qtbot, tmp_path):
    source = VideoSource(tmp_path / "gone.avi")
    with qtbot.waitSignal(source.error, timeout=1_000) as blocker:
        source.start()
    assert blocker.args == ['cannot play video: "gone.avi" does not exist or is not a file']


def test_stop_is_safe_any_time(qtbot, video_path):
    source = VideoSource(video_path)
    source.stop()
    source.start()
    source.stop()
    source.stop()
    assert not source.running


def test_without_multimedia_start_reports_why(qtbot, video_path, monkeypatch):
    def broken():
        raise ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(availability, "_import_module", broken)
    source = VideoSource(video_path)
    with qtbot.waitSignal(source.error, timeout=1_000) as blocker:
        source.start()
    assert blocker.args == ["Qt Multimedia is unavailable: libpulse.so.0 missing — install libpulse0"]
