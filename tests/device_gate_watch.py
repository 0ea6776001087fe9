"""Device work watched on the CPU with the device gate's serial mode forced, as on MPS
(core/model/device_gate.py; issue 16, item 1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from alexnet_viewer.core.model import device_gate


def watch_convolutions(monkeypatch) -> dict:
    """Every Conv2d forward of the process from now on: how many ran (``count``), how many at
    once at most (``most``), which threads ran them and those that ran outside the gate."""
    seen = {"inside": 0, "most": 0, "count": 0, "threads": set(), "outside": []}
    lock = threading.Lock()
    real = torch.nn.Conv2d._conv_forward

    def watched(self, *args, **kwargs):
        with lock:
            seen["inside"] += 1
            seen["count"] += 1
            seen["most"] = max(seen["most"], seen["inside"])
            seen["threads"].add(threading.current_thread().name)
            if not device_gate.held_here():
                seen["outside"].append(threading.current_thread().name)
        try:
            return real(self, *args, **kwargs)
        finally:
            with lock:
                seen["inside"] -= 1

    monkeypatch.setattr(torch.nn.Conv2d, "_conv_forward", watched)
    return seen


@contextmanager
def serial_device() -> Iterator[None]:
    """Every device serial, as MPS is, within the block."""
    device_gate.force_serial(True)
    try:
        yield
    finally:
        device_gate.force_serial(None)
