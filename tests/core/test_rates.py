import pytest

from alexnet_viewer.core.frame.rates import LiveStats, RateMeter


def test_rate_over_the_window():
    meter = RateMeter(window_s=2.0)
    for i in range(31):
        meter.tick(now=10 + i / 30)  # 30 fps for one second
    assert meter.rate(now=11.0) == pytest.approx(30.0)
    assert meter.total == 31


def test_rate_forgets_old_events_and_falls_to_zero():
    meter = RateMeter(window_s=1.0)
    for i in range(10):
        meter.tick(now=i * 0.1)          # 10 fps
    for i in range(5):
        meter.tick(now=5 + i * 0.5)      # then 2 fps
    assert meter.rate(now=7.0) == pytest.approx(2.0)
    assert meter.rate(now=100.0) == 0.0
    assert meter.total == 15


def test_single_event_has_no_rate():
    meter = RateMeter()
    assert meter.rate(now=0) == 0.0
    meter.tick(now=0)
    assert meter.rate(now=0) == 0.0


def test_bad_window():
    with pytest.raises(ValueError):
        RateMeter(window_s=0)


def test_live_stats_snapshot():
    clock = [0.0]
    stats = LiveStats(window_s=2.0, clock=lambda: clock[0])
    for i in range(61):                  # a 30 fps camera for 2 s
        clock[0] = i / 30
        stats.frame_arrived()
        if i % 3 == 0:                   # the engine keeps up with every third
            stats.frame_processed()
    stats.set_dropped(40)                # the mailbox's count of frames replaced unseen
    snap = stats.snapshot()
    assert (snap.arrived, snap.processed, snap.dropped) == (61, 21, 40)
    assert snap.arrival_fps == pytest.approx(30.0)
    assert snap.processed_fps == pytest.approx(10.0)
    assert snap.describe() == "10.0 fps (source 30.0 fps, 40 dropped)"
    stats.set_dropped(7)
    assert stats.snapshot().dropped == 7
    stats.reset()
    assert stats.snapshot().arrived == 0
