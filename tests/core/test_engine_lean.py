"""A frame costs what is shown, and shows what it always did (issue 17, items 1 and 2).

ReLU layers derived instead of copied, statistics of the focus layers only unless asked,
the rest computed when read, fused mosaic and histogram passes, and redraws from the kept
activations: every value bit for bit what the full engine gives.
"""

import dataclasses
import hashlib
import json
import platform
from pathlib import Path

import numpy as np
import pytest
import torch

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.kept import KeptActivations, LazyStats
from alexnet_viewer.core.frame.layers import KEPT_LAYERS, LAYER_NAMES

DIGEST = Path(__file__).parent / "data" / "engine_digest.json"
ABLATED = FrameRequest(
    focus_layers=("relu1", "conv2", "relu5", "fc6"),
    channel_order="mean",
    ablations=(("conv1", (1, 2)), ("relu1", (3,)), ("relu5", (0, 7)), ("pool2", (4,))),
)
CASES = {
    "everything_index": FrameRequest.everything(),
    "everything_mean": FrameRequest.everything("mean"),
    "abl": ABLATED,
}


def reference_activations(engine, frame, ablations=()):
    """Every layer's output cloned by plain hooks, as the engine used to keep them."""
    model = engine.loaded.model
    kept = {}
    handles = [
        layer_module(model, name).register_forward_hook(
            lambda _m, _i, out, name=name: kept.__setitem__(name, out[0].clone().numpy())
        )
        for name in LAYER_NAMES
    ]
    try:
        with torch.inference_mode(), engine._ablation.active(ablations):
            model(engine.prepare(frame).batch)
    finally:
        for handle in handles:
            handle.remove()
    return kept


def assert_same_views(a, b, layers):
    for name in layers:
        np.testing.assert_array_equal(a.mosaics[name].image, b.mosaics[name].image)
        assert a.mosaics[name].order == b.mosaics[name].order and a.mosaics[name].levels == b.mosaics[name].levels
    assert set(a.histograms) == set(b.histograms)
    for name in a.histograms:
        np.testing.assert_array_equal(a.histograms[name].counts, b.histograms[name].counts)
        np.testing.assert_array_equal(a.histograms[name].edges, b.histograms[name].edges)


def assert_same_stats(a, b):
    for name in LAYER_NAMES:
        x, y = a.stats[name], b.stats[name]
        assert (x.shape, x.mean, x.std, x.min, x.max, x.zero_fraction) == (y.shape, y.mean, y.std, y.min, y.max, y.zero_fraction)
        np.testing.assert_array_equal(x.channel_means, y.channel_means)


@pytest.mark.parametrize("ablations", [(), ABLATED.ablations])
def test_every_layer_bit_for_bit_what_the_forward_made(engine, frame, ablations):
    result = engine.process(frame, FrameRequest(ablations=ablations))
    reference = reference_activations(engine, frame, ablations)
    for name in LAYER_NAMES:
        np.testing.assert_array_equal(result.activations[name], reference[name], err_msg=name)
        assert not result.activations[name].flags.writeable


def test_only_conv_pool_and_fc_outputs_are_copied(engine, frame):
    result = engine.process(frame)
    assert isinstance(result.kept, KeptActivations)
    assert set(result.kept.layout.slots) == set(KEPT_LAYERS) and not any(n.startswith("relu") for n in KEPT_LAYERS)
    kept_floats = sum(np.prod(slot.shape) for slot in result.kept.layout.slots.values())
    all_floats = sum(np.prod(result.activations[name].shape) for name in LAYER_NAMES)
    assert result.kept.layout.total == kept_floats < 0.7 * all_floats


def test_statistics_of_other_layers_wait_until_read(engine, frame):
    lean = engine.process(frame, FrameRequest(focus_layers=("conv3",)))
    assert isinstance(lean.stats, LazyStats) and set(lean.stats.known) == {"conv3"}
    full = engine.process(frame, FrameRequest(focus_layers=("conv3",), statistics=True))
    assert set(full.stats.known) == set(LAYER_NAMES)
    assert_same_stats(lean, full)  # reading them all computes them, the same values
    assert set(lean.stats.known) == set(LAYER_NAMES)


@pytest.mark.parametrize("request_", [ABLATED, FrameRequest(focus_layers=("relu7", "pool5"), channel_order="mean")])
def test_a_redraw_is_what_a_forward_would_show(engine, frame, request_):
    shown = engine.process(frame, FrameRequest(ablations=request_.ablations))
    redrawn = engine.rerender(shown, request_)
    forward = engine.process(frame, request_)
    assert set(redrawn.mosaics) == set(request_.focus_layers)
    assert_same_views(redrawn, forward, request_.focus_layers)
    assert_same_stats(redrawn, forward)
    assert redrawn.top5 == forward.top5 and redrawn.kept is shown.kept
    assert set(redrawn.timings_ms) == {"rerender", "total"}


def _digest(result):
    def h(array):
        return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]

    d = {"top5": [[p.index, p.probability] for p in result.top5], "crop": h(result.crop)}
    for name in LAYER_NAMES:
        s = result.stats[name]
        d["act:" + name] = h(result.activations[name])
        d["stats:" + name] = [s.mean, s.std, s.min, s.max, s.zero_fraction, h(s.channel_means)]
    for name, m in result.mosaics.items():
        d["mosaic:" + name] = [h(m.image), list(m.levels), list(m.order)[:8], h(np.array(m.order))]
    for name, hist in result.histograms.items():
        d["hist:" + name] = [h(hist.counts), h(hist.edges)]
    return d


def _cpu_vendor():
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("vendor_id")), "")


# MKL's matrix products (the fully connected layers) add in an order that depends on the CPU
# maker, not only its instruction set: elsewhere only what the convolutions make is compared.
FC_DERIVED = ("fc6", "relu6", "fc7", "relu7", "fc8")


def _without_fc(digest):
    kept = {key: value for key, value in digest.items() if key.split(":")[-1] not in FC_DERIVED}
    kept["top5"] = [index for index, _ in digest["top5"]]
    return kept


@pytest.mark.parametrize("case", sorted(CASES))
def test_bit_identical_to_the_engine_before_issue_17(engine, frame, case):
    recorded = json.loads(DIGEST.read_text())
    here = (torch.__version__, platform.machine(), torch.backends.cpu.get_cpu_capability())
    if here != (recorded["torch"], recorded["machine"], recorded["cpu_capability"]):
        pytest.skip(f"digest recorded with {recorded['torch']} on {recorded['cpu_capability']}, not {here}")
    # That engine made every focus layer's histogram: today's does while the Statistics view is shown.
    got = json.loads(json.dumps(_digest(engine.process(frame, dataclasses.replace(CASES[case], statistics=True)))))
    if _cpu_vendor() == recorded["cpu_vendor"]:
        assert got == recorded["cases"][case]
    else:
        assert _without_fc(got) == _without_fc(recorded["cases"][case])


def test_a_redraw_reduces_only_what_the_result_lacks(engine, frame, monkeypatch):
    """Every layer's statistics were made with the frame (the Statistics view is shown): a
    layer change on the still picture reduces the new layer alone and keeps the rest."""
    from alexnet_viewer.core.frame import rerender

    shown = engine.process(frame, FrameRequest(focus_layers=("conv1",), statistics=True))
    reduced = []
    real = rerender.summarise
    monkeypatch.setattr(rerender, "summarise", lambda buffer, plan, relu_off, spread=True: reduced.append(plan.names)
                        or real(buffer, plan, relu_off, spread))
    redrawn = engine.rerender(shown, FrameRequest(focus_layers=("conv3",), statistics=True))
    assert reduced == [("conv3",)]
    assert all(redrawn.stats.known[name] is shown.stats.known[name] for name in LAYER_NAMES if name != "conv3")
    assert_same_views(redrawn, engine.process(frame, FrameRequest(focus_layers=("conv3",), statistics=True)), ("conv3",))


def test_without_the_statistics_view_a_frame_makes_no_histogram_and_no_spread(engine, frame, monkeypatch):
    """std and zero fraction (only the Statistics view shows them) are reduced when first
    read, once, from the kept activations: the values a frame with statistics makes."""
    from alexnet_viewer.core.frame import rerender

    lean = engine.process(frame, FrameRequest(focus_layers=("relu2", "fc7")))
    assert lean.histograms == {} and set(lean.mosaics) == {"relu2", "fc7"}
    full = engine.process(frame, FrameRequest(focus_layers=("relu2", "fc7"), statistics=True)).stats["relu2"]
    reduced = []
    real = rerender.summarise
    monkeypatch.setattr(rerender, "summarise", lambda buffer, plan, relu_off, spread=True: reduced.append(plan.names)
                        or real(buffer, plan, relu_off, spread))
    stats = lean.stats.known["relu2"]
    assert callable(stats.spread) and reduced == []
    assert (stats.std, stats.zero_fraction) == (full.std, full.zero_fraction) and full.zero_fraction > 0
    assert (stats.std, stats.zero_fraction) == (full.std, full.zero_fraction)
    assert reduced == [("relu2",)]  # one reduction of that layer alone, kept
