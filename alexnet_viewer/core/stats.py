"""Activation statistics: per-channel reductions on the device, finished on the host.

The device reduces every channel of every layer (sum, sum of squares, min, max and the
count of non-zeros) in a few batched operations with no Python loop over channels. Only those compact vectors travel
to the host, where the layer totals are combined in float64 (std from the sum and sum of
squares, which is exact enough there and needs no second pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .hooks import BufferLayout
from .result import Histogram, LayerStats, frozen_array

HISTOGRAM_BINS = 64


@dataclass(frozen=True)
class Run:
    """Layers that lie next to each other in the buffer with equal-sized channels.

    AlexNet's 18 outputs form 5 such runs (55x55, 27x27, 13x13, 6x6 and the fc units), so
    the statistics of all layers take 5 reductions of each kind instead of 18.
    """

    names: tuple[str, ...]
    start: int
    channels: int
    per_channel: int


def buffer_runs(layout: BufferLayout) -> tuple[Run, ...]:
    runs: list[Run] = []
    for name, slot in layout.slots.items():
        channels, per_channel = slot.shape[0], math.prod(slot.shape[1:])
        last = runs[-1] if runs else None
        if last and last.per_channel == per_channel and last.start + last.channels * per_channel == slot.offset:
            runs[-1] = Run(last.names + (name,), last.start, last.channels + channels, per_channel)
        else:
            runs.append(Run((name,), slot.offset, channels, per_channel))
    return tuple(runs)


@dataclass(frozen=True)
class DeviceSummary:
    """Per-channel reductions of every run, still on the device."""

    runs: tuple[Run, ...]
    reductions: tuple[torch.Tensor, ...]  # per run (5, channels): sum, sum sq, min, max, non-zeros


def summarise(buffer: torch.Tensor, runs: tuple[Run, ...]) -> DeviceSummary:
    reductions = []
    for run in runs:
        values = buffer[run.start : run.start + run.channels * run.per_channel].view(run.channels, -1)
        # amin and amax apart, and |sign| summed for the non-zero count: on the CPU these
        # vectorised kernels are 5-10x faster than aminmax(dim=) and count_nonzero(dim=).
        nonzero = values.sign().abs_().sum(dim=1)
        sums, squares = values.sum(dim=1), values.square().sum(dim=1)
        reductions.append(torch.stack([sums, squares, values.amin(dim=1), values.amax(dim=1), nonzero]))
    return DeviceSummary(runs, tuple(reductions))


def layer_levels(activation: torch.Tensor) -> torch.Tensor:
    """(min, max) of one layer as a 2-element device tensor (no host sync)."""
    return torch.stack(torch.aminmax(activation))


def channel_sums(activation: torch.Tensor) -> torch.Tensor:
    return activation.reshape(activation.shape[0], -1).sum(dim=1)


def host_layer_stats(summary: DeviceSummary, host_reductions: list[np.ndarray], layout: BufferLayout) -> dict:
    """Finish every layer's statistics on the host, a few array operations per run."""
    stats = {}
    for run, reductions in zip(summary.runs, host_reductions):
        shapes = [layout.slots[name].shape for name in run.names]
        channels = [shape[0] for shape in shapes]
        starts = np.cumsum([0, *channels[:-1]])
        # Layer totals in float64: the std comes from the sum and the sum of squares.
        sums, squares, nonzero = np.add.reduceat(reductions[[0, 1, 4]].astype(np.float64), starts, axis=1)
        lows = np.minimum.reduceat(reductions[2], starts)
        highs = np.maximum.reduceat(reductions[3], starts)
        channel_means = frozen_array(reductions[0] / np.float32(run.per_channel))
        counts = np.array(channels, dtype=np.float64) * run.per_channel
        means = sums / counts
        stds = np.sqrt(np.maximum(squares / counts - means * means, 0.0))
        for k, (name, shape) in enumerate(zip(run.names, shapes)):
            stats[name] = LayerStats(
                shape=tuple(shape),
                mean=float(means[k]),
                std=float(stds[k]),
                min=float(lows[k]),
                max=float(highs[k]),
                zero_fraction=1.0 - float(nonzero[k] / counts[k]),
                channel_means=channel_means[starts[k] : starts[k] + channels[k]],
            )
    return stats


def histogram_counts(activation: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """64 equal bins over [min, max], the last one closed (numpy.histogram's convention).

    Binning by int32 bincount is 3x faster than torch.histc on the CPU and needs no host sync.
    """
    # A constant layer gets numpy's range of value +- 0.5.
    pad = (levels[1] == levels[0]).to(activation.dtype) * 0.5
    low, high = levels[0] - pad, levels[1] + pad
    scale = HISTOGRAM_BINS / (high - low).clamp_min(torch.finfo(activation.dtype).tiny)
    bins = ((activation.reshape(-1) - low) * scale).int().clamp_(0, HISTOGRAM_BINS - 1)
    return torch.bincount(bins, minlength=HISTOGRAM_BINS)


def histogram_edges(low: float, high: float) -> np.ndarray:
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, HISTOGRAM_BINS + 1, dtype=np.float32)


def make_histogram(counts: np.ndarray, low: float, high: float) -> Histogram:
    return Histogram(frozen_array(counts.astype(np.int64)), frozen_array(histogram_edges(low, high)))
