"""How a lane serves frames: decode and edit the picture, prepare it on the engine's device,
run it, and report the result or what went wrong (part of EngineWorker).

On the CPU one lane does all of a frame (``_serve_frame``); on an accelerator one lane
prepares the newest job while another runs the one before (``_serve_prepare`` and
``_serve_run``, with one prepared frame between them in the handoff).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.qt.worker import log_file
from alexnet_viewer.qt.worker.jobs import Job, frame_request

log = logging.getLogger(__name__)

POLL_S = 0.02  # how long a lane waits for a frame before it looks at its orders again


class FrameServing:
    """Uses the worker's mailbox, _handoff, _slot, _pictures, planner, plan, _stopping,
    _fault_lock, _spec and its signals; ``_device_failed`` asks it for CPU weights."""

    def _take_job(self):
        """The newest job and the engine in use now (held until released), or (None, None).

        The engine is picked after the job, so a job posted for new weights runs on them.
        Without an engine (a device fault is being handled) the job is dropped: the window
        posts its picture again once the CPU engine is ready.
        """
        job = self.mailbox.take(timeout=POLL_S)
        if job is None or self._stopping.is_set():
            return None, None
        engine = self._slot.acquire()
        return (job, engine) if engine is not None else (None, None)

    def _serve_frame(self) -> None:
        """CPU: take the newest job and do all of it."""
        job, engine = self._take_job()
        if engine is not None and not self._redrawn(job, engine):
            self._run_whole(job, engine)

    def _redrawn(self, job: Job, engine) -> bool:
        """Serve a view-only change from the Result on screen (no decoding, no forward);
        False when ``job`` needs a forward. Releases ``engine`` when it served the job."""
        shown, rerender = job.redraw, getattr(engine, "rerender", None)
        if shown is None or rerender is None or shown.kept is None:
            return False
        if shown.weights != engine.weights or shown.device != engine.device:
            return False  # new weights since: the picture runs again
        try:
            result = replace(rerender(shown, frame_request(job.view)), frame_id=job.frame_id)
        except Exception:  # noqa: BLE001 - a forward does it instead
            log.exception("redrawing frame %d failed", job.frame_id)
            return False
        self._slot.release(engine)
        if not self._stopping.is_set():
            self.result_ready.emit(result, replace(job, redraw=None))
        return True

    def _run_whole(self, job: Job, engine) -> None:
        """Decode, prepare and run ``job`` on ``engine`` (held; released here)."""
        try:
            plan, started = self.plan, time.perf_counter()
            picture = self._picture(job)
            if picture is None:
                return
            original, array = picture
            try:
                result = engine.run(engine.prepare(array), frame_request(job.view), frame_id=job.frame_id)
            except Exception as error:  # noqa: BLE001 - becomes a message
                self._frame_failed(engine, job, error)
                return
            self.planner.ran(plan, (time.perf_counter() - started) * 1000)
        finally:
            self._slot.release(engine)
        self._emit_result(result, job, original)

    def _serve_prepare(self) -> None:
        """Accelerator: while the other lane runs a frame, prepare the newest job."""
        if not self._handoff.wait_free(POLL_S):
            return
        job, engine = self._take_job()
        if engine is None or self._redrawn(job, engine):
            return
        if not self.pipelined:
            # The engine moved to the CPU (a device fault) while this lane waited for a job:
            # no run lane is left to take a prepared frame, so this lane does all of it.
            self._run_whole(job, engine)
            return
        try:
            picture = self._picture(job)
            if picture is None:
                return
            original, array = picture
            try:
                prepared = engine.prepare(array)
            except Exception as error:  # noqa: BLE001
                self._frame_failed(engine, job, error)
                return
            self._handoff.put((job, original, array, engine, prepared))
        finally:
            self._slot.release(engine)

    def _serve_run(self) -> None:
        item = self._handoff.take(POLL_S)
        if item is None:
            return
        job, original, array, prepared_by, prepared = item
        engine = self._slot.acquire()
        if engine is None:
            return  # the engine failed; the window runs its picture again once the CPU has it
        try:
            if engine is not prepared_by:  # new weights meanwhile
                prepared = engine.prepare(array)
            result = engine.run(prepared, frame_request(job.view), frame_id=job.frame_id)
        except Exception as error:  # noqa: BLE001
            self._frame_failed(engine, job, error)
            return
        finally:
            self._slot.release(engine)
        self._emit_result(result, job, original)

    def _picture(self, job: Job):
        """(decoded, edited) arrays for ``job``, or None after saying why not."""
        try:
            original = self._pictures.decoded(job.source, job.edits.crop)
            return original, self._pictures.edited(job.source.token, original, job.edits)
        except ViewerError as error:
            if job.source.frame is not None:
                log.debug("dropped an unreadable live frame: %s", error)  # the next one will do
                return None
            self._job_failed(job, str(error))
        except Exception:  # noqa: BLE001
            log.exception("decoding %s failed", job.source.label)
            self._job_failed(job, log_file.picture_error())
        return None

    def _frame_failed(self, engine, job: Job, error: Exception) -> None:
        from alexnet_viewer.core.model import device_faults as faults  # torch: not at import

        if faults.is_out_of_memory(error) and str(engine.device) != "cpu":
            # This frame's error only: the engine stays, and the next picture runs on the GPU.
            log.warning("frame %d ran out of memory on %s: %s", job.frame_id, engine.device, error)
            faults.free_cached_memory(engine.device)
            self._job_failed(job, faults.describe_frame_out_of_memory(engine.device))
        elif faults.is_device_fault(error) and str(engine.device) != "cpu":
            self._device_failed(engine, error, faults.describe_device_fault(error, str(engine.device)))
        elif isinstance(error, ViewerError):
            self._job_failed(job, str(error))
        else:
            log.error("processing frame %d failed", job.frame_id, exc_info=error)
            self._job_failed(job, log_file.frame_error())

    def _device_failed(self, engine, error: Exception, message: str) -> None:
        with self._fault_lock:
            if self._slot.engine is not engine:
                return  # another lane saw the same fault first
            self._slot.replace(None)  # frames wait for the CPU engine; this one is closed when free
            self._fallback_device = "cpu"
        log.warning("device fault on %s: %s", engine.device, error)
        self.device_fault.emit(message)
        self.request_weights(self._spec, "cpu", fallback=True)

    def _emit_result(self, result, job: Job, original) -> None:
        with self._count_lock:
            self.frames_processed += 1
        if not self._stopping.is_set():
            self.result_ready.emit(result, replace(job, source_shape=tuple(original.shape[:2])))

    def _job_failed(self, job: Job, message: str) -> None:
        if not self._stopping.is_set():
            self.picture_failed.emit(job, message)
