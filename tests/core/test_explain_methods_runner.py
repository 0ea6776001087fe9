"""MethodRunner: any method by name, cancellable between chunks, bad requests in one sentence."""

import numpy as np
import pytest

from alexnet_viewer.core.explain import ExplainCancelled
from alexnet_viewer.core.explain.methods import Settings
from tests.core.methods_helpers import method_setup


@pytest.fixture(scope="module")
def setup(loaded_model):
    return method_setup(loaded_model)


@pytest.mark.parametrize(("name", "layer"), [("smoothgrad", "relu5"), ("integrated_gradients", "relu5"), ("scorecam", "conv1")])
def test_long_methods_stop_when_cancelled(setup, name, layer):
    runner, batch, _, top1 = setup
    seen = []
    with pytest.raises(ExplainCancelled, match="was cancelled"):
        runner.run(name, batch, top1, layer, Settings(samples=6, steps=6, chunk=2, mask_batch=16),
                   progress=lambda done, total: seen.append(done), cancelled=lambda: bool(seen))
    assert len(seen) == 1  # stopped after the first chunk


def test_the_existing_methods_run_by_name_too(setup):
    runner, batch, _, top1 = setup
    expected = runner.explainer.class_maps(batch, top1, "conv4", ("gradcam",))["gradcam"]
    np.testing.assert_array_equal(runner.run("gradcam", batch, top1, "conv4"), expected)
    drop = runner.run("occlusion", batch, top1, settings=Settings(window=112, stride=112))
    assert drop.shape == (2, 2) and drop.dtype == np.float32


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [("nope", {}, "Unknown explanation method 'nope'"),
     ("layercam", {"layer": "fc6"}, "Layer-CAM needs a conv, relu or pool layer, not 'fc6'"),
     ("saliency", {"class_index": 1000}, "class index 1000 is out of range 0..999")],
)
def test_bad_requests_are_one_sentence(setup, name, kwargs, message):
    runner, batch, _, _ = setup
    with pytest.raises(ValueError, match=message):
        runner.run(name, batch, kwargs.pop("class_index", 0), **kwargs)
