"""Invariance sweeps against brute force: one torchvision affine and one forward per step."""

import pytest
import torch
from torchvision.transforms.v2 import functional as F

from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.invariance import DEFAULT_SWEEPS, InvarianceCancelled, invariance
from alexnet_viewer.core.visualize.network import private_model


@pytest.fixture(scope="module")
def crop(loaded_model, frame):
    return Preprocessor(loaded_model.transforms, torch.device("cpu"))(frame)[0]


@pytest.fixture(scope="module")
def network(loaded_model):
    return Network(loaded_model.model, torch.device("cpu"), (1, 3, 224, 224))


def brute_force(model, batch, sweep, value, class_index):
    """(relu1, relu7 flattened, probability) of one step, by hand."""
    params = {"translation": dict(angle=0.0, translate=[0.0, value], scale=1.0),
              "scale": dict(angle=0.0, translate=[0.0, 0.0], scale=value),
              "rotation": dict(angle=value, translate=[0.0, 0.0], scale=1.0)}[sweep]
    identity = value == {"translation": 0.0, "scale": 1.0, "rotation": 0.0}[sweep]
    x = batch if identity else F.affine(batch, shear=[0.0, 0.0], interpolation=F.InterpolationMode.BILINEAR, fill=0.0, **params)
    with torch.inference_mode():
        relu1 = model.features[:2](x)
        relu7 = model.classifier[:6](torch.flatten(model.avgpool(model.features(x)), 1))
        probability = torch.softmax(model(x), dim=1)[0, class_index]
    return relu1.flatten(), relu7.flatten(), float(probability)


def test_sweeps_equal_brute_force(loaded_model, network, crop):
    sweeps = {"translation": (-40.0, 0.0, 25.0), "scale": (0.6, 1.0, 1.4), "rotation": (0.0, 45.0, 200.0)}
    found = invariance(network, crop, layers=("relu1", "relu7"), sweeps=sweeps, batch_size=4)
    model = private_model(loaded_model.model)
    with torch.inference_mode():
        top1 = int(model(crop).argmax())
    assert found.class_index == top1
    origin1, origin7, _ = brute_force(model, crop, "scale", 1.0, top1)
    for name, values in sweeps.items():
        sweep = found.sweeps[name]
        assert sweep.values == values
        for step, value in enumerate(values):
            relu1, relu7, probability = brute_force(model, crop, name, value, top1)
            for layer, features, origin in (("relu1", relu1, origin1), ("relu7", relu7, origin7)):
                expected = float(torch.linalg.vector_norm(features - origin))
                assert abs(sweep.distance[layer][step] - expected) <= 1e-4 * float(origin.norm()) + 1e-5 * expected
            assert sweep.probability[step] == pytest.approx(probability, rel=1e-4)
    assert found.sweeps["translation"].distance["relu7"][1] <= 1e-5 * float(origin7.norm())
    assert found.sweeps["rotation"].distance["relu1"][1] > 0


def test_defaults_hold_the_identity_and_a_chosen_class(network, crop):
    assert 0.0 in DEFAULT_SWEEPS["translation"] and 1.0 in DEFAULT_SWEEPS["scale"] and 0.0 in DEFAULT_SWEEPS["rotation"]
    assert min(DEFAULT_SWEEPS["translation"]) == -60 and max(DEFAULT_SWEEPS["translation"]) == 60
    assert max(DEFAULT_SWEEPS["rotation"]) == 360 and DEFAULT_SWEEPS["scale"][0] == 0.5 and DEFAULT_SWEEPS["scale"][-1] == 1.5
    seen = []
    found = invariance(network, crop, class_index=7, layers=("conv3",), sweeps={"rotation": (0.0, 90.0)},
                       progress=lambda done, total: seen.append((done, total)), batch_size=1)
    assert found.class_index == 7 and list(found.sweeps["rotation"].distance) == ["conv3"]
    assert seen == [(1, 2), (2, 2)]
    payload = found.to_json("tench")
    assert payload["class"] == 7 and payload["sweeps"]["rotation"]["values"] == [0.0, 90.0]


def test_cancel_and_bad_arguments(network, crop):
    with pytest.raises(InvarianceCancelled):
        invariance(network, crop, cancelled=lambda: True)
    with pytest.raises(ValueError, match="unknown layer"):
        invariance(network, crop, layers=("relu9",))
    with pytest.raises(ValueError, match="out of range"):
        invariance(network, crop, class_index=1000)
    with pytest.raises(ValueError, match="above 0"):
        invariance(network, crop, sweeps={"scale": (0.0, 1.0)})
