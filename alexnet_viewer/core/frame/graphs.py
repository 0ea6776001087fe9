"""CUDA graphs of the fixed frame path: one recorded launch instead of ~100 per frame.

On a GPU, AlexNet's forward takes well under a millisecond and the frame's ~100 small
kernels (hooks' copies, reductions, mosaics, top-5, the packing ``cat``) would each cost a
launch from Python. Where nothing varies from frame to frame (no ablations, no per-stage
timings, the same focus layers, channel order and statistics as the frame before), the
engine's device work is recorded once into a CUDA graph reading from static input buffers
and writing one static packed output, and each later frame is: copy the batch and crop in,
replay, copy the packed output to a new host buffer. Anything else runs eagerly, as does
the first frame of a new request shape (a shape seen only once is not worth recording).
Should recording ever fail (a driver, an op that cannot be captured), the frame and every
later one run eagerly: frames are never lost to the graphs.

Graphs are kept per request shape, the least recently used dropped beyond ``MAX_GRAPHS``
(each holds its own memory pool). Replay, and the host copy that must finish before the
next replay overwrites the output, run under one lock; preparing the next frame on
another thread is not held up by it.

The recording step is a parameter: ``cuda_capture`` on a GPU (warm-up on a side stream,
then ``torch.cuda.graph`` in thread-local capture mode, so other threads' work goes on);
tests on the CPU pass a stand-in that replays by running the recorded body again into the
same output tensors, which checks every part of this module but the driver's recording.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import torch

log = logging.getLogger(__name__)

MAX_GRAPHS = 6
WARMUP_RUNS = 2

# body() -> (static outputs, python metadata); capture(body) -> (replay, outputs, metadata)
Body = Callable[[], tuple[torch.Tensor, Any]]
Capture = Callable[[Body], tuple[Callable[[], None], torch.Tensor, Any]]


def cuda_capture(body: Body) -> tuple[Callable[[], None], torch.Tensor, Any]:
    """Record ``body``'s kernels into a CUDA graph (after warm-up runs on a side stream, as
    torch's documentation asks, so lazy initialisation happens outside the recording)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(WARMUP_RUNS):
            body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, capture_error_mode="thread_local"):
        output, meta = body()
    return graph.replay, output, meta


class _Recorded:
    def __init__(self, inputs: tuple[torch.Tensor, ...], replay: Callable[[], None], output: torch.Tensor, meta: Any):
        self.inputs, self.replay, self.output, self.meta = inputs, replay, output, meta


class FrameGraphs:
    """Recorded frame bodies by request shape; ``run`` says None when a frame must run eagerly."""

    def __init__(self, capture: Capture = cuda_capture, max_graphs: int = MAX_GRAPHS) -> None:
        self._capture = capture
        self._max = max_graphs
        self._graphs: OrderedDict[Hashable, _Recorded] = OrderedDict()
        self._last_key: Hashable | None = None
        self._lock = threading.Lock()
        self.failed: str | None = None  # why recording failed: every frame then runs eagerly
        self.recorded = 0  # graphs recorded so far (tests and benches read it)
        self.replayed = 0

    def run(
        self, key: Hashable, inputs: tuple[torch.Tensor, ...], body: Callable[..., tuple[torch.Tensor, Any]],
        copy_out: Callable[[torch.Tensor], Any],
    ) -> tuple[Any, Any] | None:
        """``(copy_out(output), meta)`` of ``body(*static inputs)`` with ``inputs`` copied into
        the static inputs, replayed from a graph; None for a shape not yet seen twice in a row
        (the caller runs the frame eagerly)."""
        with self._lock:
            seen_before, self._last_key = self._last_key == key, key
            recorded = self._graphs.get(key)
            if recorded is None:
                if not seen_before or self.failed is not None:
                    return None
                try:
                    recorded = self._record(key, inputs, body)
                except Exception as error:  # noqa: BLE001 - a driver or an op that cannot be recorded
                    self.failed = f"{type(error).__name__}: {error}"
                    log.warning("CUDA graphs are off for this engine: recording failed (%s)", self.failed)
                    return None
            self._graphs.move_to_end(key)
            for static, value in zip(recorded.inputs, inputs):
                static.copy_(value)
            recorded.replay()
            self.replayed += 1
            return copy_out(recorded.output), recorded.meta

    def clear(self) -> None:
        with self._lock:
            self._graphs.clear()
            self._last_key = None

    def _record(self, key: Hashable, inputs: tuple[torch.Tensor, ...], body) -> _Recorded:
        statics = tuple(torch.empty_like(value) for value in inputs)
        for static, value in zip(statics, inputs):
            static.copy_(value)  # warm-up and recording read real pixels
        replay, output, meta = self._capture(lambda: body(*statics))
        recorded = self._graphs[key] = _Recorded(statics, replay, output, meta)
        self.recorded += 1
        while len(self._graphs) > self._max:
            self._graphs.popitem(last=False)
        return recorded
