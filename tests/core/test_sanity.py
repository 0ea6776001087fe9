"""The randomisation sanity check: a private cascade from fc8 down, seeded, the engine untouched,
Spearman rank correlations (1 for the original, None for a flat map), progress and cancel."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.explain import ExplainCancelled, Explainer
from alexnet_viewer.core.explain.sanity import (
    CASCADE, MAP_METHODS, ORIGINAL, check_method, importance, own_copy, randomise_layer, sanity_check, spearman,
)
from alexnet_viewer.core.frame.preprocess import Preprocessor


@pytest.fixture(scope="module")
def batch(loaded_model, frame):
    return Preprocessor(loaded_model.transforms, loaded_model.device)(frame)[0]


def test_spearman_ranks_ties_by_their_mean_and_a_flat_map_has_none():
    values = np.array([[0.0, 0.0], [1.0, 5.0]])
    assert spearman(values, values ** 3 + 7) == pytest.approx(1.0)
    assert spearman(values, -values) == pytest.approx(-1.0)
    assert spearman(values, np.array([[0.0, 1.0], [0.0, 5.0]])) == pytest.approx(0.5)  # scipy's tie rule
    assert spearman(values, np.zeros((2, 2))) is None


def test_spearman_equals_scipys_on_maps_with_many_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    a = np.maximum(rng.normal(size=(13, 13)), 0).astype(np.float32)  # a ReLU'd CAM: many zeros tie
    b = np.round(rng.normal(size=(13, 13)), 1).astype(np.float32) + a
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a.ravel(), b.ravel()).statistic, rel=1e-12)


def test_importance_sums_absolute_colours_of_an_input_map_and_keeps_a_cam():
    grad = np.array([[[1.0, -2.0]], [[-3.0, 0.5]], [[0.0, 0.5]]], np.float32)  # (3, 1, 2)
    np.testing.assert_array_equal(importance(grad), [[4.0, 3.0]])
    cam = np.array([[0.1, 0.2]], np.float32)
    np.testing.assert_array_equal(importance(cam), cam)


def test_the_cascade_randomises_top_down_and_leaves_the_engine_alone(loaded_model, batch):
    before = {name: value.clone() for name, value in loaded_model.model.state_dict().items()}
    seen = []
    row = sanity_check(loaded_model, batch, "gradcam", 3, "relu5", seed=1,
                       progress=lambda step, done, total: seen.append((step.randomised, done, total)))
    assert [step.randomised for step in row.steps] == [ORIGINAL, *CASCADE]
    assert seen == [(name, k + 1, len(CASCADE) + 1) for k, name in enumerate((ORIGINAL, *CASCADE))]
    assert row.steps[0].rho == 1.0
    np.testing.assert_array_equal(row.steps[0].map, Explainer(loaded_model).gradcam(batch, 3))
    assert all(step.rho is None or -1.0 <= step.rho < 0.99 for step in row.steps[1:])
    assert row.payload()["spearman"] == {step.randomised: step.rho for step in row.steps}
    for name, value in loaded_model.model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_the_cascade_is_seeded(loaded_model, batch):
    first = sanity_check(loaded_model, batch, "guided_backprop", 5, seed=4)
    again = sanity_check(loaded_model, batch, "guided_backprop", 5, seed=4)
    other = sanity_check(loaded_model, batch, "guided_backprop", 5, seed=5)
    for a, b in zip(first.steps, again.steps):
        np.testing.assert_array_equal(a.map, b.map)
    assert not np.array_equal(first.steps[-1].map, other.steps[-1].map)
    # the maps do change as the weights go: guided backprop less than one would like (Adebayo et al.)
    assert first.steps[-1].rho < first.steps[1].rho < 1.0


def test_randomising_a_layer_redraws_only_it_by_its_own_rule(loaded_model):
    model = own_copy(loaded_model.model)
    randomise_layer(model, "fc7", seed=3)
    fc7, original = model.classifier[4], loaded_model.model.classifier[4]
    assert not torch.equal(fc7.weight, original.weight)
    bound = 1 / np.sqrt(fc7.in_features)  # nn.Linear.reset_parameters: U(-1/sqrt(fan_in), ..)
    assert float(fc7.weight.abs().max()) <= bound and float(fc7.bias.abs().max()) <= bound
    assert torch.equal(model.classifier[6].weight, loaded_model.model.classifier[6].weight)
    assert torch.equal(model.features[0].weight, loaded_model.model.features[0].weight)


def test_cancel_stops_and_an_unknown_method_is_one_sentence(loaded_model, batch):
    with pytest.raises(ExplainCancelled):
        sanity_check(loaded_model, batch, "deconv", 1, cancelled=lambda: True)
    with pytest.raises(ValueError, match="choose one of gradcam"):
        check_method("lime")
    assert set(MAP_METHODS) >= {"gradcam", "guided_backprop", "deconv", "guided_gradcam"}


def test_a_method_joins_by_name_and_sees_the_private_copy_change(loaded_model, batch, monkeypatch):
    def fc8_row(loaded):  # a "map" that is fc8's weights for the class: only fc8's re-draw moves it
        weights = loaded.model.classifier[6].weight
        return lambda batch, index, layer: weights[index].detach().numpy().reshape(64, 64)

    monkeypatch.setitem(MAP_METHODS, "fc8_row", fc8_row)
    row = sanity_check(loaded_model, batch, "fc8_row", 3, seed=2)
    np.testing.assert_array_equal(row.steps[0].map, loaded_model.model.classifier[6].weight[3].detach().numpy().reshape(64, 64))
    assert row.steps[0].rho == 1.0 and abs(row.steps[1].rho) < 0.2
    assert all(step.rho == row.steps[1].rho for step in row.steps[2:])  # the layers below leave fc8 alone


@pytest.mark.parametrize("name", ["saliency", "layercam"])
def test_the_registrys_methods_join_the_cascade(loaded_model, batch, name):
    from alexnet_viewer.core.explain.methods import MethodRunner

    row = sanity_check(loaded_model, batch, name, 3, "relu5", seed=0)
    expected = MethodRunner(loaded_model).run(name, batch, 3, "relu5")
    np.testing.assert_allclose(row.steps[0].map, expected, rtol=1e-5, atol=1e-6 * float(np.abs(expected).max()))
    assert row.steps[0].rho == 1.0 and all(step.rho is None or step.rho < 0.999 for step in row.steps[1:])
