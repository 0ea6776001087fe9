"""Explain following live frames: newest wins, no backlog, and the forward display never
waits for an explanation; occlusion's progress, Cancel and Restart."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from alexnet_viewer.qt.explain import jobs
from alexnet_viewer.qt.explain.worker import default_explainer
from tests.qt.conftest import wait_for_frame
from tests.qt.explain_helpers import explain_window, wait_drawn
from tests.qt.inspect_helpers import gradient_picture
from tests.qt.panel_results import gradient_image


class HeldExplainer:
    """A real explainer whose Grad-CAMs wait until ``release`` is set: a very slow machine."""

    def __init__(self, explainer, release: threading.Event):
        self.explainer, self.release = explainer, release
        self.started = threading.Event()

    def class_maps(self, *args, **kwargs):
        self.started.set()
        assert self.release.wait(60)
        return self.explainer.class_maps(*args, **kwargs)


def test_live_frames_newest_wins_without_backlog_and_the_display_keeps_going(
        make_window, qtbot, shared_engine, tmp_path):
    release = threading.Event()
    held = []

    def slow(window):
        def factory(loaded):
            held.append(HeldExplainer(default_explainer(loaded), release))
            return held[-1]
        window.explain.worker.explainer_factory = factory

    window, _result = explain_window(make_window, qtbot, shared_engine, tmp_path, before_start=slow)
    qtbot.waitUntil(lambda: bool(held) and held[0].started.is_set(), timeout=30000)  # stuck in its first map
    worker = window.explain.worker
    shown = []
    window.result_shown.connect(lambda result, job: shown.append(job.frame_id))
    frames = []
    for phase in range(20):  # each drawn while the explainer is stuck: the display does not wait for it
        frames.append(window.post_frame(gradient_image(phase=7 * phase), "live frame"))
        wait_for_frame(qtbot, window, frames[-1])
    assert set(frames) <= set(shown)
    assert worker.frames_explained == [worker.frames_explained[0]]  # still on the first frame
    release.set()
    explanation = wait_drawn(qtbot, window, lambda e: e.frame_id == frames[-1])
    assert explanation.job.result is window.current_result
    assert len(worker.frames_explained) <= 3  # the one it was on, then the newest: no backlog
    assert worker.frames_explained[-1] == frames[-1]
    assert worker.mailbox.counts().dropped >= 17


@pytest.fixture
def small_occlusion(monkeypatch):
    monkeypatch.setattr(jobs, "OCCLUSION_WINDOW", 112)  # 3 x 3 positions instead of 12 x 12
    monkeypatch.setattr(jobs, "OCCLUSION_STRIDE", 56)


def test_occlusion_shows_progress_and_its_map(make_window, qtbot, shared_engine, tmp_path, small_occlusion):
    window, _result = explain_window(make_window, qtbot, shared_engine, tmp_path)
    panel, worker = window.explain.panel, window.explain.worker
    wait_drawn(qtbot, window)
    progress = []
    worker.progress.connect(lambda job, done, total: progress.append((done, total)))
    panel.set_method("occlusion")
    explanation = wait_drawn(qtbot, window, lambda e: e.job.request.method == "occlusion")
    assert progress and progress[-1] == (9, 9)
    assert explanation.maps.shape == (3, 3) and explanation.heat.shape == (3, 3)
    assert explanation.box == (28.0, 28.0, 196.0, 196.0)  # cells centred on the squares, a stride wide
    assert "uncovered" in panel.caption.text() and panel.color_bar.isVisible()
    assert panel.progress.isHidden() and panel.cancel_button.isHidden()
    assert np.all(explanation.maps >= 0) and np.all(explanation.maps <= 1)


def test_occlusion_can_be_cancelled_and_restarted(make_window, qtbot, shared_engine, tmp_path):
    window, _result = explain_window(make_window, qtbot, shared_engine, tmp_path)
    panel, worker = window.explain.panel, window.explain.worker
    first = wait_drawn(qtbot, window)
    cancelled = []
    worker.cancelled.connect(cancelled.append)
    panel.set_method("occlusion")  # 144 positions: long enough to cancel
    qtbot.waitUntil(lambda: panel.progress.isVisible() and "positions" in panel.caption.text(), timeout=30000)
    assert not panel.cancel_button.isHidden() and panel.cancel_button.text() == "Cancel"
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: len(cancelled) == 1 and not worker.busy, timeout=30000)  # it stopped at its next batch
    assert "cancelled" in panel.caption.text() and panel.cancel_button.text() == "Restart"
    assert panel.explanation is first
    explained = len(worker.frames_explained)
    posted = worker.mailbox.counts().posted
    frame = window.open_path(gradient_picture(tmp_path, "second.png", phase=40))
    wait_for_frame(qtbot, window, frame)
    # One more frame of the picture on screen, through the same path: whatever the last one
    # set off, at once or queued behind it, has happened by the time this one is drawn.
    wait_for_frame(qtbot, window, window.post_current())
    # A cancelled occlusion does not start again by itself.
    assert worker.mailbox.counts().posted == posted
    assert len(worker.frames_explained) == explained
    with qtbot.waitSignal(worker.progress, timeout=30000):
        panel.cancel_button.click()  # Restart
    assert panel.cancel_button.text() == "Cancel"
    panel.set_method("gradcam")  # a change of method gives the running occlusion up
    wait_drawn(qtbot, window, lambda e: e.job.request.method == "gradcam" and e.job.serial > first.job.serial)
    qtbot.waitUntil(lambda: len(cancelled) == 2, timeout=30000)
