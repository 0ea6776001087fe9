"""The engine's accelerator code paths run on the CPU (float resize, one packed transfer,
histograms without a host read-back), prepare/run, and freeing the model on close."""

import gc
import weakref

import numpy as np
import pytest
import torch

from alexnet_viewer.core.frame.engine import Engine, FrameRequest, PreparedFrame
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from alexnet_viewer.core.frame.transfer import to_host
from tests.gpu.compare import (
    assert_crops_close,
    assert_results_match,
    assert_top5_agree,
    moved,
    sample_pictures,
)

EVERYTHING = FrameRequest.everything()


@pytest.fixture(scope="module")
def accelerator_path(loaded_model):
    engine = Engine(loaded_model, float_resize=True, packed_transfer=True)
    yield engine
    engine.close()  # its hooks come off the shared model


@pytest.fixture(scope="module")
def float_resize_only(loaded_model):
    engine = Engine(loaded_model, float_resize=True)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def pictures():
    return sample_pictures(limit=2)


def test_the_accelerator_path_gives_the_cpu_results(engine, accelerator_path, float_resize_only, pictures):
    """What tests/gpu checks for CUDA against the CPU, with the same code paths on the CPU."""
    for name, image in pictures:
        prepared = engine.prepare(image)
        expected = engine.run(prepared, EVERYTHING)
        same_batch = accelerator_path.run(moved(prepared, "cpu"), EVERYTHING)
        assert_results_match(expected, same_batch)
        # Same device, same batch: the packed copy and the sync-free histograms change nothing.
        for layer, values in expected.activations.items():
            np.testing.assert_array_equal(same_batch.activations[layer], values, err_msg=f"{name} {layer}")
        for layer, histogram in expected.histograms.items():
            np.testing.assert_array_equal(same_batch.histograms[layer].counts, histogram.counts)
        full = accelerator_path.process(image, EVERYTHING)
        assert_crops_close(expected, full, levels=1)  # float resize against the CPU's uint8 one
        assert_top5_agree(expected, full)
        assert_results_match(float_resize_only.process(image, EVERYTHING), full)


def test_the_comparison_can_fail(engine, pictures):
    (_, first), (_, second) = pictures
    with pytest.raises(AssertionError):
        assert_results_match(engine.process(first, EVERYTHING), engine.process(second, EVERYTHING))


def test_packed_transfer_unpacks_every_dtype():
    parts = {
        "bytes": torch.arange(7, dtype=torch.uint8),
        "floats": torch.linspace(0, 1, 5),
        "longs": torch.tensor([3, -1, 2**40]),
        "picture": torch.arange(24, dtype=torch.uint8).view(2, 3, 4).permute(1, 2, 0),  # not contiguous
        "ints": torch.tensor([[1, 2], [3, 4]], dtype=torch.int32),
    }
    host = to_host(parts, packed=True)
    for name, tensor in parts.items():
        assert host[name].dtype == tensor.numpy().dtype and host[name].shape == tuple(tensor.shape)
        np.testing.assert_array_equal(host[name], tensor.numpy())
        assert host[name].ctypes.data % host[name].itemsize == 0  # aligned views of one buffer
    assert len({array.base.ctypes.data if array.base is not None else 0 for array in host.values()}) <= 2


def test_process_is_prepare_then_run(engine, frame):
    prepared = engine.prepare(frame)
    assert isinstance(prepared, PreparedFrame) and prepared.batch.shape == (1, 3, 224, 224)
    assert prepared.image.shape == frame.shape and prepared.prepare_ms > 0
    one, two = engine.run(prepared, frame_id=4), engine.process(frame, frame_id=4)
    assert one.frame_id == two.frame_id == 4
    np.testing.assert_array_equal(one.activations["fc8"], two.activations["fc8"])
    np.testing.assert_array_equal(one.crop, two.crop)
    np.testing.assert_array_equal(one.mosaics["conv1"].image, two.mosaics["conv1"].image)


def test_ties_in_channel_order_keep_index_order(engine, frame):
    result = engine.process(np.zeros_like(frame), FrameRequest(focus_layers=("relu5",), channel_order="mean"))
    means = result.stats["relu5"].channel_means
    order = result.mosaics["relu5"].order
    for value in np.unique(means[list(order)]):
        tied = [channel for channel in order if means[channel] == value]
        assert tied == sorted(tied)
    assert len(order) - len(np.unique(means)) > 0, "the picture should leave some channels tied"


def test_close_frees_the_model_without_the_cycle_collector(frame):
    loaded = load_model(WeightsSpec.random(seed=3), device="cpu")
    model = weakref.ref(loaded.model)
    engine = Engine(loaded)
    result = engine.process(frame)
    del loaded
    gc.disable()
    try:
        engine.close()
        assert model() is None, "the closed engine (or its hooks) still holds the model"
    finally:
        gc.enable()
    assert result.top5 and engine.weights.source == "random"
    with pytest.raises(RuntimeError, match="closed"):
        engine.process(frame)


def test_a_dropped_engine_frees_its_model_too(frame):
    loaded = load_model(WeightsSpec.random(seed=3), device="cpu")
    model = weakref.ref(loaded.model)
    engine = Engine(loaded)
    engine.process(frame)
    gc.disable()
    try:
        del engine, loaded
        assert model() is None, "hooks and model form a reference cycle"
    finally:
        gc.enable()
