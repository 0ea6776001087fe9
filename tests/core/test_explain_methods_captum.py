"""Saliency, gradient x input, SmoothGrad, Integrated Gradients and LRP-epsilon equal Captum's."""

import warnings

import numpy as np
import pytest
import torch

captum_attr = pytest.importorskip("captum.attr", reason="captum is not installed (pip install -e '.[test]')")

from alexnet_viewer.core.explain.methods import Settings  # noqa: E402
from tests.core.methods_helpers import assert_same, method_setup  # noqa: E402


@pytest.fixture(scope="module")
def setup(loaded_model):
    return method_setup(loaded_model)


def captum(method, batch, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return method.attribute(batch.clone().requires_grad_(True), **kwargs)[0].detach().numpy()


def test_saliency_is_the_signed_gradient(setup):
    runner, batch, reference, top1 = setup
    theirs = captum(captum_attr.Saliency(reference), batch, target=top1, abs=False)
    assert_same(runner.run("saliency", batch, top1), theirs)


def test_gradient_times_input_of_another_class(setup):
    runner, batch, reference, _ = setup
    theirs = captum(captum_attr.InputXGradient(reference), batch, target=281)
    assert_same(runner.run("grad_x_input", batch, 281), theirs)


def test_smoothgrad_equals_noise_tunnel_with_the_same_seeded_noise(setup):
    runner, batch, reference, top1 = setup
    settings = Settings(samples=7, noise=0.15, seed=3, chunk=3)
    sigma = 0.15 * float(batch.max() - batch.min())
    torch.manual_seed(3)
    theirs = captum(captum_attr.NoiseTunnel(captum_attr.Saliency(reference)), batch, target=top1, abs=False,
                    nt_type="smoothgrad", nt_samples=7, nt_samples_batch_size=3, stdevs=sigma)
    partials = []
    ours = runner.run("smoothgrad", batch, top1, settings=settings, partial=lambda m, done, total: partials.append(done))
    assert_same(ours, theirs)
    assert partials == [3, 6]  # a running mean after every chunk but the last
    assert not np.allclose(ours, runner.run("saliency", batch, top1), atol=1e-3 * float(np.abs(ours).max()))


def test_smoothgrad_without_noise_is_saliency(setup):
    runner, batch, _, top1 = setup
    ours = runner.run("smoothgrad", batch, top1, settings=Settings(samples=4, noise=0.0, chunk=2))
    assert_same(ours, runner.run("saliency", batch, top1))


def test_integrated_gradients_equals_captum_gauss_legendre(setup):
    runner, batch, reference, top1 = setup
    theirs = captum(captum_attr.IntegratedGradients(reference), batch, target=top1, n_steps=50, internal_batch_size=25)
    estimates = []
    ours = runner.run("integrated_gradients", batch, top1, settings=Settings(steps=50, chunk=10),
                      partial=lambda m, done, total: estimates.append((done, m)))
    assert_same(ours, theirs)
    assert [done for done, _ in estimates] == [10, 20, 30, 40]
    # interleaved chunks: even the first partial sum spans the whole path
    first = estimates[0][1]
    assert np.corrcoef(first.ravel(), ours.ravel())[0, 1] > 0.9


def test_lrp_epsilon_equals_captum_lrp_default_rules(setup):
    runner, batch, reference, top1 = setup
    theirs = captum(captum_attr.LRP(reference), batch, target=top1)
    assert_same(runner.run("lrp_epsilon", batch, top1), theirs)
