"""Latest: work off the GUI thread, one at a time, the newest input wins; failures are sentences."""

from __future__ import annotations

import threading

from alexnet_viewer.qt.units.latest import Latest


def test_only_the_newest_waiting_input_runs_and_is_answered(qtbot):
    gate = threading.Event()
    calls, threads, answers = [], [], []

    def work(value, _task):
        calls.append(value)
        threads.append(threading.current_thread())
        if value == 1:
            gate.wait(5)
        return value * 10

    job = Latest("Test", work, lambda value, result: answers.append((value, result)), answers.append)
    job.submit(1)
    job.submit(2)  # waits behind 1 ...
    job.submit(3)  # ... and is replaced by 3
    assert job.busy
    gate.set()
    qtbot.waitUntil(lambda: not job.busy and bool(answers))
    assert calls == [1, 3]
    assert answers == [(3, 30)]  # 1's answer is stale: only the newest is handed back
    assert all(thread is not threading.main_thread() for thread in threads)


def test_failures_become_sentences(qtbot):
    def work(value, _task):
        if value == "bad":
            raise ValueError("that is not a cell")
        raise RuntimeError("boom")

    failures = []
    job = Latest("Test", work, lambda *_: None, failures.append)
    job.submit("bad")
    qtbot.waitUntil(lambda: not job.busy)
    job.submit("worse")
    qtbot.waitUntil(lambda: not job.busy)
    assert failures == ["that is not a cell.", "Test failed unexpectedly; the log file has the details."]


def test_an_answer_after_its_owner_is_destroyed_goes_nowhere(qtbot):
    """A window closed while a job runs: the answer arrives at no deleted widget."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.qt.units.task import running_tasks

    gate, answers = threading.Event(), []
    owner = QObject()
    job = Latest("Test", lambda value, _task: gate.wait(5) and value, lambda *args: answers.append(args),
                 answers.append, owner)
    job.submit(7)
    owner.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gate.set()
    qtbot.waitUntil(lambda: not running_tasks())
    QApplication.processEvents()  # the outcome was queued before the thread ended: it would arrive now
    assert answers == []
