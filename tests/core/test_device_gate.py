"""The process-wide device gate: serial on MPS (or when forced), free elsewhere; CUDA pipelines."""

import threading

import pytest

from alexnet_viewer.core.model import device_gate
from alexnet_viewer.core.model.device_gate import device_work, held_here, pipelined, serial


@pytest.fixture(autouse=True)
def unforced(monkeypatch):
    monkeypatch.delenv(device_gate.SERIAL_ENV, raising=False)
    yield
    device_gate.force_serial(None)


def test_only_mps_is_serial_and_only_cuda_pipelines(monkeypatch):
    assert serial("mps") and serial("mps:0") and not serial("cpu") and not serial("cuda:1")
    assert pipelined("cuda") and pipelined("cuda:1") and not pipelined("mps") and not pipelined("cpu")
    monkeypatch.setenv(device_gate.SERIAL_ENV, "1")
    assert serial("cpu") and not pipelined("cuda")
    device_gate.force_serial(False)
    assert not serial("mps")


def test_serial_work_never_overlaps_and_may_nest():
    device_gate.force_serial(True)
    inside, most, errors = [0], [0], []
    lock = threading.Lock()

    def work():
        try:
            for _ in range(200):
                with device_work("cpu"):
                    with device_work("cpu"):  # reentrant: work inside the gate calls more of it
                        assert held_here()
                        with lock:
                            inside[0] += 1
                            most[0] = max(most[0], inside[0])
                        with lock:
                            inside[0] -= 1
                assert not held_here()
        except AssertionError as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and most == [1]


def test_work_on_a_free_device_takes_no_lock():
    with device_work("cpu"):
        assert not held_here()
