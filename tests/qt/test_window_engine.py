"""The worker's engine: closed when weights change, pipelined on an accelerator, and a device
fault falls back to the CPU with the picture kept. Stand-ins say they run on "cuda"; the
work underneath is the session's CPU engine."""

from __future__ import annotations

import threading

import torch

from alexnet_viewer.core.model.device_faults import describe_device_fault
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from tests.qt.conftest import EngineWrapper, RecordingFactory, WorkerReturns, wait_for_frame, write_picture


class Accelerator(EngineWrapper):
    """Claims a GPU; records when frames are prepared and when they run."""

    def __init__(self, engine, events):
        super().__init__(engine)
        self.events = events
        self.run_may_finish = threading.Event()
        self.run_may_finish.set()

    @property
    def device(self):
        return "cuda"

    def prepare(self, image, timings=False):
        self.events.append(("prepare", image.shape))
        return super().prepare(image, timings)

    def run(self, prepared, request, frame_id=0):
        self.events.append(("run", prepared.image.shape))
        self.run_may_finish.wait(30)
        self.events.append(("ran", prepared.image.shape))
        return super().run(prepared, request, frame_id=frame_id)


class OutOfMemoryOnce(Accelerator):
    def __init__(self, engine, events, error=None):
        super().__init__(engine, events)
        self.error = error or torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    def run(self, prepared, request, frame_id=0):
        if self.error is not None:
            error, self.error = self.error, None
            self.raised = error
            raise error
        return super().run(prepared, request, frame_id=frame_id)


def test_the_old_engine_is_closed_when_weights_change(make_window, qtbot, picture, shared_engine):
    factory = RecordingFactory(shared_engine)
    window = make_window(factory=factory)
    returns = WorkerReturns(window)
    wait_for_frame(qtbot, window, window.open_path(picture))
    for seed in (1, 2):
        with qtbot.waitSignal(window.worker.weights_ready, timeout=30000):
            window.request_weights(WeightsSpec.random(seed))
    first, second, third = factory.made
    # The window took the last weights (and posted its picture again, to run on them) ...
    qtbot.waitUntil(lambda: window.state.weights == WeightsSpec.random(2) and first.closed and second.closed,
                    timeout=10000)
    # ... and every frame taken has come back: each lane has let its engine go, so no close
    # can still be on its way.
    returns.wait_until_settled(qtbot)
    assert (first.closed, second.closed, third.closed) == (1, 1, 0)


def test_an_engine_still_running_a_frame_is_closed_after_it(make_window, qtbot, picture, shared_engine):
    events = []
    factory = RecordingFactory(shared_engine, wrap=lambda engine: Accelerator(engine, events))
    window = make_window(factory=factory)
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    busy = factory.made[0]
    busy.run_may_finish.clear()
    window.open_path(picture)
    qtbot.waitUntil(lambda: ("run", (48, 64, 3)) in events, timeout=30000)
    with qtbot.waitSignal(window.worker.weights_ready, timeout=30000):
        window.request_weights(WeightsSpec.random(1))
    assert busy.closed == 0  # its frame is still running
    busy.run_may_finish.set()
    qtbot.waitUntil(lambda: busy.closed == 1, timeout=5000)


def test_on_an_accelerator_the_next_frame_is_prepared_while_one_runs(make_window, qtbot, tmp_path, shared_engine):
    events = []
    factory = RecordingFactory(shared_engine, wrap=lambda engine: Accelerator(engine, events))
    window = make_window(factory=factory)
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    assert window.worker.pipelined
    engine = factory.made[0]
    engine.run_may_finish.clear()
    first = write_picture(tmp_path / "first.png", size=(40, 30))
    second = write_picture(tmp_path / "second.png", size=(50, 20))
    window.open_path(first)
    qtbot.waitUntil(lambda: ("run", (30, 40, 3)) in events, timeout=30000)
    frame = window.open_path(second)
    # The second picture is decoded and uploaded while the first is still on the GPU.
    qtbot.waitUntil(lambda: ("prepare", (20, 50, 3)) in events, timeout=30000)
    assert ("ran", (30, 40, 3)) not in events
    engine.run_may_finish.set()
    wait_for_frame(qtbot, window, frame)
    assert window.current_result.image.shape == (20, 50, 3)
    assert events.index(("prepare", (20, 50, 3))) < events.index(("ran", (30, 40, 3)))


def test_a_device_fault_falls_back_to_the_cpu_keeps_the_picture_and_offers_the_way_back(
        make_window, qtbot, picture, shared_engine):
    events, devices, made = [], [], []
    lost = RuntimeError("CUDA error: an illegal memory access was encountered")

    def factory(spec, device, progress, should_cancel):
        devices.append(device)
        if device == "cpu":
            engine = EngineWrapper(shared_engine)
        else:
            engine = OutOfMemoryOnce(shared_engine, events, lost) if not made else Accelerator(shared_engine, events)
        made.append(engine)
        return engine

    window = make_window(factory=factory)
    # The window's own state, not the worker's: has_engine turns true in the worker thread
    # before weights_ready reaches the window and names the device.
    qtbot.waitUntil(lambda: window.status_line.device_label.text() == "device: cuda", timeout=30000)
    frame = window.open_path(picture)
    wait_for_frame(qtbot, window, frame + 1)  # the window ran its picture again, on the CPU
    faulty, cpu = made
    assert window.messages.isVisible()
    assert window.messages.text == describe_device_fault(faulty.raised, "cuda")
    assert "failed" in window.messages.text
    assert devices == [None, "cpu"]
    assert window.status_line.device_label.text() == "device: cpu"
    assert window.current_job.source.path == picture.absolute()
    assert window.current_result.device == shared_engine.device == "cpu"
    assert cpu.processed and faulty.closed == 1
    # Later weights stay on the CPU.
    with qtbot.waitSignal(window.worker.weights_ready, timeout=30000):
        window.request_weights(WeightsSpec.random(3))
    assert devices[-1] == "cpu"
    # The status bar offers the way back: the weights in use load on the GPU again.
    assert window.weights.back_to_gpu_button.isVisible()
    with qtbot.waitSignal(window.worker.weights_ready, timeout=30000):
        window.weights.back_to_gpu_button.click()
    assert devices[-1] is None and window.weights.device_request is None
    qtbot.waitUntil(lambda: window.status_line.device_label.text() == "device: cuda", timeout=30000)
    assert not window.weights.back_to_gpu_button.isVisible()
    frame = window.open_path(write_picture(picture.parent / "again.png", size=(30, 20)))
    wait_for_frame(qtbot, window, frame)
    assert ("ran", (20, 30, 3)) in events  # on the GPU stand-in


def test_out_of_memory_is_that_frames_error_and_the_next_picture_runs_on_the_gpu(
        make_window, qtbot, tmp_path, shared_engine):
    from alexnet_viewer.core.model.device_faults import describe_frame_out_of_memory

    events, devices, made = [], [], []

    def factory(spec, device, progress, should_cancel):
        devices.append(device)
        made.append(OutOfMemoryOnce(shared_engine, events))
        return made[-1]

    window = make_window(factory=factory)
    qtbot.waitUntil(lambda: window.status_line.device_label.text() == "device: cuda", timeout=30000)
    with qtbot.waitSignal(window.worker.picture_failed, timeout=30000) as failed:
        window.open_path(write_picture(tmp_path / "huge.png", size=(64, 48)))
    assert failed.args[1] == describe_frame_out_of_memory("cuda")
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=10000)
    frame = window.open_path(write_picture(tmp_path / "next.png", size=(40, 30)))
    wait_for_frame(qtbot, window, frame)
    assert devices == [None] and len(made) == 1 and made[0].closed == 0  # no fallback, no reload
    assert window.current_result.image.shape == (30, 40, 3)
    assert ("ran", (30, 40, 3)) in events and window.status_line.device_label.text() == "device: cuda"
    assert window.weights.back_to_gpu_button is None  # never left the GPU: no way back offered


def test_a_load_replaced_by_a_newer_request_is_closed_when_it_finishes(make_window, qtbot, shared_engine):
    gate = threading.Event()

    def hold_the_first(spec, progress, should_cancel):
        if spec.seed == 1:
            gate.wait(30)

    factory = RecordingFactory(shared_engine, before=hold_the_first)
    window = make_window(factory=factory, weights=WeightsSpec.random(1))
    qtbot.waitUntil(lambda: len(factory.specs) == 1, timeout=30000)
    with qtbot.waitSignal(window.worker.weights_ready, timeout=30000) as ready:
        window.request_weights(WeightsSpec.random(2))  # while the first still loads
    assert ready.args[0].spec == WeightsSpec.random(2)
    gate.set()
    qtbot.waitUntil(lambda: len(factory.made) == 2 and factory.made[1].closed == 1, timeout=10000)
    assert window.weights.in_use == WeightsSpec.random(2) and factory.made[0].closed == 0
