"""The result pacer, on an injected clock: no test waits a fixed time or reads the wall clock."""

from types import SimpleNamespace

from PySide6.QtWidgets import QApplication

from alexnet_viewer.qt.window.result_pacer import ResultPacer, screen_refresh_hz


def job(frame_id):
    return SimpleNamespace(frame_id=frame_id)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_burst_draws_the_first_and_then_only_the_newest(qtbot):
    drawn, clock = [], Clock()
    pacer = ResultPacer(lambda result, job: drawn.append((result, clock())), refresh_hz=10, clock=clock)
    for index in range(20):
        pacer.offer(index, job(index))
    qtbot.waitUntil(lambda: len(drawn) >= 1, timeout=2000)
    assert drawn[0][0] == 19 and pacer.scheduled_ms == 0  # one event-loop turn: newest only, at once
    clock.now += 0.03  # 30 ms after that draw, at 10 Hz
    for index in range(20, 40):
        pacer.offer(index, job(index))
    assert pacer.scheduled_ms == 70  # the next refresh slot, not sooner
    qtbot.waitUntil(lambda: len(drawn) >= 2, timeout=2000)
    assert [result for result, _ in drawn] == [19, 39] and pacer.idle


def test_a_result_after_a_quiet_refresh_is_drawn_in_the_same_turn(qtbot):
    drawn, clock = [], Clock()
    pacer = ResultPacer(lambda result, job: drawn.append(result), refresh_hz=60, clock=clock)
    pacer.offer("first", job(1))
    QApplication.processEvents()
    assert drawn == ["first"]
    clock.now += 0.04  # more than one 60 Hz refresh later
    pacer.offer("second", job(2))
    assert pacer.scheduled_ms == 0
    QApplication.processEvents()
    assert drawn == ["first", "second"]  # no waiting for a fixed pacing slot


def test_a_late_older_result_never_replaces_a_newer_one(qtbot):
    drawn = []
    pacer = ResultPacer(lambda result, job: drawn.append(result), refresh_hz=10, clock=Clock())
    pacer.offer("frame 4", job(4))
    pacer.offer("frame 3", job(3))  # finished later on another lane
    qtbot.waitUntil(lambda: bool(drawn), timeout=2000)
    assert drawn == ["frame 4"] and pacer.idle


def test_the_pace_is_the_screens(qapp):
    assert 1 <= screen_refresh_hz() <= 1000
    assert ResultPacer(lambda *_: None).interval_s == 1 / screen_refresh_hz()
