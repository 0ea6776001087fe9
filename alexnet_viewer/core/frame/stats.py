"""Activation statistics: per-channel reductions on the device, finished on the host.

The device reduces every channel of every layer (sum, sum of squared deviations from the
channel's mean, min, max and the count of non-zeros) in a few batched operations with no
Python loop over channels. Only those compact vectors travel to the host, where the layer
totals are combined in float64 by the parallel-variance rule: the layer's squared
deviations are the channels' own plus each channel's count times its mean's squared
distance from the layer mean. The squares are taken around each channel's mean (a second
pass over the data, as cheap as summing raw squares), so the std stays exact for layers
whose mean is large against their spread, where E[x^2] - E[x]^2 in float32 cancels away.

Every device op here (sum, sub, vector_norm, amin, amax, sign, abs, stack; for histograms
mul, the float32 to int32 cast, clamp, and index_add_ of float32 with an int32 index) has
CPU, CUDA and MPS kernels for its dtype; nothing on the device is float64 (MPS has none),
and on an accelerator nothing reads a value back to the host.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from alexnet_viewer.core.frame.hooks import BufferLayout, layer_tensor
from alexnet_viewer.core.frame.result import Histogram, LayerStats, frozen_array

HISTOGRAM_BINS = 64


@dataclass(frozen=True)
class Run:
    """Kept layers that lie next to each other in the buffer with equal-sized channels, or
    one derived (ReLU) layer.

    AlexNet's 11 kept outputs form 5 such runs (55x55, 27x27, 13x13, 6x6 and the fc units),
    so their statistics take 5 reductions of each kind instead of 11. Each channel is
    reduced on its own, so how layers are grouped does not change a value.
    """

    start: int  # offset in the buffer (kept layers)
    channels: int
    per_channel: int
    first_channel: int  # of the run, in the summary's channel order
    derived: str | None = None  # a derived layer's name: its values are made, not viewed


class StatsPlan:
    """Where each of ``names``' channels are, in the buffer and in the summary (built once)."""

    def __init__(self, layout: BufferLayout, names: tuple[str, ...] | None = None) -> None:
        self.layout = layout
        self.names = tuple(layout.shapes) if names is None else tuple(names)
        shapes = [layout.shapes[name] for name in self.names]
        self.layer_channels = np.array([shape[0] for shape in shapes])
        per_layer = np.array([math.prod(shape[1:]) for shape in shapes])
        self.starts = np.concatenate([[0], np.cumsum(self.layer_channels)[:-1]]).astype(np.int64)
        self.counts = (self.layer_channels * per_layer).astype(np.float64)
        self.per_channel = np.repeat(per_layer, self.layer_channels).astype(np.float64)
        self.channels = int(self.layer_channels.sum())
        runs: list[Run] = []
        for name, first in zip(self.names, self.starts):
            slot = layout.slots.get(name)
            channels, per_channel = layout.shapes[name][0], math.prod(layout.shapes[name][1:])
            if slot is None:
                runs.append(Run(-1, channels, per_channel, int(first), derived=name))
                continue
            last = runs[-1] if runs else None
            if (
                last and last.derived is None and last.per_channel == per_channel
                and last.start + last.channels * per_channel == slot.offset
            ):
                runs[-1] = Run(last.start, last.channels + channels, per_channel, last.first_channel)
            else:
                runs.append(Run(slot.offset, channels, per_channel, int(first)))
        self.runs = tuple(runs)

    def channel_range(self, name: str) -> tuple[int, int]:
        index = self.names.index(name)
        first = int(self.starts[index])
        return first, first + int(self.layer_channels[index])


@dataclass(frozen=True)
class DeviceSummary:
    """Per-channel reductions of every layer, still on the device."""

    plan: StatsPlan
    reductions: torch.Tensor  # (5, channels): sum, squared deviations, min, max, non-zeros

    def levels(self, name: str) -> torch.Tensor:
        """(min, max) of one layer as a 2-element device tensor, from its channels' min and max."""
        first, last = self.plan.channel_range(name)
        return torch.stack([self.reductions[2, first:last].amin(), self.reductions[3, first:last].amax()])

    def channel_sums(self, name: str) -> torch.Tensor:
        first, last = self.plan.channel_range(name)
        return self.reductions[0, first:last]


def summarise(
    buffer: torch.Tensor, plan: StatsPlan, relu_off: dict[str, torch.Tensor] | None = None, spread: bool = True
) -> DeviceSummary:
    """Per-channel reductions of the plan's layers; derived layers are made from their
    source (with ``relu_off``'s channels zeroed, see hooks.layer_tensor) as they are reduced.
    Without ``spread`` only sums, minima and maxima are reduced (rows 1 and 4 are left unset):
    what a mosaic, its channel order and the channel means need."""
    reductions = buffer.new_empty((5, plan.channels))
    sums, deviations, lows, highs, nonzero = reductions
    for run in plan.runs:
        if run.derived is not None:
            values = layer_tensor(buffer, plan.layout, run.derived, relu_off).view(run.channels, -1)
        else:
            values = buffer[run.start : run.start + run.channels * run.per_channel].view(run.channels, -1)
        rows = slice(run.first_channel, run.first_channel + run.channels)
        torch.sum(values, dim=1, out=sums[rows])
        # amin and amax apart, and |sign| summed for the non-zero count: on the CPU these
        # vectorised kernels are 5-10x faster than aminmax(dim=) and count_nonzero(dim=).
        torch.amin(values, dim=1, out=lows[rows])
        torch.amax(values, dim=1, out=highs[rows])
        if spread:
            # One fused pass for the squared deviations (a norm, squared): sub, square and sum apart cost more.
            torch.linalg.vector_norm(values - (sums[rows] / run.per_channel).unsqueeze(1), dim=1, out=deviations[rows])
            torch.sum(values.sign().abs_(), dim=1, out=nonzero[rows])
    if spread:
        deviations.square_()
    return DeviceSummary(plan, reductions)


def host_layer_stats(
    plan: StatsPlan, reductions: np.ndarray, spread_of: Callable[[str], tuple[float, float]] | None = None
) -> dict:
    """Finish every layer's statistics on the host from the (5, channels) reductions.
    ``spread_of``: the reductions hold no spread (``summarise(spread=False)``); a layer's
    (std, zero fraction) is ``spread_of(name)``, called when first read."""
    sums = reductions[0].astype(np.float64)
    means = np.add.reduceat(sums, plan.starts) / plan.counts
    if spread_of is None:
        deviations, nonzero = reductions[[1, 4]].astype(np.float64)
        spread = (sums / plan.per_channel - np.repeat(means, plan.layer_channels)) ** 2 * plan.per_channel
        stds = np.sqrt(np.add.reduceat(deviations + spread, plan.starts) / plan.counts)
        zeros = 1.0 - np.add.reduceat(nonzero, plan.starts) / plan.counts
    lows = np.minimum.reduceat(reductions[2], plan.starts)
    highs = np.maximum.reduceat(reductions[3], plan.starts)
    channel_means = frozen_array(reductions[0] / plan.per_channel.astype(np.float32))
    stats = {}
    for k, name in enumerate(plan.names):
        first, count = plan.starts[k], plan.layer_channels[k]
        stats[name] = LayerStats(
            shape=tuple(plan.layout.shapes[name]),
            mean=float(means[k]),
            min=float(lows[k]),
            max=float(highs[k]),
            channel_means=channel_means[first : first + count],
            spread=partial(spread_of, name) if spread_of is not None else (float(stds[k]), float(zeros[k])),
        )
    return stats


def histogram_counts(activation: torch.Tensor, levels: torch.Tensor, sync_free: bool) -> torch.Tensor:
    """64 equal bins over [min, max], the last one closed (numpy.histogram's convention).

    ``sync_free`` (for CUDA and MPS) counts by index_add_ into 64 float32 bins (exact below
    2**24 values): bincount reads its input's min and max back to the host on CUDA, a sync
    per frame. On the CPU, where nothing waits, int32 bincount is 1.5x faster.
    """
    return shifted_histogram_counts(activation - levels[0], levels, sync_free)


def shifted_histogram_counts(shifted: torch.Tensor, levels: torch.Tensor, sync_free: bool) -> torch.Tensor:
    """``histogram_counts`` from ``activation - levels[0]`` already made (shared with the
    mosaic). A constant layer gets numpy's range of value +- 0.5: its middle bin."""
    pad = (levels[1] == levels[0]).to(shifted.dtype) * 0.5
    scale = HISTOGRAM_BINS / ((levels[1] + pad) - (levels[0] - pad)).clamp_min(torch.finfo(shifted.dtype).tiny)
    flat = shifted.reshape(-1)
    bins = (flat + pad).mul_(scale).int().clamp_(0, HISTOGRAM_BINS - 1)
    if not sync_free:
        return torch.bincount(bins, minlength=HISTOGRAM_BINS)
    return flat.new_zeros(HISTOGRAM_BINS).index_add_(0, bins, torch.ones_like(flat))


def histogram_edges(low: float, high: float) -> np.ndarray:
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, HISTOGRAM_BINS + 1, dtype=np.float32)


def make_histogram(counts: np.ndarray, low: float, high: float) -> Histogram:
    return Histogram(frozen_array(counts.astype(np.int64)), frozen_array(histogram_edges(low, high)))
