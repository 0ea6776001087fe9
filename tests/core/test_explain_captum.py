"""Every explanation equals Captum's on a copy of the same network (inplace=False ReLUs).

Seeded random weights and a bundled photo. Random AlexNet's gradients are tiny (about 1e-5),
so the tolerance is 1e-5 of the reference map's largest magnitude, plus a relative 1e-5.
"""

import copy
import warnings

import numpy as np
import pytest
import torch

captum_attr = pytest.importorskip(
    "captum.attr", reason="captum is not installed (pip install -e '.[test]' brings it)"
)

from alexnet_viewer.core.explain import Explainer  # noqa: E402
from alexnet_viewer.core.frame.hooks import layer_module  # noqa: E402
from alexnet_viewer.core.pictures.images import image_to_array, load_image  # noqa: E402
from alexnet_viewer.core.frame.preprocess import Preprocessor  # noqa: E402
from alexnet_viewer.core.pictures.samples import list_samples  # noqa: E402


@pytest.fixture(scope="module")
def setup(loaded_model):
    picture = image_to_array(load_image(list_samples()[0][1]))
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(picture)
    reference = copy.deepcopy(loaded_model.model).requires_grad_(False)  # faster; same maps
    for module in reference.modules():
        if isinstance(module, torch.nn.ReLU):
            module.inplace = False
    with torch.no_grad():
        top1 = int(reference(batch).argmax())
    return Explainer(loaded_model), batch, reference, top1


def captum(method, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Setting backward hooks on ReLU activations"
        return method.attribute(*args, **kwargs)[0].detach().numpy()


def assert_same(ours, theirs):
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    scale = float(np.abs(theirs).max())
    assert scale > 0, "the reference map is all zero: the comparison would prove nothing"
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * scale)


def needs_grad(batch):
    return batch.clone().requires_grad_(True)


@pytest.mark.parametrize("layer", ["relu5", "conv5", "pool2"])
def test_gradcam_equals_captum_layer_gradcam(setup, layer):
    explainer, batch, reference, top1 = setup
    theirs = captum(captum_attr.LayerGradCam(reference, layer_module(reference, layer)), needs_grad(batch), top1, relu_attributions=True)
    assert_same(explainer.gradcam(batch, top1, layer), theirs[0])


def test_guided_backprop_equals_captum(setup):
    explainer, batch, reference, top1 = setup
    theirs = captum(captum_attr.GuidedBackprop(reference), needs_grad(batch), top1)
    assert_same(explainer.guided_backprop(batch, top1), theirs)


def test_deconv_equals_captum_deconvolution(setup):
    explainer, batch, reference, top1 = setup
    theirs = captum(captum_attr.Deconvolution(reference), needs_grad(batch), top1)
    assert_same(explainer.deconv(batch, top1), theirs)


def test_guided_gradcam_equals_captum_with_bilinear_upsampling(setup):
    explainer, batch, reference, top1 = setup
    method = captum_attr.GuidedGradCam(reference, layer_module(reference, "relu5"))
    theirs = captum(method, needs_grad(batch), top1, interpolate_mode="bilinear")
    assert_same(explainer.guided_gradcam(batch, top1), theirs)


@pytest.mark.parametrize(
    ("layer", "method", "captum_class"),
    [("conv5", "guided_backprop", "NeuronGuidedBackprop"), ("relu3", "deconv", "NeuronDeconvolution")],
)
def test_one_neuron_equals_captum_neuron_methods(setup, layer, method, captum_class):
    explainer, batch, reference, _ = setup
    unit = (12, 5, 6)
    theirs = captum(getattr(captum_attr, captum_class)(reference, layer_module(reference, layer)), needs_grad(batch), unit)
    assert_same(explainer.unit_map(batch, layer, *unit, method=method), theirs)


@pytest.mark.parametrize(("layer", "method"), [("conv4", "guided_backprop"), ("pool5", "deconv")])
def test_channel_seeded_with_its_own_activation_equals_captum(setup, layer, method):
    explainer, batch, reference, _ = setup
    captum_class = captum_attr.NeuronGuidedBackprop if method == "guided_backprop" else captum_attr.NeuronDeconvolution
    energy = lambda out: 0.5 * (out[:, 7] ** 2).sum(dim=(1, 2))  # noqa: E731
    theirs = captum(captum_class(reference, layer_module(reference, layer)), needs_grad(batch), energy)
    assert_same(explainer.unit_map(batch, layer, 7, method=method), theirs)

