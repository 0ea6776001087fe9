"""The engine runs in its own thread: the window never freezes, newest wins, errors are messages."""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QTimer

from alexnet_viewer.qt.worker.engine_worker import GENERIC_FRAME_ERROR
from tests.qt.conftest import (
    RecordingFactory,
    SlowEngine,
    wait_for_frame,
    write_picture,
)


def test_layer_change_resubmits_the_picture_and_shows_the_new_mosaic(make_window, qtbot, picture):
    window = make_window()
    first = wait_for_frame(qtbot, window, window.open_path(picture))
    assert set(first.mosaics) == {"conv1"}
    window.feature_maps_panel.layer_combo.setCurrentText("conv3")  # as the user would
    assert window.layer == "conv3"
    qtbot.waitUntil(lambda: "conv3" in window.current_result.mosaics, timeout=30000)
    assert window.feature_maps_panel.shown_layer == "conv3"
    assert window.stats_panel.layer == "conv3"
    assert window.current_job.source.token == 1  # same picture, not decoded again
    window.set_channel_order("mean")
    qtbot.waitUntil(lambda: window.current_job.view.channel_order == "mean", timeout=30000)
    order = window.current_result.mosaics["conv3"].order
    means = window.current_result.stats["conv3"].channel_means
    assert list(means[list(order)]) == sorted(means, reverse=True)


def test_clicking_a_filter_shows_that_conv1_channel(make_window, qtbot, picture):
    window = make_window(layer="conv2")
    wait_for_frame(qtbot, window, window.open_path(picture))
    window.filters_panel.filter_clicked.emit(7)
    assert window.layer == "conv1"
    assert window.feature_maps_panel.selected_channel == ("conv1", 7)


def test_bad_file_gives_a_message_and_the_previous_result_stays(make_window, qtbot, picture, tmp_path):
    window = make_window()
    good = wait_for_frame(qtbot, window, window.open_path(picture))
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    with qtbot.waitSignal(window.picture_failed, timeout=30000) as failed:
        window.open_path(bad)
    message = failed.args[0]
    assert "broken.png" in message and "Traceback" not in message
    assert window.error_banner.isVisible() and window.error_banner.text == message
    assert window.statusBar().currentMessage() == message
    assert window.current_result is good
    assert window.current_path == picture.absolute()
    # A later layer change redraws the picture on screen, not the broken one.
    window.set_layer("pool2")
    qtbot.waitUntil(lambda: "pool2" in window.current_result.mosaics, timeout=30000)
    assert window.current_job.source.path == picture.absolute()
    window.error_banner.close_button.click()
    assert not window.error_banner.isVisible()


def test_unexpected_engine_error_is_a_short_message_not_a_traceback(make_window, qtbot, picture, shared_engine):
    slow = SlowEngine(shared_engine, delay=0.0, fail_with=RuntimeError("CUDA exploded\nTraceback: ..."))
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    errors = []
    window.worker.error.connect(errors.append)
    with qtbot.waitSignal(window.picture_failed, timeout=30000):
        window.open_path(picture)
    assert errors == [GENERIC_FRAME_ERROR]
    assert window.current_result is None


def test_event_loop_keeps_ticking_while_a_slow_engine_works(make_window, qtbot, picture, shared_engine):
    slow = SlowEngine(shared_engine, delay=0.5)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    frame = window.open_path(picture)
    qtbot.waitUntil(lambda: len(slow.processed) >= 1, timeout=30000)
    wait_for_frame(qtbot, window, frame)
    timer.stop()
    elapsed = time.perf_counter() - started
    assert elapsed >= 0.5
    assert threading.current_thread().name not in slow.threads
    gaps = np.diff([started] + ticks)
    # A frozen GUI would tick once after half a second; a live one ticks all along.
    assert len(ticks) >= elapsed / 0.010 * 0.3
    assert gaps.max() < 0.25


def test_newest_picture_wins_when_the_engine_is_slow(make_window, qtbot, tmp_path, shared_engine):
    slow = SlowEngine(shared_engine, delay=0.4)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    paths = [write_picture(tmp_path / f"p{i}.png", size=(30 + i, 20)) for i in range(5)]
    frames = [window.open_path(path) for path in paths]
    result = wait_for_frame(qtbot, window, frames[-1])
    qtbot.wait(600)  # nothing older may arrive after the newest
    assert len(slow.processed) < 5
    assert slow.processed[-1] == frames[-1]
    assert window.current_job.frame_id == frames[-1]
    assert result.image.shape == (20, 34, 3)
    assert window.current_path == paths[-1].absolute()
    assert window.worker.mailbox.counts().dropped >= 1


def test_closing_stops_the_worker_thread(make_window, qtbot, picture, shared_engine):
    before = threading.active_count()
    slow = SlowEngine(shared_engine, delay=0.3)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    window.open_path(picture)
    qtbot.waitUntil(lambda: window.worker.isRunning(), timeout=5000)
    assert threading.active_count() >= before
    window.close()  # while a frame may be in flight
    assert not window.worker.isRunning()
    assert window.worker.isFinished()
    assert window.worker.mailbox.closed
    qtbot.waitUntil(lambda: threading.active_count() <= before, timeout=5000)

