"""One picture through two engines: are the Results the same within what float arithmetic
allows? Shared by tests/gpu (CUDA against the CPU) and tests/core/test_engine.py (the
accelerator code path, run on the CPU). Needs no Qt and no GPU to import."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import torch

from alexnet_viewer.core.frame.engine import PreparedFrame
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.pictures.samples import list_samples


def sample_pictures(limit: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The bundled sample photos as (name, RGB array)."""
    samples = list_samples()[:limit]
    assert samples, "no bundled samples found under resources/samples"
    return [(path.name, image_to_array(load_image(path))) for _, path in samples]


def moved(prepared: PreparedFrame, device: str | torch.device) -> PreparedFrame:
    """The same prepared frame on another device, so two engines see an identical batch."""
    return dataclasses.replace(prepared, batch=prepared.batch.to(device), crop=prepared.crop.to(device))


def assert_crops_close(expected: Result, actual: Result, levels: int = 1) -> None:
    apart = np.abs(expected.crop.astype(np.int16) - actual.crop.astype(np.int16))
    assert apart.max() <= levels, f"crops differ by {apart.max()} levels"


def assert_top5_agree(expected: Result, actual: Result) -> None:
    """The same top-5, except that two classes whose logits lie closer than the largest logit
    drift between the two results may swap (a one-level change in a few crop pixels)."""
    want, got = expected.activations["fc8"], actual.activations["fc8"]
    drift = float(np.abs(want - got).max())
    assert drift <= 1e-2 * max(float(np.abs(want).max()), 1e-6), f"logits drift by {drift}"
    for mine, theirs in zip([p.index for p in expected.top5], [p.index for p in actual.top5]):
        assert mine == theirs or abs(want[mine] - want[theirs]) <= 2 * drift, (mine, theirs, drift)


def assert_results_match(expected: Result, actual: Result, logits_atol: float = 1e-4) -> None:
    """Top-5 identical, logits within ``logits_atol``, activations, statistics, histograms
    and mosaics within float tolerance (values next to zero or a bin edge may move)."""
    assert [p.index for p in actual.top5] == [p.index for p in expected.top5]
    np.testing.assert_allclose(
        [p.probability for p in actual.top5], [p.probability for p in expected.top5], rtol=1e-4, atol=1e-7
    )
    np.testing.assert_allclose(actual.activations["fc8"], expected.activations["fc8"], rtol=0, atol=logits_atol)
    assert set(actual.activations) == set(expected.activations)
    for name, want in expected.activations.items():
        scale = max(float(np.abs(want).max()), 1e-6)
        got = actual.activations[name]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * scale, err_msg=name)
        want_stats, got_stats = expected.stats[name], actual.stats[name]
        assert abs(got_stats.mean - want_stats.mean) <= 1e-4 * scale, name
        assert abs(got_stats.std - want_stats.std) <= 1e-4 * max(want_stats.std, scale * 1e-3), name
        assert abs(got_stats.min - want_stats.min) <= 1e-4 * scale, name
        assert abs(got_stats.max - want_stats.max) <= 1e-4 * scale, name
        assert abs(got_stats.zero_fraction - want_stats.zero_fraction) <= 1e-3, name
        np.testing.assert_allclose(got_stats.channel_means, want_stats.channel_means, rtol=1e-4, atol=1e-4 * scale)
    assert set(actual.histograms) == set(expected.histograms) and set(actual.mosaics) == set(expected.mosaics)
    for name, want in expected.histograms.items():
        got = actual.histograms[name]
        assert got.counts.sum() == want.counts.sum(), name
        assert np.abs(got.counts - want.counts).sum() <= 4 + 2e-3 * want.counts.sum(), name
        np.testing.assert_allclose(got.edges, want.edges, rtol=1e-4, atol=1e-4 * float(np.abs(want.edges).max()))
    for name, want in expected.mosaics.items():
        got = actual.mosaics[name]
        assert (got.grid, got.tile, got.gap) == (want.grid, want.tile, want.gap), name
        assert got.order == want.order, name
        apart = np.abs(got.image.astype(np.int16) - want.image.astype(np.int16))
        assert apart.max() <= 1 and (apart > 0).mean() < 0.01, name


@contextlib.contextmanager
def no_host_syncs():
    """Within the block, a CUDA op that waits for the device raises (queued work is settled first)."""
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode(0)


def syncs_allowed(function):
    """``function`` with host syncs allowed while it runs, inside a ``no_host_syncs`` block."""

    def allowed(*args, **kwargs):
        torch.cuda.set_sync_debug_mode(0)
        try:
            return function(*args, **kwargs)
        finally:
            torch.cuda.set_sync_debug_mode("error")

    return allowed
