"""The thread that explains frames, beside the engine and never in its way.

Jobs go through a one-slot, newest-wins ``LatestMailbox``: while an explanation runs, the
frames drawn meanwhile replace one another and only the newest waits, so a slow machine
explains fewer frames instead of falling behind. The thread runs at a lower priority than
the engine's lanes and on at most half of the cores, so the forward display keeps its pace.

It owns an ``Explainer`` for the weights of the job it is given (built the first time a job
of new weights comes; the explainer shares the engine's weight storage). Everything it has
to say comes back as signals, queued to the GUI thread.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from alexnet_viewer.core.frame.mailbox import LatestMailbox, MailboxClosed
from alexnet_viewer.qt.explain.jobs import ExplainJob, explain_job
from alexnet_viewer.qt.worker.lanes import usable_cores, yield_to_the_gui

log = logging.getLogger(__name__)

EXPLAIN_NICENESS = 10  # nicer than the engine's lanes (5), which are nicer than the GUI
PROGRESS_EVERY_S = 0.1
STOP_TIMEOUT_S = 1.0


def default_explainer(loaded):
    from alexnet_viewer.core.explain import Explainer

    return Explainer(loaded)


class ExplainWorker(QObject):
    finished = Signal(object)  # Explanation
    failed = Signal(object, str)  # ExplainJob, one sentence
    cancelled = Signal(object)  # ExplainJob given up (occlusion: cancelled or superseded)
    progress = Signal(object, int, int)  # ExplainJob, done, total

    def __init__(self, explainer_factory=default_explainer, parent=None) -> None:
        super().__init__(parent)
        self.explainer_factory = explainer_factory
        self.mailbox: LatestMailbox[ExplainJob] = LatestMailbox()
        self.generation = 0  # the controller's current one; older occlusions give up
        self.frames_explained: list[int] = []  # frame ids, in the order they were taken (tests, bench)
        self._cancel_serial = 0  # jobs up to this serial are cancelled
        self._thread: threading.Thread | None = None
        self._loaded = None
        self._explainer = None
        self._running: ExplainJob | None = None

    # GUI thread side
    def post(self, job: ExplainJob) -> bool:
        """Explain ``job`` when the thread is free; True if it replaced one still waiting."""
        if self.mailbox.closed:
            return False
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ExplainWorker", daemon=True)
            self._thread.start()
        return self.mailbox.put(job)

    def cancel(self) -> None:
        """Give up the explanation running now (an occlusion stops at its next batch)."""
        running = self._running
        if running is not None:
            self._cancel_serial = max(self._cancel_serial, running.serial)

    def forget_weights(self) -> None:
        """New weights: the next job builds its explainer afresh (the old one frees its share)."""
        self._loaded = self._explainer = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def stop(self) -> None:
        self.mailbox.close()
        self.cancel()
        self.generation += 1
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)

    # The thread
    def _run(self) -> None:
        from alexnet_viewer.core.frame.torch_threads import set_thread_count  # torch: not at import

        yield_to_the_gui(EXPLAIN_NICENESS)
        set_thread_count(usable_cores() // 2)  # this thread's own count, where torch has one
        while True:
            try:
                job = self.mailbox.take()
            except MailboxClosed:
                return
            self._running = job
            try:
                self._explain(job)
            finally:
                self._running = None

    def _explain(self, job: ExplainJob) -> None:
        from alexnet_viewer.core.errors import ViewerError
        from alexnet_viewer.core.explain import ExplainCancelled
        from alexnet_viewer.core.model.device_gate import device_work

        self.frames_explained.append(job.frame_id)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            import time

            now = time.monotonic()
            if done >= total or now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                self.progress.emit(job, done, total)

        def cancelled() -> bool:
            return job.serial <= self._cancel_serial or job.generation != self.generation or self.mailbox.closed

        try:
            with device_work(job.loaded.device):  # alone on MPS (core/model/device_gate.py)
                explanation = explain_job(self._explainer_for(job.loaded), job, progress, cancelled)
        except ExplainCancelled:
            self.cancelled.emit(job)
        except (ValueError, ViewerError) as error:
            self.failed.emit(job, str(error))
        except Exception:
            log.exception("explaining frame %s failed", job.frame_id)
            self.failed.emit(job, "The explanation failed; the log has the details.")
        else:
            self.finished.emit(explanation)

    def _explainer_for(self, loaded):
        explainer = self._explainer
        if explainer is None or self._loaded is not loaded:
            explainer = self.explainer_factory(loaded)
            self._loaded, self._explainer = loaded, explainer
        return explainer
