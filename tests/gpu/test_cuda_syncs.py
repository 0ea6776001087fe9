"""No hidden host syncs on CUDA, and prepare/run safe from two threads (issue 16, item 3).

The sync test needs CUDA (skipped without it). The two-thread test runs on CUDA where there
is one and otherwise on the CPU with the accelerator code paths forced (float resize, packed
transfer), so the CPU dry run of tools/gpu_check.sh runs it too; either way each threaded
result is compared with a single-threaded CPU engine's.
"""

import threading

import pytest
import torch

from alexnet_viewer.core.frame import engine as engine_module
from alexnet_viewer.core.frame.engine import Engine, FrameRequest
from alexnet_viewer.core.model.loader import WeightsSpec, load_model

from .compare import assert_crops_close, assert_top5_agree, no_host_syncs, sample_pictures, syncs_allowed

SPEC = WeightsSpec.random(seed=0)
ABLATED = (("relu2", (0, 5)), ("conv5", (3, 7)))
CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def cpu_engine():
    return Engine(load_model(SPEC, device="cpu"))


@pytest.fixture(scope="module")
def accelerator_engine(cpu_engine):
    if CUDA:
        return Engine(load_model(SPEC, device="cuda"))
    return Engine(cpu_engine.loaded, float_resize=True, packed_transfer=True)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_frames_never_sync_the_host_before_the_final_transfer(accelerator_engine, monkeypatch):
    """Everything of a frame (upload, preprocess, ablation, forward, stats, mosaics) is queued
    without a host sync; only the one transfer of the results at the end waits."""
    monkeypatch.setattr(engine_module, "to_host", syncs_allowed(engine_module.to_host))
    (_, picture), = sample_pictures(limit=1)
    for ablations in ((), ABLATED, ABLATED):  # the spec's indices are made once, then cached
        request = FrameRequest(focus_layers=("conv1", "conv5"), channel_order="mean", ablations=ablations)
        with no_host_syncs():
            result = accelerator_engine.run(accelerator_engine.prepare(picture), request)
        assert len(result.top5) == 5


def test_prepare_and_run_from_two_threads_agree_with_the_cpu(cpu_engine, accelerator_engine):
    # Fewer on the CPU: the dry run of tools/gpu_check.sh gives tests/gpu two minutes in all.
    pictures = [picture for _, picture in sample_pictures(limit=4 if CUDA else 2)]
    rounds = 3 if CUDA else 2
    requests = [FrameRequest(focus_layers=("conv2",)), FrameRequest(focus_layers=("conv5",), ablations=ABLATED)]
    expected = {(p, r): cpu_engine.process(pictures[p], requests[r]) for p in range(len(pictures)) for r in range(2)}
    got, errors = {}, []

    def lane(requests_index: int) -> None:
        try:
            for round_ in range(rounds):
                for p, picture in enumerate(pictures):
                    prepared = accelerator_engine.prepare(picture)
                    got[(p, requests_index, round_)] = accelerator_engine.run(prepared, requests[requests_index])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=lane, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(got) == 2 * rounds * len(pictures)
    for (p, r, _), result in got.items():
        assert_crops_close(expected[(p, r)], result)
        assert_top5_agree(expected[(p, r)], result)
