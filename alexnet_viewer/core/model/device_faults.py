"""Telling a failing accelerator from a failing frame, and saying so in one sentence.

A device fault (CUDA or MPS out of memory, a CUDA error such as a lost device or an illegal
memory access, a cuDNN / cuBLAS failure) says nothing about the picture: the caller should
rebuild the engine on the CPU (``Engine(load_model(spec, device="cpu"))``) and run the same
picture again. Anything else is the frame's own failure.
"""

from __future__ import annotations

import sys

# Phrases torch puts in the RuntimeErrors of a failing device (CUDA's "CUDA error: ..." covers
# lost devices, illegal accesses and launch failures; MPS words its own out-of-memory).
_FAULT_PHRASES = (
    "cuda error",
    "cuda out of memory",
    "cudnn_status",
    "cublas_status",
    "mps backend out of memory",
    "device-side assert",
    "device lost",
)
_OUT_OF_MEMORY_PHRASES = ("out of memory", "alloc_failed")


def _accelerator_errors() -> tuple[type[BaseException], ...]:
    # Read from an already imported torch: the window imports this module before torch has
    # loaded (in the worker thread), and an error raised before then cannot be torch's.
    torch = sys.modules.get("torch")
    names = ("OutOfMemoryError", "AcceleratorError")
    return tuple(error for error in (getattr(torch, name, None) for name in names) if error is not None)


def is_device_fault(error: BaseException) -> bool:
    """True when ``error`` comes from the accelerator rather than from the input."""
    text = str(error).lower()
    if "cpuallocator" in text:  # the host's memory ran out: the CPU would fail as well
        return False
    if isinstance(error, _accelerator_errors()):
        return True
    return isinstance(error, RuntimeError) and any(phrase in text for phrase in _FAULT_PHRASES)


def is_out_of_memory(error: BaseException) -> bool:
    """A device fault that is the accelerator's memory running out (a frame too big for
    what is free now), rather than a failing device."""
    if not is_device_fault(error):
        return False
    oom_error = getattr(sys.modules.get("torch"), "OutOfMemoryError", None)
    text = str(error).lower()
    return (oom_error is not None and isinstance(error, oom_error)) or any(p in text for p in _OUT_OF_MEMORY_PHRASES)


def describe_frame_out_of_memory(device: object) -> str:
    """One sentence for a frame that did not fit: the frame's own error, the device stays."""
    return (f"The GPU ({device}) ran out of memory on this picture; it was not shown, and the next "
            "picture runs on the GPU again.")


def free_cached_memory(device: object) -> None:
    """Hand the device's cached blocks back after an out-of-memory error (torch already loaded)."""
    torch = sys.modules.get("torch")
    kind = str(device).split(":", 1)[0]
    backend = getattr(torch, kind, None) if torch is not None and kind in ("cuda", "mps") else None
    try:
        if backend is not None:
            backend.empty_cache()
    except Exception:  # noqa: BLE001 - only a tidy-up
        pass


def describe_device_fault(error: BaseException, device: object) -> str:
    """One sentence for the user: what happened on ``device`` and that work moves to the CPU."""
    oom_error = getattr(sys.modules.get("torch"), "OutOfMemoryError", None)
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")
    text = first_line.lower()
    if (oom_error is not None and isinstance(error, oom_error)) or any(p in text for p in _OUT_OF_MEMORY_PHRASES):
        return f"The GPU ({device}) ran out of memory, so AlexNet Viewer is switching to the CPU."
    if len(first_line) > 160:
        first_line = first_line[:157] + "..."
    return f"The GPU ({device}) failed ({first_line}), so AlexNet Viewer is switching to the CPU."
