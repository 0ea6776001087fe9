"""The engine runs in its own thread: the window never freezes, newest wins, errors are messages."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QTimer

from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.worker import log_file
from alexnet_viewer.qt.worker.jobs import PictureCache, PictureSource
from alexnet_viewer.qt.worker.lanes import LanePlan
from tests.qt.conftest import (
    EngineWrapper,
    RecordingFactory,
    SlowEngine,
    WorkerReturns,
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
    assert window.messages.isVisible() and window.messages.text == message
    assert window.messages.text == message
    assert window.current_result is good
    assert window.current_path == picture.absolute()
    # A later layer change redraws the picture on screen, not the broken one.
    window.set_layer("pool2")
    qtbot.waitUntil(lambda: "pool2" in window.current_result.mosaics, timeout=30000)
    assert window.current_job.source.path == picture.absolute()
    window.messages.close_button.click()
    assert not window.messages.isVisible()


def test_unexpected_engine_error_is_a_short_message_naming_the_log(make_window, qtbot, picture, shared_engine):
    path = log_file.install_log_file()
    slow = SlowEngine(shared_engine, delay=0.0, fail_with=ZeroDivisionError("deep inside\nTraceback: ..."))
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    with qtbot.waitSignal(window.picture_failed, timeout=30000) as failed:
        window.open_path(picture)
    assert failed.args == [log_file.frame_error()]
    assert str(path) in failed.args[0] and "Traceback" not in failed.args[0]
    assert window.current_result is None
    logged = path.read_text(encoding="utf-8")
    assert "ZeroDivisionError: deep inside" in logged and "Traceback" in logged


def test_without_a_log_file_no_message_mentions_one():
    assert log_file.log_path() is None
    assert "log" not in log_file.frame_error() and "log" not in log_file.picture_error()


class BlockingEngine(EngineWrapper):
    """``run`` waits until the test lets it go; ``entered`` says a frame is inside."""

    def __init__(self, engine):
        super().__init__(engine)
        self.entered = threading.Event()
        self.release = threading.Event()

    def run(self, prepared, request, frame_id=0):
        self.entered.set()
        self.release.wait(30)
        return super().run(prepared, request, frame_id=frame_id)


def test_event_loop_keeps_running_while_the_engine_works(make_window, qtbot, picture, shared_engine):
    blocking = BlockingEngine(shared_engine)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: blocking))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(blocking.release.is_set()))
    timer.start()
    frame = window.open_path(picture)
    try:
        assert blocking.entered.wait(30)
        # The engine is inside a frame and stays there until released: the GUI keeps ticking.
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=10000)
        assert not any(ticks) and window.current_result is None
    finally:
        blocking.release.set()
    wait_for_frame(qtbot, window, frame)
    timer.stop()
    assert threading.current_thread().name not in blocking.threads


def test_newest_picture_wins_when_the_engine_is_slow(make_window, qtbot, tmp_path, shared_engine):
    slow = SlowEngine(shared_engine, delay=0.4)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    returns = WorkerReturns(window)
    paths = [write_picture(tmp_path / f"p{i}.png", size=(30 + i, 20)) for i in range(5)]
    frames = [window.open_path(path) for path in paths]
    result = wait_for_frame(qtbot, window, frames[-1])
    returns.wait_until_settled(qtbot)  # every frame a lane took came back: what shows now stays
    assert len(slow.processed) < 5
    assert slow.processed[-1] == frames[-1]
    assert window.current_job.frame_id == frames[-1]
    assert result.image.shape == (20, 34, 3)
    assert window.current_path == paths[-1].absolute()
    assert window.worker.mailbox.counts().dropped >= 1


class HoldsTheFirst(EngineWrapper):
    """Holds the first frame it runs until the test lets it go; later ones run at once."""

    def __init__(self, engine):
        super().__init__(engine)
        self.entered = threading.Event()
        self.release = threading.Event()

    def run(self, prepared, request, frame_id=0):
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(30)
        return super().run(prepared, request, frame_id=frame_id)


def test_an_older_frame_that_finishes_after_the_newest_is_not_drawn(make_window, qtbot, tmp_path, shared_engine,
                                                                    monkeypatch):
    held = HoldsTheFirst(shared_engine)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: held))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    monkeypatch.setattr(window.worker.planner, "plan", lambda: LanePlan(2, 1))  # two frames at once
    qtbot.waitUntil(lambda: window.worker.plan.lanes == 2, timeout=30000)
    returns = WorkerReturns(window)
    older = write_picture(tmp_path / "older.png", size=(40, 30))
    newer = write_picture(tmp_path / "newer.png", size=(50, 20))
    first = window.open_path(older)
    qtbot.waitUntil(held.entered.is_set, timeout=30000)  # held on one lane
    try:
        second = window.open_path(newer)
        wait_for_frame(qtbot, window, second)  # run on the other lane and drawn
    finally:
        held.release.set()
    returns.wait_until_settled(qtbot)  # the older frame came back too, after the newest ...
    assert sorted(held.processed) == [first, second]
    assert window.current_job.frame_id == second and window.current_path == newer.absolute()  # ... and was dropped


def test_closing_stops_the_worker_and_its_lanes(make_window, qtbot, picture, shared_engine):
    before = {thread.ident for thread in threading.enumerate()}
    slow = SlowEngine(shared_engine, delay=0.3)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: slow))
    window.open_path(picture)
    qtbot.waitUntil(lambda: window.worker.has_engine and bool(window.worker._lanes), timeout=30000)
    lanes = list(window.worker._lanes)
    assert all(lane.is_alive() for lane in lanes)
    window.close()  # while a frame may be in flight
    assert not window.worker.isRunning() and window.worker.isFinished()
    assert window.worker.mailbox.closed
    assert not any(lane.is_alive() for lane in lanes)
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=5000)


def test_closing_during_a_stalled_download_is_quick(make_window, qtbot, shared_engine):
    stalled, let_go = threading.Event(), threading.Event()

    def stall_ignoring_cancel(spec, progress, should_cancel):
        progress(1, 200 * 2**20)
        stalled.set()
        let_go.wait(60)  # like a connection that hangs before the first byte

    window = make_window(weights=WeightsSpec.pretrained(),
                         factory=RecordingFactory(shared_engine, before=stall_ignoring_cancel))
    assert stalled.wait(30)
    loads = [t for t in threading.enumerate() if t.name == "WeightsLoad"]
    try:
        window.close()
        # The load is abandoned, not waited for (it hangs until let go); nothing aborts.
        assert not window.worker.isRunning()
        assert loads and all(t.is_alive() for t in loads)  # close returned while the load still hangs
    finally:
        let_go.set()


class StallingServer:
    """A local HTTP server that sends the headers and a few bytes of a big file, then nothing."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.release = threading.Event()
        release = self.release

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Length", str(200 * 2**20))
                self.end_headers()
                self.wfile.write(b"x" * 4096)
                self.wfile.flush()
                release.wait(60)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alexnet-owt-7be5be79.pth"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_stalled_download_is_cancelled_when_the_window_closes(make_window, qtbot, tmp_path, monkeypatch,
                                                              shared_engine):
    from alexnet_viewer.core.model import loader as model_module
    server = StallingServer()
    monkeypatch.setattr(model_module, "PRETRAINED_URL", server.url)
    monkeypatch.setattr(model_module, "PRETRAINED_CACHE_DIR", tmp_path / "cache")
    try:
        window = make_window(weights=WeightsSpec.pretrained(), factory=RecordingFactory(shared_engine))
        qtbot.waitUntil(lambda: window.weights.download_dialog is not None, timeout=30000)
        loads = [t for t in threading.enumerate() if t.name == "WeightsLoad"]
        window.close()
        assert not window.worker.isRunning()
        # The read that waits on the silent server is cut off: the download ends, and no
        # partial file is left in the cache.
        qtbot.waitUntil(lambda: not any(t.is_alive() for t in loads), timeout=5000)
        assert list((tmp_path / "cache").iterdir()) == []
    finally:
        server.close()


def test_lanes_read_one_snapshot_of_the_decoded_picture():
    cache = PictureCache()
    sources = [PictureSource(token, f"p{token}", array=np.full((4, 4, 3), token, np.uint8)) for token in (1, 2)]
    wrong = []

    def lane(source):
        for _ in range(300):
            if int(cache.decoded(source)[0, 0, 0]) != source.token:
                wrong.append(source.token)

    threads = [threading.Thread(target=lane, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
