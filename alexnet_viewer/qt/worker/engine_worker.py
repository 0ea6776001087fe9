"""The thread that owns the engine: loads weights, decodes pictures, runs frames.

The GUI never waits for it. Pictures go through a newest-wins LatestMailbox, so a
picture posted while another waits replaces it; weights requests go through their
own one-slot box because they must never be dropped. Everything the worker has to
say comes back as queued signals; every exception becomes a one-line message.

torch and the core engine are imported here, in the worker thread, so the window
paints before they are loaded.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QThread, Signal

from alexnet_viewer.core.edits import Edits, apply_edits
from alexnet_viewer.core.errors import DeviceError, ViewerError, WeightsUnavailableError
from alexnet_viewer.core.mailbox import LatestMailbox, MailboxClosed

log = logging.getLogger(__name__)

GENERIC_FRAME_ERROR = "Something went wrong while running the network on this picture; see the log for details."
GENERIC_PICTURE_ERROR = "This picture could not be opened; see the log for details."
GENERIC_WEIGHTS_ERROR = "The weights could not be loaded; see the log for details."
POLL_S = 0.02
MAX_FRAMES_IN_FLIGHT = 4  # more would add memory and lag, not throughput
WORKER_NICENESS = 5

# engine_factory(spec: WeightsSpec, device: str | None, progress, should_cancel) -> Engine
EngineFactory = Callable[[Any, "str | None", Callable, Callable[[], bool]], Any]


@dataclass(frozen=True)
class PictureSource:
    """Where a picture comes from; exactly one of path / data / array is set.

    ``token`` names the picture: jobs with the token the worker decoded last reuse
    that decoded array instead of decoding again.
    """

    token: int
    label: str
    path: Path | None = None
    data: bytes | None = None
    array: np.ndarray | None = None

    @property
    def kind(self) -> str:
        return "path" if self.path is not None else "data" if self.data is not None else "array"


@dataclass(frozen=True)
class ViewRequest:
    layer: str = "conv1"
    channel_order: str = "index"


@dataclass(frozen=True)
class Job:
    frame_id: int
    source: PictureSource
    view: ViewRequest
    edits: Edits = Edits()  # applied by the worker before the engine sees the picture
    # Filled in by the worker on the Job it sends back: the decoded picture's (H, W)
    # before the edits, which the crop tool needs to map a box back onto it.
    source_shape: tuple[int, int] | None = None


@dataclass(frozen=True)
class WeightsFailure:
    message: str
    reason: str  # "unavailable" (offline), "cancelled", "device", "error"


def default_engine_factory(spec, device, progress, should_cancel):
    from alexnet_viewer.core import model as model_module
    from alexnet_viewer.core.engine import Engine

    loaded = model_module.load_model(spec, device=device, progress=progress, should_cancel=should_cancel)
    return Engine(loaded)


def to_weights_spec(choice):
    """A WeightsChoice (GUI side) or WeightsSpec (CLI side) as a core WeightsSpec."""
    from alexnet_viewer.core.weights_spec import WeightsSpec

    if choice is None:
        return WeightsSpec.pretrained()
    if isinstance(choice, WeightsSpec):
        return choice
    if choice.kind == "file":
        return WeightsSpec.from_file(choice.path)
    if choice.kind == "random":
        return WeightsSpec.random(seed=choice.seed)
    return WeightsSpec.pretrained()


def decode_picture(source: PictureSource) -> np.ndarray:
    from alexnet_viewer.core import images

    if source.array is not None:
        return np.ascontiguousarray(source.array, dtype=np.uint8)
    if source.path is not None:
        image = images.load_image(source.path)
    else:
        image = images.load_image_bytes(source.data, name=source.label)
    return images.image_to_array(image)


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def yield_to_the_gui() -> None:
    """Make the calling thread nicer than the GUI thread, where the OS allows it.

    The engine keeps every core busy; when the GUI thread wakes to paint it should get a
    core at once rather than wait its turn (Linux: threads are tasks with their own nice
    value; QThread priorities do nothing under the default scheduler).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except OSError:
        log.debug("could not lower the engine threads' priority", exc_info=True)


def _is_cancelled(error: BaseException) -> bool:
    return type(error).__name__ == "DownloadCancelled"


class EngineWorker(QThread):
    weights_loading = Signal(object)  # the choice being loaded
    weights_ready = Signal(object, str)  # WeightsInfo, device
    weights_failed = Signal(object)  # WeightsFailure
    download_progress = Signal(object, object)  # done bytes, total bytes or None
    result_ready = Signal(object, object)  # Result, Job
    picture_failed = Signal(object, str)  # Job, message
    error = Signal(str)  # every failure, as a sentence

    def __init__(self, engine_factory: EngineFactory | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("EngineWorker")
        self.engine_factory = engine_factory or default_engine_factory
        self.mailbox: LatestMailbox[Job] = LatestMailbox()
        self._weights_lock = threading.Lock()
        self._weights_request: tuple[Any, str | None] | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._cancel_download = threading.Event()
        self._engine = None
        self._decoded: tuple[int, np.ndarray] | None = None
        self._edited: tuple[int, Edits, np.ndarray] | None = None
        self._lanes: list[threading.Thread] = []  # extra frame threads beside this one
        self._count_lock = threading.Lock()
        self.engine_threads: int | None = None  # torch threads each frame runs with
        self.frames_processed = 0

    # GUI thread side
    def request_weights(self, choice, device: str | None = None) -> None:
        with self._weights_lock:
            self._weights_request = (choice, device)
        self._cancel_download.clear()
        self._wake.set()

    def post(self, job: Job) -> bool:
        """Queue a frame; returns True if it replaced one still waiting."""
        return self.mailbox.put(job)

    def cancel_download(self) -> None:
        self._cancel_download.set()

    def stop(self, timeout_ms: int = 15000) -> bool:
        self._stopping.set()
        self._cancel_download.set()
        self.mailbox.close()
        self._wake.set()
        for lane in self._lanes:
            lane.join(timeout_ms / 1000)
        if not self.isRunning():
            return True
        finished = self.wait(timeout_ms)
        if not finished:
            log.warning("engine worker did not stop within %d ms", timeout_ms)
        return finished

    @property
    def has_engine(self) -> bool:
        return self._engine is not None

    # Worker thread side
    def run(self) -> None:
        yield_to_the_gui()
        try:
            while not self._stopping.is_set():
                request = self._take_weights_request()
                if request is not None:
                    self._load_weights(*request)
                    continue
                if not self._run_next_job():
                    break
        finally:
            self._engine = None
            self._decoded = self._edited = None

    def _run_next_job(self) -> bool:
        """Run the newest waiting frame, if any; False once the mailbox is closed."""
        if self._engine is None:
            self._wake.wait(POLL_S)
            self._wake.clear()
            return True
        try:
            job = self.mailbox.take(timeout=POLL_S)
        except MailboxClosed:
            return False
        if job is not None and not self._stopping.is_set():
            self._run_job(job)
        return True

    def _lane(self) -> None:
        import torch

        yield_to_the_gui()
        torch.set_num_threads(self.engine_threads)
        while not self._stopping.is_set() and self._run_next_job():
            pass

    def _take_weights_request(self):
        with self._weights_lock:
            request, self._weights_request = self._weights_request, None
        return request

    def _load_weights(self, choice, device: str | None) -> None:
        self.weights_loading.emit(choice)
        last_report = [0.0]

        def progress(done, total=None):
            now = time.monotonic()
            # Throttled: a download calls back per chunk, the dialog needs a few per second.
            if now - last_report[0] >= 0.05 or (total and done >= total):
                last_report[0] = now
                self.download_progress.emit(done, total)

        def should_cancel() -> bool:
            return self._cancel_download.is_set() or self._stopping.is_set()

        try:
            spec = to_weights_spec(choice)
            engine = self.engine_factory(spec, device, progress, should_cancel)
        except WeightsUnavailableError as error:
            self._weights_failed(str(error), "unavailable")
            return
        except DeviceError as error:
            self._weights_failed(str(error), "device")
            return
        except ViewerError as error:
            self._weights_failed(str(error), "cancelled" if _is_cancelled(error) else "error")
            return
        except Exception as error:  # noqa: BLE001 - any failure must reach the user as a sentence
            if _is_cancelled(error):
                self._weights_failed("The download of the pretrained weights was cancelled.", "cancelled")
                return
            log.exception("loading weights failed")
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            if isinstance(error, (ValueError, RuntimeError, OSError)) and message:
                # e.g. an unknown --device: the reason is short and useful.
                self._weights_failed(f"The weights could not be loaded: {message}", "error")
            else:
                self._weights_failed(GENERIC_WEIGHTS_ERROR, "error")
            return
        self._engine = engine
        self._start_lanes(str(engine.device))
        self.weights_ready.emit(engine.weights, str(engine.device))

    def _start_lanes(self, device: str) -> None:
        # On the CPU several frames at once, each on few torch threads, beat one frame
        # spread over every core: a pass over all cores waits for its slowest thread, and
        # the GUI thread painting results preempts one of them every frame. Measured on 2
        # cores: 2 frames x 1 thread ran at 0.85x a bare 2-thread forward loop, 1 frame x
        # 2 threads from a worker thread at 0.59x. Counts are per calling thread, but torch
        # hands the last one set to threads started later, so the cores come from the OS.
        import torch

        cores = usable_cores()
        frames = min(cores, MAX_FRAMES_IN_FLIGHT)
        if device != "cpu" or frames < 2 or self._lanes:
            self.engine_threads = torch.get_num_threads()
            return
        self.engine_threads = max(1, cores // frames)
        torch.set_num_threads(self.engine_threads)
        self._lanes = [threading.Thread(target=self._lane, name=f"EngineLane{k}", daemon=True) for k in range(1, frames)]
        for lane in self._lanes:
            lane.start()

    def _weights_failed(self, message: str, reason: str) -> None:
        self.weights_failed.emit(WeightsFailure(message, reason))
        self.error.emit(message)

    def _run_job(self, job: Job) -> None:
        try:
            original = self._decoded_array(job.source)
            array = self._edited_array(job.source.token, original, job.edits)
        except ViewerError as error:
            self._job_failed(job, str(error))
            return
        except Exception:  # noqa: BLE001
            log.exception("decoding %s failed", job.source.label)
            self._job_failed(job, GENERIC_PICTURE_ERROR)
            return
        try:
            from alexnet_viewer.core.engine import FrameRequest

            request = FrameRequest(focus_layers=(job.view.layer,), channel_order=job.view.channel_order)
            result = self._engine.process(array, request, frame_id=job.frame_id)
        except ViewerError as error:
            self._job_failed(job, str(error))
            return
        except Exception:  # noqa: BLE001
            log.exception("processing frame %d failed", job.frame_id)
            self._job_failed(job, GENERIC_FRAME_ERROR)
            return
        with self._count_lock:
            self.frames_processed += 1
        self.result_ready.emit(result, replace(job, source_shape=tuple(original.shape[:2])))

    def _decoded_array(self, source: PictureSource) -> np.ndarray:
        if self._decoded is not None and self._decoded[0] == source.token:
            return self._decoded[1]
        array = decode_picture(source)
        self._decoded = (source.token, array)
        return array

    def _edited_array(self, token: int, original: np.ndarray, edits: Edits) -> np.ndarray:
        # A layer change re-runs the same picture with the same edits: edit it once.
        if edits.is_identity:
            return original
        cached = self._edited
        if cached is not None and cached[0] == token and cached[1] == edits:
            return cached[2]
        array = apply_edits(original, edits)
        self._edited = (token, edits, array)
        return array

    def _job_failed(self, job: Job, message: str) -> None:
        self.picture_failed.emit(job, message)
        self.error.emit(message)
