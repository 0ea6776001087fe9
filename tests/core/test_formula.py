"""The formula view's arithmetic: each sum equals the value the engine's map shows."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.inspect.formula import (
    cell_formula,
    conv_formula,
    normalised_input,
    pool_formula,
)
from alexnet_viewer.core.frame.preprocess import Preprocessor


@pytest.fixture(scope="module")
def result(engine, frame):
    return engine.process(frame)


def test_normalised_input_is_the_engines_batch(engine, result, frame):
    batch, _ = Preprocessor(engine.loaded.transforms, engine.loaded.device)(frame)
    assert np.array_equal(normalised_input(engine.loaded, result), batch[0].numpy())


@pytest.mark.parametrize("channel, y, x", [(0, 0, 0), (5, 54, 54), (63, 20, 31), (17, 0, 40)])
def test_conv1_cell(engine, result, channel, y, x):
    formula = conv_formula(engine.loaded, result, "conv1", channel, y, x)
    assert formula.patch.shape == formula.kernel.shape == formula.product.shape == (3, 11, 11)
    assert formula.input_layer == "input" and formula.rows == (4 * y - 2, 4 * y + 9)
    np.testing.assert_array_equal(formula.product, formula.kernel.astype(np.float64) * formula.patch)
    assert formula.total + formula.bias == pytest.approx(formula.value, abs=1e-9)
    assert formula.value == pytest.approx(float(result.activations["conv1"][channel, y, x]), abs=1e-4)
    assert formula.relu == pytest.approx(float(result.activations["relu1"][channel, y, x]), abs=1e-4)
    # Zero in the padding, the normalised crop inside.
    assert not formula.patch[:, ~formula.inside].any()
    top, left = max(formula.rows[0], 0), max(formula.cols[0], 0)
    crop = normalised_input(engine.loaded, result)
    inside = formula.patch[:, formula.inside].reshape(3, -1)
    window = crop[:, top : formula.rows[1], left : formula.cols[1]].reshape(3, -1)
    np.testing.assert_array_equal(inside, window)
    assert formula.inside.all() == (formula.rows[0] >= 0 and formula.cols[0] >= 0 and y < 54 and x < 54)


@pytest.mark.parametrize(
    "layer, channel, y, x", [("conv3", 7, 6, 6), ("conv3", 383, 0, 12), ("conv2", 100, 26, 0), ("conv5", 3, 12, 12)]
)
def test_deeper_conv_cell(engine, result, layer, channel, y, x):
    formula = conv_formula(engine.loaded, result, layer, channel, y, x)
    expected = float(result.activations[layer][channel, y, x])
    assert formula.value == pytest.approx(expected, abs=1e-4, rel=1e-4)
    assert len(formula.contributions) == len(formula.input_channels) == result.activations[formula.input_layer].shape[0]
    top = formula.top(5)
    assert len(top) == 5
    assert [abs(v) for _, v in top] == sorted((abs(v) for _, v in top), reverse=True)
    assert abs(top[-1][1]) >= np.sort(np.abs(formula.contributions))[-5]
    assert sum(v for _, v in top) + formula.rest(5) + formula.bias == pytest.approx(formula.value, abs=1e-9)
    # A channel's contribution is its own window sum, by direct convolution of that channel.
    module = engine.loaded.model.features[{"conv2": 3, "conv3": 6, "conv5": 10}[layer]]
    source = torch.from_numpy(np.array(result.activations[formula.input_layer]))[None].double()
    channel_in = top[0][0]
    alone = torch.nn.functional.conv2d(
        source[:, channel_in : channel_in + 1],
        module.weight.detach()[channel : channel + 1, channel_in : channel_in + 1].double(),
        padding=module.padding,
    )
    assert float(alone[0, 0, y, x]) == pytest.approx(top[0][1], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "layer, channel, y, x", [("pool2", 10, 5, 7), ("pool2", 191, 12, 12), ("pool1", 0, 0, 0), ("pool5", 255, 5, 5)]
)
def test_pool_cell(engine, result, layer, channel, y, x):
    formula = pool_formula(engine.loaded, result, layer, channel, y, x)
    assert formula.window.shape == (3, 3)
    assert formula.value == float(result.activations[layer][channel, y, x])  # a max is exact
    assert formula.window[formula.argmax] == formula.value == formula.window.max()
    ay, ax = formula.rows[0] + formula.argmax[0], formula.cols[0] + formula.argmax[1]  # in the input map
    assert result.activations[formula.input_layer][channel, ay, ax] == formula.value
    assert formula.rows == (2 * y, 2 * y + 3)


def test_dispatch_and_bad_cells(engine, result):
    assert type(cell_formula(engine.loaded, result, "pool5", 0, 0, 0)).__name__ == "PoolFormula"
    assert type(cell_formula(engine.loaded, result, "conv4", 0, 0, 0)).__name__ == "ConvFormula"
    for call, words in [
        (lambda: cell_formula(engine.loaded, result, "relu3", 0, 0, 0), "no formula"),
        (lambda: cell_formula(engine.loaded, result, "fc6", 0, 0, 0), "no formula"),
        (lambda: conv_formula(engine.loaded, result, "pool1", 0, 0, 0), "not a convolution"),
        (lambda: pool_formula(engine.loaded, result, "conv1", 0, 0, 0), "not a max pool"),
        (lambda: conv_formula(engine.loaded, result, "conv1", 64, 0, 0), "64 cells along channel"),
        (lambda: conv_formula(engine.loaded, result, "conv1", 0, 55, 0), "55 cells along y"),
        (lambda: pool_formula(engine.loaded, result, "pool5", 0, 0, -1), "6 cells along x"),
    ]:
        with pytest.raises(ValueError, match=words):
            call()
