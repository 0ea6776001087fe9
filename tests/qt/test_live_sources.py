import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.qt.live.slideshow import SlideshowSource
from alexnet_viewer.qt.live.synthetic import SyntheticPattern, SyntheticSource

# --- synthetic ----------------------------------------------------------------------------

def test_synthetic_pattern_is_deterministic_and_moves():
    pattern = SyntheticPattern()
    first = pattern.frame(0)
    assert first.shape == (480, 640, 3) and first.dtype == np.uint8 and first.flags.c_contiguous
    np.testing.assert_array_equal(first, SyntheticPattern().frame(0))
    assert not np.array_equal(first, pattern.frame(1))


@pytest.mark.parametrize(("fps", "interval_ms"), [(50, 20), (30, 33), (1000, 1), (0.5, 2000)])
def test_synthetic_source_ticks_at_its_rate_one_frame_a_tick(qtbot, fps, interval_ms):
    """The rate without a clock: the source's precise timer fires every 1000/fps ms, and each
    tick delivers exactly the next frame (counted, not timed)."""
    from PySide6.QtCore import Qt, QTimer

    source = SyntheticSource(fps=fps, width=32, height=32)
    timer = source.findChild(QTimer)
    assert timer.interval() == interval_ms and timer.timerType() == Qt.TimerType.PreciseTimer
    frames = []
    source.frame_ready.connect(frames.append)
    for _ in range(5):
        timer.timeout.emit()
    assert len(frames) == source.frames_emitted == source.frame_index == 5
    np.testing.assert_array_equal(frames[4], SyntheticPattern(32, 32).frame(4))
    source.start()
    try:
        assert timer.isActive() and source.running
        if interval_ms <= 50:  # the real timer drives it too
            qtbot.waitUntil(lambda: len(frames) >= 8, timeout=5_000)
    finally:
        source.stop()
    assert not timer.isActive() and not source.running and source.frames_emitted == len(frames)


def test_synthetic_frame_limit_finishes(qtbot):
    source = SyntheticSource(fps=200, width=64, height=48, frame_limit=5)
    frames = []
    source.frame_ready.connect(frames.append)
    with qtbot.waitSignal(source.finished, timeout=5_000):
        source.start()
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)
    np.testing.assert_array_equal(frames[3], SyntheticPattern(64, 48).frame(3))


def test_synthetic_freeze_keeps_the_last_frame(qtbot):
    source = SyntheticSource(fps=100, width=32, height=32)
    frames = []
    source.frame_ready.connect(frames.append)
    source.start()
    try:
        qtbot.waitUntil(lambda: len(frames) >= 2, timeout=5_000)
        source.freeze()
        count, ticked = len(frames), source.frame_index
        # The source keeps ticking while frozen; three ticks later none has been delivered.
        qtbot.waitUntil(lambda: source.frame_index >= ticked + 3, timeout=5_000)
        assert len(frames) == count
        assert source.last_frame is frames[-1] is frames[count - 1]
        source.resume()
        qtbot.waitUntil(lambda: len(frames) > count + 2, timeout=5_000)
    finally:
        source.stop()


def test_no_last_frame_before_start(qapp):
    assert SyntheticSource().last_frame is None


@pytest.mark.parametrize("fps", [0, -1, float("nan"), 5000])
def test_synthetic_rejects_bad_rates(qapp, fps):
    with pytest.raises(ValueError, match="frame rate"):
        SyntheticSource(fps=fps)


# --- slideshow ----------------------------------------------------------------------------

def make_folder(tmp_path, bad=True):
    Image.new("RGB", (40, 30), (255, 0, 0)).save(tmp_path / "a.png")
    if bad:
        (tmp_path / "b.jpg").write_bytes(b"this is not a jpeg")
    Image.new("RGB", (20, 10), (0, 0, 255)).save(tmp_path / "C.jpg", quality=95)
    Image.new("RGB", (3000, 1000), (0, 255, 0)).save(tmp_path / "d.bmp")
    (tmp_path / "notes.txt").write_text("not a picture")
    return tmp_path


def test_slideshow_shows_each_picture_skips_bad_ones_and_loops(qtbot, tmp_path):
    source = SlideshowSource(make_folder(tmp_path), interval_ms=50, loop=True)
    frames, errors = [], []
    source.frame_ready.connect(frames.append)
    source.error.connect(errors.append)
    source.start()
    try:
        qtbot.waitUntil(lambda: len(frames) >= 4, timeout=5_000)
    finally:
        source.stop()
    colours = [tuple(int(v) for v in f[0, 0]) for f in frames[:4]]
    assert colours[0] == (255, 0, 0)
    assert colours[1][2] > 240 and colours[1][0] < 15  # JPEG blue
    assert colours[2] == (0, 255, 0)
    assert colours[3] == (255, 0, 0)  # looped
    assert frames[0].shape == (30, 40, 3)
    assert frames[2].shape == (427, 1280, 3)  # large pictures are shrunk to camera sizes
    assert errors and all("b.jpg" in e for e in errors)


def test_slideshow_decodes_off_the_gui_thread(qtbot, tmp_path, monkeypatch):
    import threading

    from alexnet_viewer.qt.live import slideshow

    decoded_in = []
    real = slideshow.load_image

    def recording_load(path, **kwargs):
        decoded_in.append(threading.current_thread() is threading.main_thread())
        return real(path, **kwargs)

    monkeypatch.setattr(slideshow, "load_image", recording_load)
    source = SlideshowSource(make_folder(tmp_path, bad=False), interval_ms=50, loop=False)
    frames = []
    source.frame_ready.connect(frames.append)
    with qtbot.waitSignal(source.finished, timeout=5_000):
        source.start()
    assert len(frames) == 3 and decoded_in == [False, False, False]


def test_slideshow_without_loop_finishes(qtbot, tmp_path):
    source = SlideshowSource(make_folder(tmp_path, bad=False), interval_ms=50, loop=False)
    frames = []
    source.frame_ready.connect(frames.append)
    with qtbot.waitSignal(source.finished, timeout=5_000):
        source.start()
    assert len(frames) == 3 and not source.running


def test_slideshow_manual_next_and_previous(qtbot, tmp_path):
    source = SlideshowSource(make_folder(tmp_path, bad=False), interval_ms=60_000)
    frames = []
    source.frame_ready.connect(frames.append)
    source.start()
    qtbot.waitUntil(lambda: len(frames) == 1, timeout=5_000)
    source.next_picture()
    qtbot.waitUntil(lambda: len(frames) == 2, timeout=5_000)
    assert source.current_path.name == "C.jpg"
    source.previous_picture()
    source.previous_picture()  # asked for while the first step still decodes: both are taken
    qtbot.waitUntil(lambda: len(frames) == 4, timeout=5_000)
    assert source.current_path.name == "d.bmp"  # wrapped past a.png
    assert [tuple(int(v) for v in f[0, 0]) for f in frames[2:]] == [(255, 0, 0), (0, 255, 0)]
    source.stop()


def test_frozen_slideshow_holds_its_picture(qtbot, tmp_path, monkeypatch):
    from alexnet_viewer.qt.live import slideshow

    decoded = []
    real = slideshow.load_image

    def recording_load(path, **kwargs):
        decoded.append(Path(path).name)
        return real(path, **kwargs)

    monkeypatch.setattr(slideshow, "load_image", recording_load)
    source = SlideshowSource(make_folder(tmp_path, bad=False), interval_ms=50)
    frames = []
    source.frame_ready.connect(frames.append)
    ticks = []
    source._timer.timeout.connect(lambda: ticks.append(True))  # after the slideshow's own tick
    source.start()
    source.freeze()  # before the first picture is decoded: that one still shows
    try:
        qtbot.waitUntil(lambda: len(frames) == 1, timeout=5_000)
        # Three ticks while frozen, and any decode they started has finished: none was started.
        ticked = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= ticked + 3, timeout=5_000)
        qtbot.waitUntil(lambda: not any(t.name == "SlideshowDecode" for t in threading.enumerate()), timeout=5_000)
        assert decoded == ["a.png"]
        assert len(frames) == 1 and source.current_path.name == "a.png"
    finally:
        source.stop()


def test_empty_folder_is_an_error(qtbot, tmp_path):
    source = SlideshowSource(tmp_path)
    with qtbot.waitSignal(source.error, timeout=1_000) as blocker:
        source.start()
    assert "no pictures" in blocker.args[0]
    assert not source.running


def test_missing_folder_is_an_error(qtbot, tmp_path):
    source = SlideshowSource(tmp_path / "nowhere")
    with qtbot.waitSignal(source.error, timeout=1_000) as blocker:
        source.start()
    assert blocker.args[0].startswith('Cannot open the folder "nowhere"')


def test_folder_of_only_broken_files_stops(qtbot, tmp_path):
    (tmp_path / "x.png").write_bytes(b"broken")
    (tmp_path / "y.jpg").write_bytes(b"broken")
    source = SlideshowSource(tmp_path)
    errors = []
    source.error.connect(errors.append)
    with qtbot.waitSignal(source.finished, timeout=1_000):
        source.start()
    assert len(errors) == 3 and "could be opened" in errors[-1]
