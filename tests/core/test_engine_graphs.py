"""The CUDA-graph frame path (core/frame/graphs.py) on the CPU, with a stand-in recorder.

The stand-in replays by running the recorded body again into the same output tensor, as a
graph writes the same memory on every replay: so these tests check which frames replay,
that replayed Results are bit for bit the eager ones, and that a Result never shares memory
with the static output the next replay overwrites. tests/gpu records real graphs.
"""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.frame.engine import Engine, FrameRequest
from alexnet_viewer.core.frame.graphs import FrameGraphs
from tests.gpu.compare import sample_pictures


def replaying_capture(body):
    output, meta = body()

    def replay():
        output.copy_(body()[0])

    return replay, output, meta


@pytest.fixture(scope="module")
def graphed(loaded_model):
    engine = Engine(loaded_model, float_resize=True, packed_transfer=True, graphs=replaying_capture)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def eager(loaded_model):
    engine = Engine(loaded_model, float_resize=True, packed_transfer=True, graphs=False)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def pictures(frame):
    return [frame] + [image for _, image in sample_pictures(limit=2)]


def assert_identical(expected, actual):
    assert [(p.index, p.probability) for p in actual.top5] == [(p.index, p.probability) for p in expected.top5]
    np.testing.assert_array_equal(actual.crop, expected.crop)
    assert set(actual.activations) == set(expected.activations)
    for name, values in expected.activations.items():
        np.testing.assert_array_equal(actual.activations[name], values, err_msg=name)
    assert set(actual.mosaics) == set(expected.mosaics) and set(actual.histograms) == set(expected.histograms)
    for name, mosaic in expected.mosaics.items():
        np.testing.assert_array_equal(actual.mosaics[name].image, mosaic.image, err_msg=name)
        assert (actual.mosaics[name].order, actual.mosaics[name].gap) == (mosaic.order, mosaic.gap)
    for name, histogram in expected.histograms.items():
        np.testing.assert_array_equal(actual.histograms[name].counts, histogram.counts, err_msg=name)
    for name, stats in expected.stats.items():
        assert (actual.stats[name].mean, actual.stats[name].max, actual.stats[name].std) == (
            stats.mean, stats.max, stats.std), name


def test_a_repeated_request_replays_and_gives_the_eager_results_bit_for_bit(graphed, eager, pictures):
    graphed.graphs.clear()
    request = FrameRequest(focus_layers=("conv2", "fc7"), channel_order="mean", statistics=True)
    recorded, replayed = graphed.graphs.recorded, graphed.graphs.replayed
    results = []
    for image in pictures + pictures[:1]:
        result = graphed.process(image, request)
        assert_identical(eager.process(image, request), result)
        results.append((result, result.mosaics["conv2"].image.copy(), np.array(result.activations["fc7"])))
    # First frame eager (a shape seen once), the second recorded and replayed, then replays only.
    assert graphed.graphs.recorded - recorded == 1
    assert graphed.graphs.replayed - replayed == len(pictures)
    # Every Result kept its own values while later replays overwrote the static output.
    for result, mosaic, fc7 in results:
        np.testing.assert_array_equal(result.mosaics["conv2"].image, mosaic)
        np.testing.assert_array_equal(result.activations["fc7"], fc7)
    assert not np.array_equal(results[0][2], results[1][2])  # the pictures did differ


def test_ablations_and_timings_run_eagerly(graphed, eager, frame):
    graphed.graphs.clear()
    plain = FrameRequest(focus_layers=("conv5",))
    for request in (FrameRequest(focus_layers=("conv5",), ablations=(("conv5", (0, 3)),)),
                    FrameRequest(focus_layers=("conv5",), timings=True)):
        before = graphed.graphs.replayed
        for _ in range(3):
            result = graphed.process(frame, request)
        assert graphed.graphs.replayed == before
        assert_identical(eager.process(frame, request), result)
    graphed.process(frame, plain)
    ablated = graphed.process(frame, FrameRequest(focus_layers=("conv5",), ablations=(("conv5", (0, 3)),)))
    assert not ablated.activations["relu5"][[0, 3]].any()  # the ablation was applied, not a replay
    assert graphed.process(frame, FrameRequest(focus_layers=("conv5",), timings=True)).timings_ms.get("forward") is not None


def test_a_new_request_shape_is_recorded_on_its_second_frame(graphed, frame):
    graphs = graphed.graphs
    graphs.clear()
    first, second = FrameRequest(focus_layers=("conv1",)), FrameRequest(focus_layers=("conv3",))
    counts = []
    for request in (first, first, second, first, second, second, first, first):
        graphed.process(frame, request)
        counts.append((graphs.recorded, graphs.replayed))
    recorded0, replayed0 = counts[0]
    steps = [(r - recorded0, p - replayed0) for r, p in counts]
    # A shape records on its second frame in a row (not on a frame after another shape's);
    # once recorded it replays whenever it comes back.
    assert steps == [(0, 0), (1, 1), (1, 1), (1, 2), (1, 2), (2, 3), (2, 4), (2, 5)]


def test_the_least_recently_used_graphs_are_dropped():
    graphs = FrameGraphs(replaying_capture, max_graphs=2)
    value = torch.zeros(3)

    def body(x):
        return x * 2, "meta"

    outcomes = []
    for key in ("a", "a", "b", "b", "c", "c"):
        value = value + 1
        outcome = graphs.run(key, (value,), body, torch.Tensor.clone)
        outcomes.append(outcome is not None)
        if outcome is not None:
            torch.testing.assert_close(outcome[0], value * 2)
            assert outcome[1] == "meta"
    assert outcomes == [False, True] * 3
    assert graphs.recorded == 3 and graphs.replayed == 3
    assert graphs.run("a", (value,), body, torch.Tensor.clone) is None  # "a" was dropped: eager again
    assert graphs.run("a", (value,), body, torch.Tensor.clone) is not None
    assert graphs.recorded == 4


def test_a_recording_that_fails_leaves_every_frame_to_run_eagerly(loaded_model, eager, frame):
    attempts = []

    def failing_capture(body):
        attempts.append(1)
        body()  # a warm-up ran, then the driver refused
        raise RuntimeError("operation not permitted when stream is capturing")

    engine = Engine(loaded_model, float_resize=True, packed_transfer=True, graphs=failing_capture)
    request = FrameRequest(focus_layers=("conv2",))
    try:
        for _ in range(4):
            assert_identical(eager.process(frame, request), engine.process(frame, request))
        assert attempts == [1] and "operation not permitted" in engine.graphs.failed
        assert engine.graphs.recorded == engine.graphs.replayed == 0
    finally:
        engine.close()
