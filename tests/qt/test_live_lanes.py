"""The lane planner: one frame at a time on every core while that keeps up, else one per core."""

from __future__ import annotations

import pytest

from alexnet_viewer.qt.worker.lanes import LanePlan, LanePlanner


def planner_at(fps: float, cores: int = 2) -> LanePlanner:
    planner = LanePlanner(cores=cores)
    for k in range(31):  # one second of arrivals
        planner.arrived(k / fps, k)
    return planner


@pytest.mark.parametrize("cores,multi", [(1, LanePlan(1, 1)), (2, LanePlan(2, 1)), (4, LanePlan(4, 1)),
                                         (8, LanePlan(4, 2)), (6, LanePlan(4, 1))])
def test_plans_spread_the_cores(cores, multi):
    planner = LanePlanner(cores=cores)
    assert planner.single == LanePlan(1, cores)
    assert planner.multi == multi


def test_pictures_one_by_one_run_on_every_core():
    planner = LanePlanner(cores=2)
    assert planner.plan() == LanePlan(1, 2)
    planner.ran(planner.single, 200.0)  # slow, but nothing is arriving: latency is all that counts
    assert planner.plan() == LanePlan(1, 2)


def test_a_source_that_one_lane_keeps_up_with_gets_one_lane():
    planner = planner_at(30)
    assert planner.arrival_fps() == pytest.approx(30)
    planner.ran(planner.single, 20.0)  # 20 ms per frame, a frame every 33 ms
    assert planner.plan() == LanePlan(1, 2)


def test_a_faster_source_gets_a_frame_per_core():
    planner = planner_at(60)
    planner.ran(planner.single, 25.0)  # 40 fps on one lane < 60 fps arriving
    assert planner.plan() == LanePlan(2, 1)


def test_more_lanes_only_if_they_finish_more_frames():
    planner = planner_at(60)
    planner.ran(planner.single, 25.0)
    planner.ran(planner.multi, 60.0)  # two lanes at 60 ms: 33 fps, less than one lane's 40
    assert planner.plan() == LanePlan(1, 2)
    planner = planner_at(60)
    planner.ran(planner.single, 25.0)
    planner.ran(planner.multi, 40.0)  # 50 fps
    assert planner.plan() == LanePlan(2, 1)


def test_one_core_has_one_plan():
    planner = planner_at(60, cores=1)
    planner.ran(planner.single, 100.0)
    assert planner.plan() == LanePlan(1, 1)


@pytest.mark.parametrize("fps,plan", [(40, LanePlan(2, 1)), (17, LanePlan(1, 2))])
def test_timings_are_smoothed_not_replaced(fps, plan):
    # One lane keeps up while a frame takes at most 85% of the interval: 21 ms at 40 fps
    # (the averaged figure is above the first 20 ms), 50 ms at 17 fps (well under the hiccup).
    planner = planner_at(fps)
    planner.ran(planner.single, 20.0)
    planner.ran(planner.single, 120.0)  # one hiccup
    assert planner.plan() == plan


def test_a_stale_timing_is_measured_again():
    clock = [0.0]
    planner = LanePlanner(cores=2, clock=lambda: clock[0])
    for k in range(31):
        planner.arrived(k / 60, k)
    planner.ran(planner.single, 25.0)  # measured under load: too slow for 60 fps
    planner.ran(planner.multi, 40.0)
    assert planner.plan() == LanePlan(2, 1)
    clock[0] = 11.0  # the single-lane figure is old: try one lane again
    assert planner.plan() == LanePlan(1, 2)
    planner.ran(planner.single, 12.0)  # the load went away: a fresh figure, not averaged in
    assert planner.plan() == LanePlan(1, 2)  # averaged in (22.4 ms), it would be too slow for 60 fps


def test_without_openmp_the_planner_keeps_one_lane():
    planner = planner_at(fps=60.0, cores=4)
    planner.ran(planner.single, 100.0)  # one lane cannot keep up: more would be chosen
    assert planner.plan() == planner.multi != planner.single
    planner.one_lane_only()
    assert planner.plan() == planner.single and planner.multi == planner.single
