"""Batched layer statistics and histograms against numpy in float64 (no model needed)."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.frame.hooks import BufferLayout, LayerSlot
from alexnet_viewer.core.frame.stats import (
    HISTOGRAM_BINS,
    StatsPlan,
    histogram_counts,
    histogram_edges,
    host_layer_stats,
    summarise,
)


def layout_of(shapes: dict[str, tuple[int, ...]]) -> BufferLayout:
    slots, offset = {}, 0
    for name, shape in shapes.items():
        slots[name] = LayerSlot(offset, shape)
        offset += int(np.prod(shape))
    return BufferLayout(slots, offset)


def stats_of(buffer: np.ndarray, layout: BufferLayout) -> dict:
    plan = StatsPlan(layout)
    summary = summarise(torch.from_numpy(buffer), plan)
    return host_layer_stats(plan, summary.reductions.numpy())


def test_statistics_of_a_known_tensor():
    known = np.array([[[0, 1], [2, 3]], [[-4, 0], [0, 8]]], dtype=np.float32)  # (2, 2, 2)
    stats = stats_of(known.reshape(-1), layout_of({"conv1": (2, 2, 2)}))["conv1"]
    assert stats.mean == pytest.approx(known.mean())
    assert stats.std == pytest.approx(known.std())
    assert (stats.min, stats.max) == (-4, 8)
    assert stats.zero_fraction == pytest.approx(3 / 8)
    np.testing.assert_allclose(stats.channel_means, [1.5, 1.0])


def test_runs_join_neighbours_with_equal_channel_sizes():
    layout = layout_of({"a": (3, 4, 4), "b": (5, 4, 4), "c": (2, 2, 2), "d": (7,), "e": (9,)})
    plan = StatsPlan(layout)
    assert [(run.channels, run.per_channel, run.first_channel) for run in plan.runs] == [
        (8, 16, 0), (2, 4, 8), (16, 1, 10)
    ]
    assert plan.channel_range("c") == (8, 10) and plan.channel_range("e") == (17, 26)


def test_std_is_exact_for_a_large_mean_with_a_small_spread():
    # E[x^2] - E[x]^2 in float32 loses 16-23 % of such a std; issue 8.5 asks for 1e-3.
    rng = np.random.default_rng(5)
    shapes = {"conv": (64, 55, 55), "pool": (16, 27, 27), "fc": (4096,)}
    layout = layout_of(shapes)
    values = {
        "conv": 50 + 0.01 * rng.standard_normal(shapes["conv"]),
        "pool": -1000 + rng.uniform(-0.05, 0.05, shapes["pool"]) + np.arange(16).reshape(16, 1, 1) * 1e-3,
        "fc": 50 + 0.01 * rng.standard_normal(shapes["fc"]),
    }
    values = {name: v.astype(np.float32) for name, v in values.items()}
    buffer = np.concatenate([values[name].reshape(-1) for name in shapes])
    stats = stats_of(buffer, layout)
    for name, v in values.items():
        exact = v.astype(np.float64)
        assert stats[name].std == pytest.approx(exact.std(), rel=1e-3), name
        assert stats[name].mean == pytest.approx(exact.mean(), rel=1e-6), name
    # What the old formula gave, to show the test can tell: far off.
    conv = torch.from_numpy(values["conv"]).reshape(64, -1)
    naive = (conv.square().sum() / conv.numel() - (conv.sum() / conv.numel()) ** 2).clamp_min(0).sqrt()
    assert abs(float(naive) / values["conv"].astype(np.float64).std() - 1) > 1e-2


def test_levels_and_channel_sums_come_from_the_summary():
    rng = np.random.default_rng(2)
    layout = layout_of({"a": (4, 3, 3), "b": (6, 3, 3)})
    buffer = rng.standard_normal(layout.total).astype(np.float32)
    plan = StatsPlan(layout)
    summary = summarise(torch.from_numpy(buffer), plan)
    b = buffer[36:].reshape(6, 9)
    np.testing.assert_array_equal(summary.levels("b").numpy(), [b.min(), b.max()])
    np.testing.assert_allclose(summary.channel_sums("b").numpy(), b.sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("sync_free", [False, True])
def test_histograms_match_numpy(sync_free):
    values = np.random.default_rng(3).standard_normal(50_000).astype(np.float32) ** 3
    levels = torch.tensor([values.min(), values.max()])
    counts = histogram_counts(torch.from_numpy(values), levels, sync_free).numpy()
    expected, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(values.min(), values.max()))
    assert counts.sum() == values.size
    # Values on a bin edge may fall either side in float32; allow a handful.
    assert np.abs(counts - expected).sum() <= 4
    np.testing.assert_allclose(histogram_edges(values.min(), values.max()), edges, rtol=1e-6)


def test_the_sync_free_histogram_equals_bincount():
    values = torch.from_numpy(np.random.default_rng(4).uniform(-3, 7, 193_600).astype(np.float32))
    levels = torch.stack([values.min(), values.max()])
    sync_free = histogram_counts(values, levels, sync_free=True)
    assert sync_free.dtype == torch.float32  # float32 counts: index_add_ exists for them on MPS
    np.testing.assert_array_equal(sync_free.numpy(), histogram_counts(values, levels, sync_free=False).numpy())


@pytest.mark.parametrize("sync_free", [False, True])
def test_histogram_of_a_constant_layer(sync_free):
    values = torch.full((10,), 3.0)
    counts = histogram_counts(values, torch.tensor([3.0, 3.0]), sync_free).numpy()
    expected, edges = np.histogram(values.numpy(), bins=64)
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_allclose(histogram_edges(3.0, 3.0), edges)
