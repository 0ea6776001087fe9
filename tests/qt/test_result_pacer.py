import time
from types import SimpleNamespace

from PySide6.QtWidgets import QApplication

from alexnet_viewer.qt.window.result_pacer import ResultPacer, screen_refresh_hz


def job(frame_id):
    return SimpleNamespace(frame_id=frame_id)


def test_a_burst_draws_the_first_and_then_only_the_newest(qtbot):
    drawn = []
    pacer = ResultPacer(lambda result, job: drawn.append((result, time.perf_counter())), refresh_hz=10)
    for index in range(20):
        pacer.offer(index, job(index))
    qtbot.waitUntil(lambda: len(drawn) >= 1, timeout=2000)
    assert drawn[0][0] == 19  # the burst arrived within one event-loop turn: newest only
    for index in range(20, 40):
        pacer.offer(index, job(index))
    qtbot.waitUntil(lambda: len(drawn) >= 2, timeout=2000)
    qtbot.wait(250)
    assert [result for result, _ in drawn] == [19, 39]
    assert drawn[1][1] - drawn[0][1] >= 0.09  # no faster than the (here 10 Hz) screen


def test_a_result_after_a_quiet_refresh_is_drawn_in_the_same_turn(qtbot):
    drawn = []
    pacer = ResultPacer(lambda result, job: drawn.append(result), refresh_hz=60)
    pacer.offer("first", job(1))
    QApplication.processEvents()
    assert drawn == ["first"]
    qtbot.wait(40)  # more than one 60 Hz refresh later
    pacer.offer("second", job(2))
    QApplication.processEvents()
    assert drawn == ["first", "second"]  # no waiting for a fixed pacing slot


def test_a_late_older_result_never_replaces_a_newer_one(qtbot):
    drawn = []
    pacer = ResultPacer(lambda result, job: drawn.append(result), refresh_hz=10)
    pacer.offer("frame 4", job(4))
    pacer.offer("frame 3", job(3))  # finished later on another lane
    qtbot.waitUntil(lambda: bool(drawn), timeout=2000)
    qtbot.wait(150)
    assert drawn == ["frame 4"]


def test_the_pace_is_the_screens(qapp):
    assert 1 <= screen_refresh_hz() <= 1000
    assert ResultPacer(lambda *_: None).interval_s == 1 / screen_refresh_hz()
