"""The thread that owns the engine: loads weights and runs frames in lanes beside it.

The GUI never waits for it. Pictures go through a newest-wins LatestMailbox, so a
picture posted while another waits replaces it; weights requests go through their own
one-slot box because they must never be dropped. Everything the worker has to say comes
back as queued signals; every exception becomes a one-line message.

The QThread itself only supervises: it loads weights (in a thread of its own, see
loading.py), picks how many frames run at once (lanes.py) and never blocks, so closing
the window waits for it about a second at most. Frames run in lane threads: on the CPU
each lane decodes, edits and runs a frame; on an accelerator one lane prepares the next
frame (decode, edits, upload) while another runs the current one. A device fault (CUDA
out of memory, a lost device) mid-frame is reported, and the same weights are reloaded on
the CPU; the window then runs its picture again.
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QThread, Signal

from alexnet_viewer.core.frame.mailbox import LatestMailbox, MailboxClosed
from alexnet_viewer.core.model.device_gate import pipelined
from alexnet_viewer.core.frame.torch_threads import per_thread_counts, set_thread_count
from alexnet_viewer.qt.worker.engine_slot import EngineSlot, close_engine
from alexnet_viewer.qt.worker.jobs import (
    Job,
    LoadedWeights,
    PictureCache,
    PictureSource,
    ViewRequest,
    WeightsFailure,
)
from alexnet_viewer.qt.worker.lanes import LanePlan, LanePlanner, usable_cores, yield_to_the_gui
from alexnet_viewer.qt.worker.loading import EngineFactory, WeightsLoad, default_engine_factory
from alexnet_viewer.qt.worker.serving import POLL_S, FrameServing

__all__ = ["EngineWorker", "Job", "LoadedWeights", "PictureSource", "ViewRequest", "WeightsFailure",
           "default_engine_factory", "usable_cores"]

log = logging.getLogger(__name__)

SUPERVISE_S = 0.1  # how often the supervisor looks at the arrival rate when nothing else happens
STOP_TIMEOUT_MS = 1000
PROGRESS_INTERVAL_S = 0.05
_ORPHANS: list = []  # workers whose thread outlived stop(): never destroyed while running


class EngineWorker(FrameServing, QThread):
    weights_loading = Signal(object)  # the WeightsSpec being loaded
    weights_ready = Signal(object)  # LoadedWeights
    weights_failed = Signal(object)  # WeightsFailure
    download_progress = Signal(object, object)  # done bytes, total bytes or None
    result_ready = Signal(object, object)  # Result, Job
    picture_failed = Signal(object, str)  # Job, message
    device_fault = Signal(str)  # the accelerator failed mid-frame; the CPU takes over

    def __init__(self, engine_factory: EngineFactory | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("EngineWorker")
        self.engine_factory = engine_factory or default_engine_factory
        self.mailbox: LatestMailbox[Job] = LatestMailbox()
        self._handoff: LatestMailbox = LatestMailbox()  # one prepared frame between two lanes
        self._requests_lock = threading.Lock()
        self._weights_requests: LatestMailbox[tuple] = LatestMailbox()  # newest (spec, device, fallback)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._load: WeightsLoad | None = None
        self._superseded: list[WeightsLoad] = []  # replaced by a newer request; closed if they finish
        self._last_progress = 0.0
        self._slot = EngineSlot()
        self._spec = None  # what the engine in use was loaded from
        self._fallback_device: str | None = None  # "cpu" after a device fault
        self._fault_lock = threading.Lock()
        self._pictures = PictureCache()
        self.planner = LanePlanner()
        self.plan: LanePlan = self.planner.single
        self.pipelined = False  # accelerator: one lane prepares while another runs
        self._orders = threading.Condition()  # lanes wait here while they have nothing to do
        self._lanes: list[threading.Thread] = []
        self._count_lock = threading.Lock()
        self.frames_processed = 0

    # GUI thread side
    def request_weights(self, spec, device: str | None = None, *, fallback: bool = False) -> None:
        with self._requests_lock:
            self._weights_requests.put((spec, device, fallback))
            load = self._load
        if load is not None:
            load.cancel.set()  # superseded: its result is dropped
        self._wake.set()

    def forget_fallback(self) -> None:
        """After a device fault the engine stays on the CPU until this: the next weights
        request goes to the device it names again (the status bar's way back)."""
        with self._fault_lock:
            self._fallback_device = None

    def post(self, job: Job) -> bool:
        """Queue a frame; returns True if it replaced one still waiting."""
        return self.mailbox.put(job)

    def cancel_download(self) -> None:
        load = self._load
        if load is not None:
            load.cancel.set()

    def stop(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Stop everything, waiting at most ``timeout_ms``; False if something was left running.

        A frame or a load still running then ends on its own; nothing of it reaches the window.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        self._stopping.set()
        self.cancel_download()
        self.mailbox.close()
        self._handoff.close()
        self._wake.set()
        with self._orders:
            self._orders.notify_all()
        for lane in self._lanes:
            lane.join(max(0.0, deadline - time.monotonic()))
        finished = not self.isRunning() or self.wait(max(0, round((deadline - time.monotonic()) * 1000)))
        stuck = [lane.name for lane in self._lanes if lane.is_alive()]
        if not finished or stuck:
            log.warning("engine worker still busy %d ms after stop (%s)", timeout_ms,
                        ", ".join(stuck + ([] if finished else ["supervisor"])))
            if not finished:
                _ORPHANS.append(self)
                self.finished.connect(lambda: _ORPHANS.remove(self) if self in _ORPHANS else None)
        return finished and not stuck

    @property
    def has_engine(self) -> bool:
        return self._slot.engine is not None

    @property
    def loaded_model(self):
        """The core ``LoadedModel`` the engine runs, for read-only looks (the architecture
        table, About); None without weights or for a test stand-in engine."""
        return getattr(self._slot.engine, "loaded", None)

    # Supervisor (this QThread)
    def run(self) -> None:
        yield_to_the_gui()
        next_plan = 0.0
        while not self._stopping.is_set():
            with self._requests_lock:
                request = self._weights_requests.take(0)
            if request is not None:
                self._begin_load(*request)
            if self._load is not None:
                self._poll_load()
            if self._superseded:
                self._drop_superseded()
            now = time.monotonic()
            if now >= next_plan:
                next_plan = now + SUPERVISE_S
                self._replan()
            self._wake.wait(POLL_S if self._load is not None else SUPERVISE_S)
            self._wake.clear()

    def _begin_load(self, spec, device, fallback: bool) -> None:
        if self._load is not None:
            self._superseded.append(self._load)
        device = self._fallback_device or device
        self.weights_loading.emit(spec)
        self._load = WeightsLoad(self.engine_factory, spec, device, fallback).start()
        self._last_progress = 0.0

    def _poll_load(self) -> None:
        load = self._load
        progress = load.take_progress()
        now = time.monotonic()
        if progress is not None:
            done, total = progress
            if now - self._last_progress >= PROGRESS_INTERVAL_S or (total and done >= total):
                self._last_progress = now
                self.download_progress.emit(done, total)
        if not load.done.is_set():
            return
        self._load = None
        if load.failure is not None:
            self.weights_failed.emit(load.failure)
            return
        engine = load.engine
        device = str(engine.device)
        self._spec = load.spec
        self.pipelined = pipelined(device)  # CUDA only: on MPS one thread talks to the device
        if not per_thread_counts():
            self.planner.one_lane_only()
        self._slot.replace(engine)  # the old engine is closed once its last frame is done
        self._start_lanes()
        with self._orders:
            self._orders.notify_all()
        self.weights_ready.emit(LoadedWeights(load.spec, engine.weights, device, load.fallback))

    def _drop_superseded(self) -> None:
        """Engines that finished loading after a newer request replaced them are closed."""
        for load in [load for load in self._superseded if load.done.is_set()]:
            self._superseded.remove(load)
            if load.engine is not None and load.engine is not self._slot.engine:
                close_engine(load.engine)

    def _start_lanes(self) -> None:
        if self._lanes:
            return
        count = max(2, self.planner.multi.lanes)  # two for the accelerator's pipeline
        self._lanes = [threading.Thread(target=self._lane, args=(k,), name=f"EngineLane{k}", daemon=True)
                       for k in range(count)]
        for lane in self._lanes:
            lane.start()

    def _replan(self) -> None:
        self.planner.arrived(time.perf_counter(), self.mailbox.counts().posted)
        plan = self.planner.plan()
        if plan != self.plan:
            self.plan = plan
            with self._orders:
                self._orders.notify_all()

    # Lanes
    def _role(self, index: int) -> str | None:
        if self.pipelined:
            return {0: "prepare", 1: "run"}.get(index)
        return "frame" if index < self.plan.lanes else None

    def _lane(self, index: int) -> None:
        yield_to_the_gui()
        threads = None
        try:
            while not self._stopping.is_set():
                role = self._role(index)
                if role is None or self._slot.engine is None:
                    with self._orders:
                        self._orders.wait(SUPERVISE_S)
                    continue
                if role == "frame" and threads != self.plan.threads:
                    threads = self.plan.threads
                    set_thread_count(threads)  # this thread's own count, where torch has one
                try:
                    {"frame": self._serve_frame, "prepare": self._serve_prepare, "run": self._serve_run}[role]()
                except MailboxClosed:
                    raise
                except Exception:  # noqa: BLE001 - a lane must outlive any one frame
                    log.exception("an engine lane failed; it carries on")
        except MailboxClosed:
            pass
