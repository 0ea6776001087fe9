"""Device faults (told apart from bad frames, described in one sentence) and devices that
are not there (one sentence, no traceback). Runs without a GPU."""

import pytest
import torch

from alexnet_viewer.core.model import loader as model_module
from alexnet_viewer.core.model.device_faults import describe_device_fault, is_device_fault
from alexnet_viewer.core.frame.engine import Engine
from alexnet_viewer.core.errors import DeviceError
from alexnet_viewer.core.model.loader import WeightsSpec, choose_device, load_model
from alexnet_viewer.cli.dispatch import main

FAULTS = [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 79.19 GiB total)"),
    torch.AcceleratorError("CUDA error: an illegal memory access was encountered"),
    RuntimeError("CUDA error: unspecified launch failure\nCUDA kernel errors might be asynchronously reported"),
    RuntimeError("cuDNN error: CUDNN_STATUS_EXECUTION_FAILED"),
    RuntimeError("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"),
    RuntimeError("MPS backend out of memory (MPS allocated: 17.00 GB, other allocations: 1.2 GB)"),
]
NOT_FAULTS = [
    ValueError("expected an (H, W, 3) uint8 RGB array, got float32 (3, 3)"),
    RuntimeError("shape '[1, 3]' is invalid for input of size 5"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory"),
    KeyError("conv9"),
]


@pytest.mark.parametrize("error", FAULTS, ids=lambda e: str(e)[:30])
def test_device_faults_are_recognised_and_told_in_one_sentence(error):
    assert is_device_fault(error)
    message = describe_device_fault(error, "cuda:0")
    assert "\n" not in message and message.endswith("switching to the CPU.")
    assert "cuda:0" in message and message.count(". ") == 0
    if "out of memory" in str(error).lower() or "ALLOC_FAILED" in str(error):
        assert "ran out of memory" in message


@pytest.mark.parametrize("error", NOT_FAULTS, ids=lambda e: str(e)[:30])
def test_other_failures_are_not_device_faults(error):
    assert not is_device_fault(error)


def test_a_simulated_oom_is_told_as_a_device_fault_and_a_rebuilt_cpu_engine_gives_the_same_top5(engine, frame, monkeypatch):
    expected = [p.index for p in engine.process(frame).top5]
    failing = Engine(load_model(WeightsSpec.random(seed=0), device="cpu"))

    def out_of_memory(batch):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 MiB")

    monkeypatch.setattr(failing._capture, "run", out_of_memory)
    with pytest.raises(torch.OutOfMemoryError) as caught:
        failing.process(frame)
    assert is_device_fault(caught.value)
    failing.close()
    rebuilt = Engine(load_model(WeightsSpec.random(seed=0), device="cpu"))
    assert [p.index for p in rebuilt.process(frame).top5] == expected
    rebuilt.close()


def test_missing_cuda_is_one_sentence_with_the_reason(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for name in ("cuda", "cuda:1"):
        with pytest.raises(DeviceError) as caught:
            choose_device(name)
        message = str(caught.value)
        assert message.startswith(f"Device '{name}' is not available here; available: cpu")
        assert ("no CUDA GPU" in message or "built without CUDA" in message) and "\n" not in message


def test_a_cuda_index_past_the_last_gpu_names_what_exists(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(DeviceError, match=r"'cuda:7' is not available here.*has 1 CUDA device, cuda:0\)"):
        choose_device("cuda:7")


def test_missing_mps_says_why(monkeypatch):
    monkeypatch.setattr(model_module, "_mps_available", lambda: False)
    with pytest.raises(DeviceError, match=r"'mps' is not available here; available: .*MPS"):
        choose_device("mps")


def test_commands_refuse_a_missing_device_with_one_line(capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["bench", "--frames", "1", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Device 'cuda' is not available here" in err and "Traceback" not in err
