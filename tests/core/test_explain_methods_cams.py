"""Grad-CAM++, Layer-CAM and Score-CAM equal pytorch-grad-cam's, at the layer's resolution
(its final upsampling and min-max scaling switched off), at conv, relu and pool layers."""

import copy

import numpy as np
import pytest

pytest.importorskip("pytorch_grad_cam", reason="grad-cam is not installed (pip install -e '.[test]')")

import pytorch_grad_cam  # noqa: E402
import pytorch_grad_cam.base_cam as base_cam  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402

from alexnet_viewer.core.explain.methods import Settings  # noqa: E402
from alexnet_viewer.core.frame.hooks import layer_module  # noqa: E402
from tests.core.methods_helpers import assert_same, method_setup  # noqa: E402


@pytest.fixture(scope="module")
def setup(loaded_model):
    return method_setup(loaded_model)


def reference_cam(monkeypatch, cls, reference, layer, batch, target):
    monkeypatch.setattr(base_cam, "scale_cam_image", lambda cam, target_size=None: cam)  # the layer's own grid
    model = copy.deepcopy(reference).requires_grad_(True)  # it backpropagates to the weights' graph
    cam = cls(model=model, target_layers=[layer_module(model, layer)])
    if hasattr(cam, "batch_size"):
        cam.batch_size = 16
    return np.asarray(cam(input_tensor=batch, targets=[ClassifierOutputTarget(target)]))[0]


@pytest.mark.parametrize("layer", ["conv5", "relu4", "pool2"])
@pytest.mark.parametrize(("method", "cls"), [("gradcam_pp", "GradCAMPlusPlus"), ("layercam", "LayerCAM")])
def test_gradient_cams_equal_pytorch_grad_cam(setup, monkeypatch, layer, method, cls):
    runner, batch, reference, top1 = setup
    theirs = reference_cam(monkeypatch, getattr(pytorch_grad_cam, cls), reference, layer, batch, top1)
    ours = runner.run(method, batch, top1, layer)
    assert ours.shape == runner.explainer.layer_shape(layer)[1:]
    assert_same(ours, theirs)


@pytest.mark.parametrize("layer", ["conv1", "pool5"])
def test_scorecam_equals_pytorch_grad_cam(setup, monkeypatch, layer):
    runner, batch, reference, _ = setup
    theirs = reference_cam(monkeypatch, pytorch_grad_cam.ScoreCAM, reference, layer, batch, 9)
    seen = []
    ours = runner.run("scorecam", batch, 9, layer, Settings(mask_batch=48), progress=lambda done, total: seen.append((done, total)))
    assert_same(ours, theirs)
    channels = runner.layer_channels(layer)
    assert seen[-1] == (channels, channels) and len(seen) == -(-channels // 48)
    assert runner.price("scorecam", layer=layer).forwards == channels + 1
