"""The engine on CUDA against the CPU for the bundled samples (skipped without CUDA).

The network is compared on an identical batch (the CPU's, moved to the GPU): top-5
identical, logits within 1e-4, every layer, statistic, histogram and mosaic within float
tolerance. The whole CUDA pipeline (float resize) is compared with the CPU's: crops within
one level of the CPU's uint8 and float paths, and the same top-5 (up to near-ties). TF32
is switched off for these comparisons: it trades precision for speed by design.
"""

import pytest
import torch

if not torch.cuda.is_available():
    pytest.skip("needs a CUDA GPU", allow_module_level=True)

from alexnet_viewer.core.model.device_faults import describe_device_fault, is_device_fault  # noqa: E402
from alexnet_viewer.core.frame.engine import Engine, FrameRequest  # noqa: E402
from alexnet_viewer.core.model.loader import WeightsSpec, load_model  # noqa: E402

from .compare import (  # noqa: E402
    assert_crops_close,
    assert_results_match,
    assert_top5_agree,
    moved,
    sample_pictures,
)

SPEC = WeightsSpec.random(seed=0)
EVERYTHING = FrameRequest.everything()


@pytest.fixture(scope="module")
def cpu_engine():
    return Engine(load_model(SPEC, device="cpu"))


@pytest.fixture(scope="module")
def cpu_float_engine(cpu_engine):
    return Engine(cpu_engine.loaded, float_resize=True)


@pytest.fixture(scope="module")
def cuda_engine():
    return Engine(load_model(SPEC, device="cuda"))


@pytest.fixture(scope="module")
def pictures():
    return sample_pictures()


def test_cuda_takes_the_accelerator_paths(cuda_engine):
    assert cuda_engine.device.startswith("cuda")
    assert cuda_engine._preprocess.float_resize and cuda_engine._packed and cuda_engine._sync_free


def test_the_network_on_cuda_equals_the_cpu(cpu_engine, cuda_engine, pictures):
    for _, image in pictures:
        prepared = cpu_engine.prepare(image)
        expected = cpu_engine.run(prepared, EVERYTHING)
        actual = cuda_engine.run(moved(prepared, cuda_engine.device), EVERYTHING)
        assert actual.device.startswith("cuda")
        assert_results_match(expected, actual, logits_atol=1e-4)


def test_the_whole_cuda_pipeline_agrees_with_the_cpu(cpu_engine, cpu_float_engine, cuda_engine, pictures):
    for _, image in pictures:
        actual = cuda_engine.process(image, EVERYTHING)
        assert_crops_close(cpu_engine.process(image), actual, levels=1)
        expected = cpu_float_engine.process(image, EVERYTHING)
        assert_crops_close(expected, actual, levels=1)
        # The two float kernels may round a pixel near x.5 apart; only a few may differ.
        assert (expected.crop != actual.crop).mean() < 1e-3
        assert_top5_agree(expected, actual)


def test_extreme_aspect_ratios_on_cuda(cpu_float_engine, cuda_engine):
    image = torch.randint(0, 256, (1, 20000, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    actual = cuda_engine.process(image.numpy())
    assert actual.crop.shape == (224, 224, 3)
    assert_crops_close(cpu_float_engine.process(image.numpy()), actual, levels=1)


def test_mean_channel_order_on_cuda(cuda_engine, pictures):
    result = cuda_engine.process(pictures[0][1], FrameRequest(focus_layers=("conv2",), channel_order="mean"))
    means = result.stats["conv2"].channel_means
    order = list(result.mosaics["conv2"].order)
    assert sorted(order) == list(range(192))
    assert all(means[a] >= means[b] - 1e-6 * abs(means).max() for a, b in zip(order, order[1:]))


def test_stage_timings_on_cuda_come_from_events(cuda_engine, pictures):
    result = cuda_engine.process(pictures[0][1], FrameRequest(timings=True))
    stages = result.timings_ms
    assert set(stages) == {"preprocess", "forward", "stats", "mosaics", "transfer", "total"}
    assert all(ms >= 0 for ms in stages.values()) and stages["forward"] > 0


def test_a_simulated_out_of_memory_falls_back_to_the_cpu(cpu_engine, pictures, monkeypatch):
    image = pictures[0][1]
    expected = [p.index for p in cpu_engine.process(image).top5]
    engine = Engine(load_model(SPEC, device="cuda"))
    assert [p.index for p in engine.process(image).top5] == expected

    def out_of_memory(batch):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine._capture, "run", out_of_memory)
    with pytest.raises(torch.OutOfMemoryError) as caught:
        engine.process(image)
    assert is_device_fault(caught.value)
    assert describe_device_fault(caught.value, engine.device).endswith("switching to the CPU.")
    engine.close()
    rebuilt = Engine(load_model(SPEC, device="cpu"))
    assert [p.index for p in rebuilt.process(image).top5] == expected


def test_closing_frees_gpu_memory():
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    loaded = load_model(SPEC, device="cuda")
    engine = Engine(loaded)
    engine.process(sample_pictures(limit=1)[0][1])
    assert torch.cuda.memory_allocated() > before + 200 * 2**20  # AlexNet's 233 MB of weights
    del loaded
    engine.close()
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() < before + 16 * 2**20
