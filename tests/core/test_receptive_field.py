"""Receptive fields against a brute-force look at which crop pixels reach a unit."""

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.models import alexnet

from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS, SPATIAL_LAYERS
from alexnet_viewer.core.inspect.receptive_field import (
    cells_seeing,
    geometry_table,
    layer_geometry,
    receptive_field,
)

CROP = 224


@pytest.fixture(scope="module")
def linear_features():
    """AlexNet's feature stack made linear: float64, ReLU → identity, max pool → average pool.

    A linear map depends on an input pixel exactly when perturbing that pixel changes it, and
    max and average pooling over the same window see the same pixels.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        features = alexnet(weights=None).features
    layers = []
    for module in features:
        if isinstance(module, nn.ReLU):
            module = nn.Identity()
        elif isinstance(module, nn.MaxPool2d):
            module = nn.AvgPool2d(module.kernel_size, module.stride, module.padding)
        layers.append(module)
    return nn.Sequential(*layers).double().eval()


def _up_to(features: nn.Sequential, layer: str) -> nn.Sequential:
    return features[: MODULE_LOCATIONS[layer][1] + 1]


def _pixels_reaching(features, layer, y, x) -> np.ndarray:
    """(224, 224) bool: the crop pixels whose value changes unit (channel 0, y, x)."""
    image = torch.randn(1, 3, CROP, CROP, dtype=torch.float64, requires_grad=True)
    out = _up_to(features, layer)(image)
    (grad,) = torch.autograd.grad(out[0, 0, y, x], image)
    return (grad[0] != 0).any(dim=0).numpy()


def _box_mask(layer, y, x) -> np.ndarray:
    top, left, bottom, right = receptive_field(layer, y, x).clipped()
    mask = np.zeros((CROP, CROP), bool)
    mask[top:bottom, left:right] = True
    return mask


def test_documented_figures():
    assert layer_geometry("conv1") == (11, 4, 3.5)
    assert layer_geometry("relu1") == (11, 4, 3.5)
    assert layer_geometry("pool1") == (19, 8, 7.5)
    assert layer_geometry("pool2") == (67, 16, 15.5)
    assert layer_geometry("pool5") == (195, 32, 31.5)
    assert [geometry_table()[name].cells[0] for name in ("conv1", "pool1", "pool2", "pool5")] == [55, 27, 13, 6]


def test_field_of_a_unit():
    field = receptive_field("conv1", 0, 0)
    assert (field.size, field.stride, field.centre) == (11, 4, (3.5, 3.5))
    assert field.box == (-2.0, -2.0, 9.0, 9.0)
    assert field.clipped() == (0, 0, 9, 9)
    field = receptive_field("pool5", 5, 2)
    assert field.centre == (31.5 + 5 * 32, 31.5 + 2 * 32)
    assert field.box == (191.5 - 97.5, 95.5 - 97.5, 191.5 + 97.5, 95.5 + 97.5)
    assert field.clipped() == (94, 0, 224, 193)
    assert receptive_field("conv3", np.int64(3), 4).y == 3  # numpy indices are fine


@pytest.mark.parametrize(
    "layer, y, x",
    [
        ("conv1", 0, 0),
        ("conv1", 54, 54),
        ("conv1", 20, 31),
        ("relu1", 7, 0),
        ("pool1", 0, 26),
        ("pool1", 13, 13),
        ("conv2", 3, 25),
        ("pool2", 12, 0),
        ("conv3", 6, 6),
        ("conv5", 0, 12),
        ("pool5", 0, 0),
        ("pool5", 5, 5),
        ("pool5", 2, 3),
    ],
)
def test_box_is_exactly_the_pixels_that_reach_the_unit(linear_features, layer, y, x):
    reached = _pixels_reaching(linear_features, layer, y, x)
    np.testing.assert_array_equal(reached, _box_mask(layer, y, x))


def test_perturbing_pixels_at_the_box_edge(linear_features):
    """Perturb single pixels just inside and just outside a conv2 unit's box."""
    layer, y, x = "conv2", 10, 14
    top, left, bottom, right = receptive_field(layer, y, x).clipped()
    inside = [(top, left), (bottom - 1, right - 1), (top, right - 1), (bottom - 1, left)]
    outside = [(top - 1, left), (bottom, right - 1), (top, left - 1), (bottom - 1, right)]
    base = torch.randn(1, 3, CROP, CROP, dtype=torch.float64)
    batch = base.repeat(len(inside) + len(outside) + 1, 1, 1, 1)
    for k, (py, px) in enumerate(inside + outside, start=1):
        batch[k, :, py, px] += 1.0
    with torch.no_grad():
        unit = _up_to(linear_features, layer)(batch)[:, 0, y, x]
    changed = (unit[1:] != unit[0]).tolist()
    assert changed == [True] * len(inside) + [False] * len(outside)


def test_every_layer_matches_the_real_map_size(loaded_model):
    table = geometry_table(loaded_model.model)
    shapes = {}

    def keep(name):
        def hook(_module, _inputs, output):
            shapes[name] = tuple(output.shape[-2:])

        return hook

    hooks = [layer_module(loaded_model.model, name).register_forward_hook(keep(name)) for name in SPATIAL_LAYERS]
    try:
        with torch.no_grad():
            loaded_model.model(torch.zeros(1, 3, CROP, CROP))
    finally:
        for hook in hooks:
            hook.remove()
    assert {name: geometry.cells for name, geometry in table.items()} == shapes
    assert table == geometry_table()  # the model's table equals the structure-only one


def _covering(layer, axis, point):
    """Brute force: the cells along one axis whose field holds the point."""
    count = geometry_table()[layer].cells[axis]
    fields = [receptive_field(layer, i, i).box for i in range(count)]
    return [i for i, box in enumerate(fields) if box[axis] <= point < box[axis + 2]]


def test_cells_seeing_is_the_inverse_of_receptive_field():
    for layer in ("conv1", "pool1", "pool2", "pool5"):
        rows, cols = geometry_table()[layer].cells
        for py in (0.0, 0.5, 3.99, 9.0, 100.25, 223.5, 223.99):
            px = 223.99 - py
            seen_rows, seen_cols = cells_seeing(layer, py, px)
            assert list(range(rows)[seen_rows]) == _covering(layer, 0, py)
            assert list(range(cols)[seen_cols]) == _covering(layer, 1, px)
            assert seen_rows.stop > seen_rows.start and seen_cols.stop > seen_cols.start  # always seen


def test_cells_seeing_edges():
    # conv1 cell 0 covers [-2, 9), cell 1 [2, 13): 9.0 is outside cell 0 (exclusive end).
    assert cells_seeing("conv1", 9.0, 1.99) == (slice(1, 3), slice(0, 1))
    assert cells_seeing("conv1", 8.99, 2.0) == (slice(0, 3), slice(0, 2))


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: receptive_field("conv9", 0, 0), "unknown layer"),
        (lambda: receptive_field("fc6", 0, 0), "fully connected"),
        (lambda: layer_geometry("fc8"), "fully connected"),
        (lambda: receptive_field("conv1", 55, 0), "55 cells along y"),
        (lambda: receptive_field("pool5", 0, -1), "6 cells along x"),
        (lambda: receptive_field("pool5", 0, 1.5), "6 cells along x"),
        (lambda: receptive_field("pool5", True, 0), "6 cells along y"),
        (lambda: cells_seeing("conv1", 224.0, 3), "outside the 224×224 crop"),
        (lambda: cells_seeing("conv1", 3, -0.1), "outside the 224×224 crop"),
    ],
)
def test_bad_input_is_a_sentence(call, words):
    with pytest.raises(ValueError, match=words):
        call()
