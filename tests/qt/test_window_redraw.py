"""A view-only change on a still picture is drawn from the result on screen: no forward
(issue 17, item 2). The stand-in engine counts forwards (``processed``) and redraws."""

from __future__ import annotations

import numpy as np

from alexnet_viewer.qt.worker.jobs import frame_request
from tests.qt.conftest import RecordingFactory, wait_for_frame


def test_layer_and_order_changes_on_a_still_picture_run_no_forward(make_window, qtbot, picture, shared_engine):
    factory = RecordingFactory(shared_engine)
    window = make_window(factory=factory)
    first = wait_for_frame(qtbot, window, window.open_path(picture))
    engine = factory.made[0]
    forwards = len(engine.processed)
    for layer in ("relu2", "pool5", "fc7", "conv1"):
        window.set_layer(layer)
        qtbot.waitUntil(lambda: layer in window.current_result.mosaics, timeout=30000)
    window.set_channel_order("mean")
    qtbot.waitUntil(lambda: window.current_result.mosaics["conv1"].order != first.mosaics["conv1"].order, timeout=30000)
    assert len(engine.processed) == forwards  # not one forward more
    assert len(engine.redrawn) == 5
    shown = window.current_result  # what a forward would have shown
    forward = shared_engine.process(shown.image, frame_request(window.current_job.view))
    np.testing.assert_array_equal(shown.mosaics["conv1"].image, forward.mosaics["conv1"].image)
    assert window.feature_maps_panel.layer == "conv1"


def test_new_ablations_still_run_the_network(make_window, qtbot, picture, shared_engine):
    factory = RecordingFactory(shared_engine)
    window = make_window(factory=factory)
    wait_for_frame(qtbot, window, window.open_path(picture))
    engine = factory.made[0]
    forwards = len(engine.processed)
    next_frame = window._next_frame_id
    window.set_ablations((("conv1", (0, 1)),))
    wait_for_frame(qtbot, window, next_frame)
    assert len(engine.processed) == forwards + 1 and not engine.redrawn


def test_live_frames_ask_for_every_layers_statistics_four_times_a_second(make_window, qtbot, monkeypatch):
    from alexnet_viewer.qt.live.controller import LiveController

    window = make_window(start=False)
    monkeypatch.setattr(LiveController, "running", property(lambda _self: True))
    posted, now = [], [50.0]
    monkeypatch.setattr(window.worker, "post", lambda job: posted.append(job) or True)
    window.clock = lambda: now[0]
    window.stats_dock.raise_()
    qtbot.waitUntil(window._statistics_in_view)
    frame = np.zeros((48, 64, 3), np.uint8)
    for step in (0.0, 0.1, 0.1, 0.1, 0.1):
        now[0] += step
        window.post_frame(frame)
    assert [job.view.statistics for job in posted] == [True, False, False, True, False]
    window.filters_dock.raise_()
    qtbot.waitUntil(lambda: not window._statistics_in_view())
    now[0] += 1.0
    window.post_frame(frame)
    assert posted[-1].view.statistics is False


def test_statistics_are_computed_and_drawn_only_while_their_tab_is_in_front(make_window, qtbot):
    """Qt calls a dock tabbed behind another visible: the Statistics view behind the conv1
    filters (Look's first layout) must cost nothing, and catch up when its tab is raised."""
    window = make_window(start=False)
    window.state.select_workspace("look")
    posted = []
    window.worker.post = lambda job: posted.append(job) or True
    window.filters_dock.raise_()
    qtbot.waitUntil(lambda: not window.stats_panel._active)
    window.post_frame(np.zeros((48, 64, 3), np.uint8))
    assert posted[-1].view.statistics is False
    window.stats_dock.raise_()
    qtbot.waitUntil(lambda: window.stats_panel._active)
    window.post_frame(np.zeros((48, 64, 3), np.uint8))
    assert posted[-1].view.statistics is True
    window.filters_dock.raise_()
    qtbot.waitUntil(lambda: not window.stats_panel._active)


def test_raising_the_statistics_tab_over_a_still_picture_redraws_it_with_them(make_window, qtbot, picture, shared_engine):
    """A picture shown while the Statistics view was behind its tab has no histogram: raising
    the tab redraws it with every layer's statistics and the histogram, and runs no forward."""
    factory = RecordingFactory(shared_engine)
    window = make_window(factory=factory)
    window.state.select_workspace("look")
    window.filters_dock.raise_()
    qtbot.waitUntil(lambda: not window.stats_panel._active)
    shown = wait_for_frame(qtbot, window, window.open_path(picture))
    assert shown.histograms == {}
    engine = factory.made[0]
    forwards = len(engine.processed)
    window.stats_dock.raise_()
    qtbot.waitUntil(lambda: window.layer in window.current_result.histograms, timeout=30000)
    assert len(engine.processed) == forwards and len(engine.redrawn) == 1
    assert window.stats_panel.histogram_title.text() == f"{window.layer} histogram"


def test_bench_interact_times_view_changes_with_no_forward(make_window, qtbot, picture):
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.bench.interact import format_report, measure_changes

    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    report = measure_changes(QApplication.instance(), window, changes=6)
    assert report["forwards_during_changes"] == 0
    assert report["change_kinds"] == {"layer": 3, "channel": 2, "order": 1}
    assert 0 <= report["switch_median_ms"] <= report["switch_p95_ms"] <= report["switch_max_ms"]
    text = format_report({**report, "device": "cpu", "torch": "x", "threads": 2, "weights": "random, seed 0",
                          "bare_forward_ms": 10.0, "switch_ratio": report["switch_p95_ms"] / 10.0})
    assert "switch ratio" in text and "target <= 0.3" in text
