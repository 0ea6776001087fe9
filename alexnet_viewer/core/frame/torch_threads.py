"""Whether each thread may run torch on its own number of threads.

``torch.set_num_threads`` sets the calling thread's count only where ATen's parallel backend
is OpenMP (the count is an OpenMP per-thread setting); with the native thread pool or TBB it
resizes one pool shared by the whole process, so two lanes (or a lane and the Explain
worker) asking for different counts would keep undoing each other. Without OpenMP the
engine keeps the one-lane plan (one frame at a time on every core) and nobody sets counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def backend(info: str) -> str | None:
    """The backend named by ``torch.__config__.parallel_info()``'s text, e.g. "OpenMP"."""
    for line in info.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() == "ATen parallel backend":
            return value.strip()
    return None


@lru_cache(maxsize=1)
def per_thread_counts() -> bool:
    """True where ``torch.set_num_threads`` sets only the calling thread's count."""
    import torch  # not at import: the window imports this before torch has loaded

    return backend(torch.__config__.parallel_info()) == "OpenMP"


def set_thread_count(threads: int) -> bool:
    """This thread's torch thread count, where that is per thread; False (nothing set) elsewhere."""
    if not per_thread_counts():
        return False
    import torch

    torch.set_num_threads(max(1, int(threads)))
    return True


@contextmanager
def one_thread_on_cpu(device) -> Iterator[None]:
    """This thread's torch work on one thread within the block, on the CPU where counts are
    per thread. For the many small ops after a forward: split over cores, each waits for the
    slowest core, which on a busy machine is a scheduler time slice. Row-wise reductions are
    computed row by row either way, so the values do not change."""
    if getattr(device, "type", device) != "cpu" or not per_thread_counts():
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
