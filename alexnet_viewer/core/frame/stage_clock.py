"""Per-stage times of one frame, only when they are asked for.

On the CPU a stage ends at a ``perf_counter`` reading. On CUDA and MPS work is queued, so a
host clock would time the queueing; there each stage end is a timing event recorded on the
device's stream, and the times are read after the frame's single wait for its results.
Nothing here synchronizes the device. A disabled clock records nothing.
"""

from __future__ import annotations

from time import perf_counter

import torch


class StageClock:
    def __init__(self, device: torch.device, enabled: bool) -> None:
        self._device = device
        self._marks: list[tuple[str, object]] = []
        self.enabled = enabled
        if enabled:
            self._marks.append(("start", self._now()))

    def lap(self, stage: str) -> None:
        """The stage that began at the previous mark ends now."""
        if self.enabled:
            self._marks.append((stage, self._now()))

    def read(self) -> dict[str, float]:
        """Milliseconds per stage; call once the device has finished the frame's work."""
        if not self.enabled:
            return {}
        stamps = [stamp for _, stamp in self._marks]
        if self._device.type == "cpu":
            spans = [(end - start) * 1000 for start, end in zip(stamps, stamps[1:])]
        else:
            stamps[-1].synchronize()
            spans = [start.elapsed_time(end) for start, end in zip(stamps, stamps[1:])]
        return {stage: span for (stage, _), span in zip(self._marks[1:], spans)}

    def _now(self):
        if self._device.type == "cpu":
            return perf_counter()
        if self._device.type == "cuda":
            event = torch.cuda.Event(enable_timing=True)
            event.record(torch.cuda.current_stream(self._device))
            return event
        event = torch.mps.event.Event(enable_timing=True)
        event.record()
        return event
