"""What the views show of a frame, made from its kept activations.

After the forward, the engine asks ``FrameRenderer.device_parts`` for the statistics (of
the focus layers, or of every layer when the Statistics view is shown), each focus layer's
histogram and mosaic (one shared ``activation - min`` pass for both) and the channel
order, all on the device; ``finish`` turns their host copies into the Result's parts.
``rerender`` runs the same two steps on the host from a Result's kept activations, for a
layer, channel-order or statistics change on a still picture: no forward, no
preprocessing, and on the CPU the very values a new forward would give.
"""

from __future__ import annotations

import dataclasses
from time import perf_counter

import torch

from alexnet_viewer.core.frame.hooks import BufferLayout, layer_tensor
from alexnet_viewer.core.frame.kept import KeptActivations, LazyStats, ReluSpec, relu_off_tensors
from alexnet_viewer.core.frame.layers import DERIVED_FROM, LAYER_NAMES
from alexnet_viewer.core.frame.mosaic import grid_shape, shifted_mosaic
from alexnet_viewer.core.frame.result import Mosaic, Result, frozen_array
from alexnet_viewer.core.frame.stats import StatsPlan, host_layer_stats, make_histogram, shifted_histogram_counts, summarise
from alexnet_viewer.core.frame.torch_threads import one_thread_on_cpu
from alexnet_viewer.core.frame.transfer import to_host


def relu_spec(ablations) -> ReluSpec:
    """The part of an ablation spec that touches derived (ReLU) layers."""
    return tuple((name, channels) for name, channels in ablations if name in DERIVED_FROM)


class FrameRenderer:
    """Statistics, histograms and mosaics of one buffer layout; plans built once per layer set."""

    def __init__(self, layout: BufferLayout, sync_free: bool) -> None:
        self.layout = layout
        self._sync_free = sync_free
        self._plans: dict[tuple[str, ...], StatsPlan] = {}

    def plan(self, names: tuple[str, ...]) -> StatsPlan:
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = StatsPlan(self.layout, names)
        return plan

    def stats_plan(self, focus: tuple[str, ...], statistics: bool) -> StatsPlan:
        wanted = set(focus)
        return self.plan(tuple(name for name in LAYER_NAMES if statistics or name in wanted))

    def device_parts(
        self, buffer: torch.Tensor, focus: tuple[str, ...], channel_order: str, plan: StatsPlan,
        relu_off: dict[str, torch.Tensor], statistics: bool, sync_free: bool | None = None, lap=lambda stage: None,
    ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
        """Reductions of ``plan``'s layers, and each focus layer's mosaic and order; the spread
        (std, zeros) and histograms only with ``statistics`` (the Statistics view shows them):
        ``lap("stats")`` after the reductions, ``lap("mosaics")`` at the end."""
        sync_free = self._sync_free if sync_free is None else sync_free
        summary = summarise(buffer, plan, relu_off, spread=statistics)
        lap("stats")
        parts, gaps = {"reductions": summary.reductions}, {}
        for name in dict.fromkeys(focus):
            levels = parts[f"levels:{name}"] = summary.levels(name)
            # One ``activation - min`` pass for the histogram and the mosaic; the mosaic may
            # overwrite it once nothing else reads it.
            shifted = layer_tensor(buffer, self.layout, name, relu_off) - levels[0]
            if statistics:
                parts[f"histogram:{name}"] = shifted_histogram_counts(shifted, levels, sync_free)
            order = None
            if channel_order == "mean":
                order = parts[f"order:{name}"] = summary.channel_sums(name).argsort(descending=True, stable=True)
            parts[f"mosaic:{name}"], gaps[name] = shifted_mosaic(shifted, levels[1] - levels[0], order, owned=True)
        lap("mosaics")
        return parts, gaps

    def finish(
        self, host: dict, gaps: dict[str, int], plan: StatsPlan, kept: KeptActivations, statistics: bool, known=None
    ):
        """(stats, histograms, mosaics) for the Result from the parts' host copies."""
        reductions = host["reductions"]
        spread_of = None if statistics else lambda name: self.host_spread(kept, name)
        stats = LazyStats(
            known or {}, lambda: self.host_stats(kept), fresh=lambda: host_layer_stats(plan, reductions, spread_of)
        )
        histograms, mosaics = {}, {}
        for name, gap in gaps.items():
            low, high = (float(level) for level in host[f"levels:{name}"])  # the layer's min and max
            if f"histogram:{name}" in host:
                histograms[name] = make_histogram(host[f"histogram:{name}"], low, high)
            shape = self.layout.shapes[name]
            order = host.get(f"order:{name}")
            mosaics[name] = Mosaic(
                image=frozen_array(host[f"mosaic:{name}"]),
                levels=(low, high),
                grid=grid_shape(shape[0]),
                tile=tuple(shape[1:]) if len(shape) == 3 else (1, 1),
                gap=gap,
                order=tuple(order.tolist()) if order is not None else tuple(range(shape[0])),
            )
        return stats, histograms, mosaics

    def host_stats(self, kept: KeptActivations, names: tuple[str, ...] = LAYER_NAMES) -> dict:
        """The statistics of ``names`` (every layer by default) from the kept activations, on the host."""
        plan = self.plan(names)
        with torch.inference_mode():
            summary = summarise(kept.tensor(), plan, relu_off_tensors(kept.relu_spec, "cpu"))
        return host_layer_stats(plan, summary.reductions.numpy())

    def host_spread(self, kept: KeptActivations, name: str) -> tuple[float, float]:
        """(std, zero fraction) of one layer from the kept activations, on the host."""
        stats = self.host_stats(kept, (name,))[name]
        return stats.std, stats.zero_fraction

    def rerender(self, result: Result, focus: tuple[str, ...], channel_order: str, statistics: bool = False) -> Result:
        """``result`` showing ``focus`` in ``channel_order``, from its kept activations alone."""
        started = perf_counter()
        kept = result.kept
        if not isinstance(kept, KeptActivations):
            raise ValueError("this result keeps no activations to draw from")
        known = result.stats.known if isinstance(result.stats, LazyStats) else {}
        # The statistics the result has already are the same activations' statistics: only the
        # focus layers (their levels and sums make the mosaic) and missing layers are reduced.
        wanted = set(focus)
        plan = self.plan(tuple(name for name in LAYER_NAMES if name in wanted or statistics and name not in known))
        with torch.inference_mode(), one_thread_on_cpu("cpu"):
            parts, gaps = self.device_parts(
                kept.tensor(), focus, channel_order, plan, relu_off_tensors(kept.relu_spec, "cpu"), statistics,
                sync_free=False,
            )
        host = to_host(parts, packed=False)
        stats, histograms, mosaics = self.finish(host, gaps, plan, kept, statistics, known)
        return dataclasses.replace(
            result, stats=stats, histograms=histograms, mosaics=mosaics,
            timings_ms={"rerender": (elapsed := (perf_counter() - started) * 1000), "total": elapsed},
        )
