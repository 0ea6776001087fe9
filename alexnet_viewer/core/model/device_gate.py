"""One thread at a time on a device that needs it: the process-wide device gate.

Metal aborts the whole process, with no Python exception, when two Python threads run MPS
work at once (pytorch/pytorch#197805). So on MPS every piece of device work of the process
(the engine's prepare and run, an explanation, a step of the atlas, visualise, sanity or
evaluate tasks, loading weights and the tracing forward that builds an engine or an
explainer) runs inside ``device_work(device)``, which holds one process-wide lock; on the CPU
and CUDA it costs nothing and work runs side by side (CUDA pipelines frames: pipelined()).

Serial mode can be forced for any device (``force_serial(True)`` or the environment
variable ALEXNET_VIEWER_SERIAL_DEVICE=1), so tests prove on the CPU that nothing touches the
device outside the gate. The lock is reentrant: work inside the gate may call more of it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

SERIAL_ENV = "ALEXNET_VIEWER_SERIAL_DEVICE"
SERIAL_TYPES = ("mps",)  # devices whose work must never overlap across threads

_lock = threading.RLock()
_owner: int | None = None
_depth = 0
_forced: bool | None = None


def force_serial(on: bool | None) -> None:
    """True: every device serial; False: none; None: by device type and the environment."""
    global _forced
    _forced = on


def device_type(device: object) -> str:
    return str(getattr(device, "type", None) or device).split(":", 1)[0]


def serial(device: object) -> bool:
    """Whether work on ``device`` goes through the gate."""
    if _forced is not None:
        return _forced
    if os.environ.get(SERIAL_ENV, "").strip() not in ("", "0"):
        return True
    return device_type(device) in SERIAL_TYPES


def pipelined(device: object) -> bool:
    """Whether frames may overlap (one prepared while another runs): CUDA, not in serial mode."""
    return device_type(device) == "cuda" and not serial(device)


@contextmanager
def device_work(device: object) -> Iterator[None]:
    """Run the block as device work: alone in the process where ``device`` is serial."""
    global _owner, _depth
    if not serial(device):
        yield
        return
    with _lock:
        _owner, _depth = threading.get_ident(), _depth + 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0:
                _owner = None


def held_here() -> bool:
    """True inside ``device_work`` of a serial device on this thread (tests check with it)."""
    return _owner == threading.get_ident()


def gated(method: Callable) -> Callable:
    """A method of an object with a ``device`` attribute, run as device work."""

    @wraps(method)
    def run(self, *args, **kwargs):
        with device_work(self.device):
            return method(self, *args, **kwargs)

    return run
