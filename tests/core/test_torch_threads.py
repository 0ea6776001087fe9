"""Per-thread torch thread counts only where the parallel backend (OpenMP) honours them."""

import torch

from alexnet_viewer.core.frame import torch_threads

NATIVE = "ATen/Parallel:\n\tat::get_num_threads() : 4\nATen parallel backend: native thread pool\n"
OPENMP = "ATen/Parallel:\n\tat::get_num_threads() : 4\nOpenMP 201511\nATen parallel backend: OpenMP\n"


def test_the_backend_is_read_from_parallel_info():
    assert torch_threads.backend(OPENMP) == "OpenMP"
    assert torch_threads.backend(NATIVE) == "native thread pool"
    assert torch_threads.backend("nothing useful") is None
    assert torch_threads.backend(torch.__config__.parallel_info()) is not None  # this torch's own text parses


def test_counts_are_set_only_where_they_are_per_thread(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    for info, honoured in ((NATIVE, False), (OPENMP, True)):
        torch_threads.per_thread_counts.cache_clear()
        monkeypatch.setattr(torch.__config__, "parallel_info", lambda info=info: info)
        assert torch_threads.per_thread_counts() is honoured
        assert torch_threads.set_thread_count(3) is honoured
    torch_threads.per_thread_counts.cache_clear()
    assert calls == [3]
