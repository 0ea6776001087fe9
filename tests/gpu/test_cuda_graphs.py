"""CUDA graphs of the frame path (core/frame/graphs.py) recorded for real (skipped without CUDA).

Replayed frames give the eager engine's results on the same device, every Result keeps its
own values while later replays overwrite the graph's output, and a replayed frame queues
everything without a host sync until its one copy back. tests/core/test_engine_graphs.py
checks the rest of the module on the CPU.
"""

import numpy as np
import pytest
import torch

if not torch.cuda.is_available():
    pytest.skip("needs a CUDA GPU", allow_module_level=True)

from alexnet_viewer.core.frame import engine as engine_module  # noqa: E402
from alexnet_viewer.core.frame.engine import Engine, FrameRequest  # noqa: E402
from alexnet_viewer.core.model.loader import WeightsSpec, load_model  # noqa: E402

from .compare import assert_results_match, no_host_syncs, sample_pictures, syncs_allowed  # noqa: E402

REQUEST = FrameRequest(focus_layers=("conv1", "conv5"), channel_order="mean", statistics=True)


@pytest.fixture(scope="module")
def loaded():
    return load_model(WeightsSpec.random(seed=0), device="cuda")


def test_replayed_frames_equal_eager_ones_and_keep_their_values(loaded):
    graphed, eager = Engine(loaded), Engine(loaded, graphs=False)
    assert graphed.graphs is not None and eager.graphs is None
    pictures = [picture for _, picture in sample_pictures(limit=3)]
    kept = []
    for picture in pictures * 2:
        result = graphed.process(picture, REQUEST)
        expected = eager.process(picture, REQUEST)
        assert_results_match(expected, result)
        np.testing.assert_array_equal(result.crop, expected.crop)
        kept.append((result, np.array(result.activations["fc8"]), result.mosaics["conv5"].image.copy()))
    assert graphed.graphs.recorded == 1 and graphed.graphs.replayed == len(pictures) * 2 - 1
    for result, fc8, mosaic in kept:
        np.testing.assert_array_equal(result.activations["fc8"], fc8)
        np.testing.assert_array_equal(result.mosaics["conv5"].image, mosaic)
    graphed.close()
    eager.close()


def test_a_replayed_frame_syncs_only_in_its_copy_back(loaded, monkeypatch):
    engine = Engine(loaded)
    (_, picture), = sample_pictures(limit=1)
    for _ in range(2):  # eager, then recorded (recording synchronises the device once)
        engine.process(picture, REQUEST)
    monkeypatch.setattr(engine_module, "copy_to_host", syncs_allowed(engine_module.copy_to_host))
    replayed = engine.graphs.replayed
    with no_host_syncs():
        result = engine.run(engine.prepare(picture), REQUEST)
    assert engine.graphs.replayed == replayed + 1 and len(result.top5) == 5
    engine.close()
