import dataclasses

import numpy as np
import pytest
import torch
from torchvision.models import alexnet

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS
from alexnet_viewer.core.frame.result import GAP_VALUE

EXPECTED_SHAPES = {
    "conv1": (64, 55, 55), "relu1": (64, 55, 55), "pool1": (64, 27, 27),
    "conv2": (192, 27, 27), "relu2": (192, 27, 27), "pool2": (192, 13, 13),
    "conv3": (384, 13, 13), "relu3": (384, 13, 13),
    "conv4": (256, 13, 13), "relu4": (256, 13, 13),
    "conv5": (256, 13, 13), "relu5": (256, 13, 13), "pool5": (256, 6, 6),
    "fc6": (4096,), "relu6": (4096,), "fc7": (4096,), "relu7": (4096,), "fc8": (1000,),
}


@pytest.fixture(scope="module")
def result(engine, frame):
    return engine.process(frame, FrameRequest.everything())


def test_every_layer_is_captured_with_its_shape(result):
    assert tuple(result.activations) == LAYER_NAMES
    assert {name: a.shape for name, a in result.activations.items()} == EXPECTED_SHAPES
    assert all(a.dtype == np.float32 for a in result.activations.values())


def test_conv_outputs_are_pre_relu(result):
    for conv, relu in [("conv1", "relu1"), ("conv3", "relu3"), ("fc6", "relu6")]:
        assert result.activations[conv].min() < 0
        assert result.activations[relu].min() >= 0
        np.testing.assert_array_equal(np.maximum(result.activations[conv], 0), result.activations[relu])


def test_logits_equal_plain_torchvision_forward(engine, loaded_model, frame, result):
    plain = alexnet(weights=None)
    plain.load_state_dict(loaded_model.model.state_dict())
    plain.eval()
    batch, _ = engine._preprocess(frame)
    with torch.inference_mode():
        logits = plain(batch)[0].numpy()
    np.testing.assert_allclose(result.activations["fc8"], logits, rtol=1e-5, atol=1e-5)


def test_the_crop_is_what_the_network_saw(engine, loaded_model, frame, result):
    batch, crop = engine._preprocess(frame)
    assert result.crop.shape == (224, 224, 3) and result.crop.dtype == np.uint8
    np.testing.assert_array_equal(result.crop, crop.permute(1, 2, 0).numpy())
    mean = torch.tensor(loaded_model.transforms.mean).view(3, 1, 1)
    std = torch.tensor(loaded_model.transforms.std).view(3, 1, 1)
    torch.testing.assert_close(batch[0], (crop.float() / 255 - mean) / std)


def test_top5_is_sorted_and_labelled(result, loaded_model):
    probabilities = [p.probability for p in result.top5]
    assert len(result.top5) == 5
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1 + 1e-6
    logits = result.activations["fc8"]
    assert [p.index for p in result.top5] == list(np.argsort(-logits)[:5])
    assert all(p.label == loaded_model.categories[p.index] for p in result.top5)


def test_statistics_match_numpy(result):
    for name in LAYER_NAMES:
        values = result.activations[name].astype(np.float64)
        stats = result.stats[name]
        assert stats.shape == values.shape
        assert stats.mean == pytest.approx(values.mean(), rel=1e-4, abs=1e-6)
        assert stats.std == pytest.approx(values.std(), rel=1e-3, abs=1e-6)
        assert stats.min == values.min() and stats.max == values.max()
        assert stats.zero_fraction == pytest.approx(np.mean(values == 0), abs=1e-9)
        per_channel = values.reshape(values.shape[0], -1).mean(axis=1)
        np.testing.assert_allclose(stats.channel_means, per_channel, rtol=1e-4, atol=1e-6)


def test_histograms_match_numpy(result):
    for name in ("conv1", "relu3", "fc8"):
        histogram = result.histograms[name]
        values = result.activations[name]
        expected, edges = np.histogram(values, bins=64, range=(values.min(), values.max()))
        np.testing.assert_allclose(histogram.edges, edges, atol=1e-6 * (edges[-1] - edges[0]))
        assert histogram.counts.sum() == values.size
        # Values on a bin edge may fall either side in float32; allow a handful.
        assert np.abs(histogram.counts - expected).sum() <= 4


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_mosaic_tiles_every_channel(result, name):
    mosaic = result.mosaics[name]
    activation = result.activations[name]
    tiles = activation if activation.ndim == 3 else activation.reshape(-1, 1, 1)
    low, high = mosaic.levels
    assert (low, high) == (activation.min(), activation.max())
    assert mosaic.image.dtype == np.uint8 and mosaic.image.flags.c_contiguous
    assert sorted(mosaic.order) == list(range(tiles.shape[0]))
    height, width = mosaic.tile
    for k in range(0, tiles.shape[0], max(1, tiles.shape[0] // 17)):
        channel = mosaic.order[k]
        top, left = mosaic.tile_origin(channel)
        shown = mosaic.image[top : top + height, left : left + width].astype(np.float64)
        expected = 1 + (tiles[channel] - low) / (high - low) * 254
        np.testing.assert_allclose(shown, expected, atol=0.51)
        assert mosaic.channel_at(top + height - 1, left) == (channel, height - 1, 0)
    if mosaic.gap:
        assert mosaic.channel_at(height, 0) is None  # the gap row under the first tile
        assert (mosaic.image[height, :] == GAP_VALUE).all()


def test_mosaic_order_by_mean_activation(engine, frame):
    result = engine.process(frame, FrameRequest(focus_layers=("conv2",), channel_order="mean"))
    order = result.mosaics["conv2"].order
    means = result.stats["conv2"].channel_means
    assert list(means[list(order)]) == sorted(means, reverse=True)
    assert set(result.mosaics) == {"conv2"} and set(result.histograms) == set()  # the Statistics view is hidden


def test_only_requested_layers_get_mosaics(engine, frame):
    result = engine.process(frame)
    assert set(result.mosaics) == {"conv1"}
    assert set(result.stats) == set(LAYER_NAMES)


def test_filters_are_rgb_tiles(result, loaded_model):
    filters = result.filters
    assert filters.global_norm.shape == (8 * 12 - 1, 8 * 12 - 1, 3)
    assert filters.per_filter_norm.dtype == np.uint8
    weight = loaded_model.model.features[0].weight.detach().numpy()
    for k in (0, 9, 63):
        assert filters.filter_at((k // 8) * 12 + 5, (k % 8) * 12 + 5) == k
        top, left = (k // 8) * 12, (k % 8) * 12
        tile = filters.per_filter_norm[top : top + 11, left : left + 11].astype(int)
        assert tile.min() == 0 and tile.max() == 255
        # Global scale: zero weight is mid-grey; the sign of each weight survives.
        shown = filters.global_norm[top : top + 11, left : left + 11].astype(int) - 127.5
        kernel = weight[k].transpose(1, 2, 0)
        strong = np.abs(kernel) > np.abs(weight).max() * 0.1
        assert (np.sign(shown[strong]) == np.sign(kernel[strong])).all()
    assert filters.filter_at(11, 0) is None


def test_result_is_immutable(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.top5 = ()
    with pytest.raises(TypeError):
        result.stats["conv1"] = None
    with pytest.raises(ValueError):
        result.activations["conv1"][0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        result.mosaics["conv1"].image[0, 0] = 1


def test_results_do_not_share_memory_across_frames(engine, frame):
    first = engine.process(frame)
    kept = first.activations["conv3"].copy()
    engine.process(np.ascontiguousarray(frame[::-1]))
    np.testing.assert_array_equal(first.activations["conv3"], kept)


def test_the_callers_frame_is_left_writable(engine, frame):
    mine = frame.copy()
    engine.process(mine)
    assert mine.flags.writeable


def test_stage_timings_only_when_asked(engine, frame, result):
    assert set(result.timings_ms) == {"total"} and result.timings_ms["total"] > 0
    timed = engine.process(frame, FrameRequest(timings=True))
    assert set(timed.timings_ms) == {"preprocess", "forward", "stats", "mosaics", "transfer", "total"}
    assert all(ms >= 0 for ms in timed.timings_ms.values())
    assert timed.timings_ms["total"] >= timed.timings_ms["forward"]


def test_rejects_what_is_not_an_rgb_picture(engine):
    with pytest.raises(ValueError, match="uint8 RGB"):
        engine.process(np.zeros((10, 10), dtype=np.uint8))
    with pytest.raises(ValueError, match="unknown layer"):
        FrameRequest(focus_layers=("conv9",))


def test_accepts_pil_images(engine, frame):
    from PIL import Image

    assert engine.process(Image.fromarray(frame)).image.shape == frame.shape


def test_spatial_layers_are_the_conv_relu_pool_ones():
    assert SPATIAL_LAYERS[-1] == "pool5" and len(SPATIAL_LAYERS) == 13
