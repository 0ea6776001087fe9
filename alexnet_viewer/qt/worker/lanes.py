"""How many frames the engine runs at once, and on how many torch threads each.

On the CPU there are two ways to spend the cores: one frame at a time on every core
(lowest latency: a frame is done soonest), or one frame per core on one thread each
(highest throughput: a frame takes longer, but more of them finish per second). A frame
nobody sees is wasted work, so the planner takes the first whenever it keeps up with the
source, and the second only when frames arrive faster than one lane can take them and
more lanes would really finish more of them. Both timings are measured as frames run;
nothing is guessed. On an accelerator one lane prepares the next frame while another
runs the current one (the planner's ``pipeline``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from alexnet_viewer.core.frame.torch_threads import usable_cores

log = logging.getLogger(__name__)

MAX_FRAMES_IN_FLIGHT = 4  # more would add memory and lag, not throughput
WORKER_NICENESS = 5
KEEP_UP_SHARE = 0.85  # one lane keeps up when a frame takes at most this share of the arrival interval
RATE_WINDOW_S = 1.5  # arrivals are counted over this long
MIN_LIVE_FPS = 2.0  # below this, frames are pictures opened one by one: latency is all that counts
SMOOTHING = 0.2  # weight of the newest timing in the running averages
STALE_S = 10.0  # a plan's timing older than this is measured again (the machine's load changes)


def yield_to_the_gui(niceness: int = WORKER_NICENESS) -> None:
    """Make the calling thread nicer than the GUI thread, where the OS allows it (the Explain
    worker passes a larger ``niceness``: it yields to the engine's lanes too).

    The engine keeps every core busy; when the GUI thread wakes to paint it should get a
    core at once rather than wait its turn (Linux: threads are tasks with their own nice
    value, inherited by the torch threads they start; QThread priorities do nothing under
    the default scheduler).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        log.debug("could not lower the engine threads' priority", exc_info=True)


@dataclass(frozen=True)
class LanePlan:
    lanes: int  # frames in flight at once
    threads: int  # torch threads each of them runs on

    def describe(self) -> str:
        return f"{self.lanes} frame{'s' if self.lanes != 1 else ''} at once x {self.threads} thread" + (
            "s" if self.threads != 1 else "")


class LanePlanner:
    """Chooses the CPU plan from the arrival rate and the measured time per frame.

    ``arrived(now, posted)`` gets the mailbox's running count of posted frames;
    ``ran(plan, ms)`` the time one frame took under ``plan``. ``plan()`` is the choice; when
    the other plan's timing is stale, the choice tries that plan again for a frame.
    Thread-safe: every lane reports to the same planner.
    """

    def __init__(self, cores: int | None = None, max_lanes: int = MAX_FRAMES_IN_FLIGHT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cores = cores or usable_cores()
        self.single = LanePlan(1, self.cores)
        wide = max(1, min(self.cores, max_lanes))
        self.multi = LanePlan(wide, max(1, self.cores // wide))
        self._clock = clock
        self._lock = threading.Lock()
        self._arrivals: deque[tuple[float, int]] = deque()
        self._ms: dict[LanePlan, float] = {}
        self._measured_at: dict[LanePlan, float] = {}

    def one_lane_only(self) -> None:
        """Keep the one-lane plan (torch threads cannot be set per thread here)."""
        with self._lock:
            self.multi = self.single

    def arrived(self, now: float, posted: int) -> None:
        with self._lock:
            self._arrivals.append((now, posted))
            while len(self._arrivals) > 2 and now - self._arrivals[0][0] > RATE_WINDOW_S:
                self._arrivals.popleft()

    def ran(self, plan: LanePlan, ms: float) -> None:
        with self._lock:
            now = self._clock()
            previous = self._ms.get(plan) if not self._stale(plan, now) else None
            self._ms[plan] = ms if previous is None else previous + SMOOTHING * (ms - previous)
            self._measured_at[plan] = now

    def _stale(self, plan: LanePlan, now: float) -> bool:
        return now - self._measured_at.get(plan, now) > STALE_S

    def arrival_fps(self) -> float:
        with self._lock:
            return self._arrival_fps()

    def _arrival_fps(self) -> float:
        if len(self._arrivals) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._arrivals[0], self._arrivals[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def plan(self) -> LanePlan:
        with self._lock:
            return self._choose()

    def _choose(self) -> LanePlan:
        if self.multi.lanes == 1:
            return self.single
        fps = self._arrival_fps()
        single_ms = self._ms.get(self.single)
        if fps < MIN_LIVE_FPS or single_ms is None:
            return self.single  # pictures one by one, or nothing measured yet
        interval_ms = 1000.0 / fps
        if single_ms <= KEEP_UP_SHARE * interval_ms:
            return self.single  # one frame at a time keeps up: each is shown soonest
        now = self._clock()
        multi_ms = self._ms.get(self.multi)
        if multi_ms is not None and self.multi.lanes / multi_ms <= 1.0 / single_ms:
            # More lanes finish no more frames here (try them again once that is old news).
            return self.multi if self._stale(self.multi, now) else self.single
        return self.single if self._stale(self.single, now) else self.multi
