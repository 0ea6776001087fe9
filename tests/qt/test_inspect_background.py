"""LatestJob: work off the GUI thread, one at a time, the newest request wins."""

from __future__ import annotations

import threading

from alexnet_viewer.qt.inspect.background import FAILED, LatestJob


def test_only_the_newest_waiting_request_runs_and_is_answered(qtbot):
    gate = threading.Event()
    calls, threads, answers = [], [], []

    def work(request):
        calls.append(request)
        threads.append(threading.current_thread())
        if request == 1:
            gate.wait(5)
        return request * 10

    job = LatestJob(work, "Test")
    job.done.connect(lambda request, outcome: answers.append((request, outcome)))
    job.submit(1)
    job.submit(2)  # waits behind 1 ...
    job.submit(3)  # ... and is replaced by 3
    assert job.busy
    gate.set()
    qtbot.waitUntil(lambda: not job.busy and bool(answers))
    qtbot.wait(50)
    assert calls == [1, 3]
    assert answers == [(3, 30)]  # 1's answer is stale: only the newest is handed back
    assert all(thread is not threading.main_thread() for thread in threads)
    job.shutdown()


def test_failures_become_sentences(qtbot):
    def work(request):
        if request == "bad":
            raise ValueError("that is not a cell")
        raise RuntimeError("boom")

    job = LatestJob(work, "Test")
    with qtbot.waitSignal(job.done) as done:
        job.submit("bad")
    assert done.args == ["bad", "that is not a cell"]
    with qtbot.waitSignal(job.done) as done:
        job.submit("worse")
    assert done.args == ["worse", FAILED]
    job.shutdown()
