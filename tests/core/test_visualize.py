"""Activation maximisation: the parameterisation, the viewer's view, the private network,
the cache, cancelling, and the saved picture beating every bundled photo at least twice."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.samples import list_samples
from alexnet_viewer.core.visualize import (
    TargetError,
    VisualizeCancelled,
    cache,
    channel_count,
    parse_target,
    visualize,
)
from alexnet_viewer.core.visualize.network import RedirectedReLU, private_model, truncated
from alexnet_viewer.core.visualize.param import COLOUR_SQRT, FourierImage, frequency_scale
from alexnet_viewer.core.visualize.transforms import random_view
from alexnet_viewer.core.output_files import write_png

# Few steps keep the test fast; 48 are enough for these channels (default: 256).
FAST_STEPS = 48
# relu2:7 starts dead (every unit negative on the grey start): the redirected ReLU gets it going.
BEATEN = ("relu2:7", "relu3:10", "conv5:2", "fc8:281")


@pytest.fixture(scope="module")
def photos():
    return [image_to_array(load_image(path)) for _, path in list_samples()]


def test_colour_matrix_is_the_square_root_of_the_sample_photos_colour_covariance(photos):
    covariance = np.mean([np.cov(photo.reshape(-1, 3).T / 255.0) for photo in photos], axis=0)
    values, vectors = np.linalg.eigh(covariance)
    root = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    root /= np.linalg.norm(root, axis=0).max()
    np.testing.assert_allclose(np.array(COLOUR_SQRT), root, atol=1e-3)


def test_fourier_picture_starts_grey_inside_0_1_and_is_seeded():
    scale = frequency_scale(224, 224)
    assert scale.shape == (224, 113)
    assert float(scale[0, 0]) == pytest.approx(224) and float(scale[0, 1]) == pytest.approx(224)  # capped at 1/224
    assert float(scale[0, 112]) == pytest.approx(2.0)  # the Nyquist column: 1 / 0.5
    first = FourierImage(224, torch.Generator().manual_seed(1), torch.device("cpu")).picture()
    again = FourierImage(224, torch.Generator().manual_seed(1), torch.device("cpu")).picture()
    other = FourierImage(224, torch.Generator().manual_seed(2), torch.device("cpu")).picture()
    assert first.shape == (1, 3, 224, 224) and bool(((first > 0) & (first < 1)).all())
    assert abs(float(first.detach().mean()) - 0.5) < 0.02
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_viewer_view_is_what_the_preprocessor_makes_of_the_saved_picture(loaded_model):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    expected, crop = Preprocessor(loaded_model.transforms, torch.device("cpu"))(pixels)
    view = Preprocessor(loaded_model.transforms, torch.device("cpu"))
    mine = view.crop_float(torch.from_numpy(pixels).permute(2, 0, 1)[None].float() / 255)
    assert mine.shape == (1, 3, 224, 224)
    # The preprocessor resizes uint8 (rounded); the float path is within one level of 255.
    assert float((mine * 255 - crop.float()).abs().max()) <= 1.001
    assert float((view.normalise_float(mine) - expected).abs().max()) < 1.01 / 255 / min(loaded_model.transforms.std)


def test_random_view_moves_the_picture_and_fills_grey():
    grey = torch.full((1, 3, 64, 64), 0.5)
    assert torch.allclose(random_view(grey, torch.Generator().manual_seed(0)), grey, atol=1e-6)
    stripes = (torch.arange(64).float() % 8 < 4).float().expand(1, 3, 64, 64)
    first = random_view(stripes, torch.Generator().manual_seed(0))
    assert first.shape == stripes.shape and not torch.allclose(first, stripes, atol=0.05)
    assert torch.equal(first, random_view(stripes, torch.Generator().manual_seed(0)))


def test_parse_target_reads_layers_channels_and_class_names():
    categories = ("tench", "goldfish", "Tabby Cat")
    assert (parse_target("conv5:3", categories).layer, parse_target("conv5:3", categories).channel) == ("conv5", 3)
    assert parse_target(" FC8 : tabby cat", categories).channel == 2
    assert str(parse_target("fc8:1", categories)) == "fc8:1"
    for text, words in [
        ("conv9:1", "Unknown layer 'conv9'"),
        ("conv2:192", "conv2 has channels 0 to 191"),
        ("conv2:-1", "out of range"),
        ("conv2:tabby", "only goes with fc8"),
        ("fc8:doggo", "'doggo' is not one of the weights' categories"),
        ("conv5", "Expected LAYER:CHANNEL"),
    ]:
        with pytest.raises(TargetError, match=words):
            parse_target(text, categories)


def test_channel_counts_follow_the_network():
    assert [channel_count(name) for name in ("conv1", "relu2", "pool5", "conv3", "fc6", "relu7", "fc8")] == [
        64,
        192,
        256,
        384,
        4096,
        4096,
        1000,
    ]


def test_private_model_shares_frozen_weights_without_hooks_or_inplace_relus(loaded_model):
    flags = [p.requires_grad for p in loaded_model.model.parameters()]
    fired = []
    handle = loaded_model.model.features[10].register_forward_hook(lambda *args: fired.append(1))
    try:
        copy = private_model(loaded_model.model)
        cut = truncated(copy, "conv5")
        with torch.no_grad():
            out = cut(torch.zeros(1, 3, 224, 224))
    finally:
        handle.remove()
    assert fired == [] and out.shape == (1, 256, 13, 13)
    assert copy.features[0].weight.data_ptr() == loaded_model.model.features[0].weight.data_ptr()
    assert not any(p.requires_grad for p in copy.parameters())
    assert [p.requires_grad for p in loaded_model.model.parameters()] == flags  # the original is untouched
    assert not any(getattr(m, "inplace", False) for m in copy.modules())
    assert any(isinstance(m, RedirectedReLU) for m in private_model(loaded_model.model, redirect=True).modules())
    assert truncated(copy, "fc8")(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_redirected_relu_only_differs_when_the_whole_gradient_is_dead():
    x = torch.tensor([[-1.0, 2.0, -3.0]], requires_grad=True)
    y = RedirectedReLU()(x)
    assert torch.equal(y, torch.relu(x))
    (y * torch.tensor([[1.0, 1.0, 1.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0]]  # a live unit: the plain ReLU gradient
    dead = torch.tensor([[-1.0, -2.0], [3.0, -1.0]], requires_grad=True)
    upstream = torch.tensor([[-1.0, 1.0], [-1.0, -1.0]])  # descent raises where upstream < 0
    (RedirectedReLU()(dead) * upstream).sum().backward()
    # Picture 0 is dead: the push up on unit 0 passes, the push down on unit 1 does not;
    # picture 1 has a live unit, so it gets the plain gradient.
    assert dead.grad.tolist() == [[-1.0, 0.0], [-1.0, 0.0]]


@pytest.mark.parametrize("target", BEATEN)
def test_saved_picture_drives_the_channel_to_twice_the_best_photo(target, engine, loaded_model, photos, tmp_path):
    layer, channel = target.split(":")
    channel = int(channel)

    def channel_mean(pixels):  # exactly what the viewer computes when the file is opened
        return float(engine.process(pixels).activations[layer][channel].mean())

    best = max(channel_mean(photo) for photo in photos)
    assert best > 0, "pick a channel the photos drive positively, or 'twice' means nothing"
    grads_before = _gradient_state(loaded_model.model)
    result = visualize(loaded_model, layer, channel, steps=FAST_STEPS, seed=0, cache_dir=tmp_path)
    saved = tmp_path / "picture.png"
    write_png(saved, result.image)
    reopened = image_to_array(load_image(saved))
    assert reopened.shape == (224, 224, 3)
    achieved = channel_mean(reopened)
    assert achieved >= 2 * best, f"{target}: {achieved:.4g} < 2 x best photo {best:.4g}"
    assert achieved == pytest.approx(result.activation, rel=1e-4, abs=1e-6)
    assert _gradient_state(loaded_model.model) == grads_before  # no weight gradient reached the model


def _gradient_state(model):
    return [(p.requires_grad, None if p.grad is None else float(p.grad.abs().sum())) for p in model.parameters()]


def test_progress_history_and_a_second_call_from_the_cache(loaded_model, tmp_path):
    calls = []
    state = torch.random.get_rng_state()
    first = visualize(
        loaded_model, "relu1", 5, steps=6, seed=3, progress=lambda *a: calls.append(a), cache_dir=tmp_path
    )
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's RNG is untouched
    assert [c[:2] for c in calls] == [(i, 6) for i in range(1, 7)]
    assert len(first.history) == 6 and first.history[-1] == calls[-1][2] and not first.cached
    assert first.image.shape == (224, 224, 3) and first.image.dtype == np.uint8 and not first.image.flags.writeable
    assert len(list(tmp_path.iterdir())) == 1
    again = visualize(loaded_model, "relu1", 5, steps=6, seed=3, cache_dir=tmp_path)
    assert again.cached and np.array_equal(again.image, first.image)
    assert (again.activation, again.history) == (first.activation, first.history)
    other_seed = visualize(loaded_model, "relu1", 5, steps=6, seed=4, cache_dir=tmp_path)
    assert not other_seed.cached and not np.array_equal(other_seed.image, first.image)


def test_a_damaged_cache_entry_is_recomputed(loaded_model, tmp_path):
    first = visualize(loaded_model, "conv1", 0, steps=3, cache_dir=tmp_path)
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(b"garbage")
    again = visualize(loaded_model, "conv1", 0, steps=3, cache_dir=tmp_path)
    assert not again.cached and np.array_equal(again.image, first.image)


def test_the_cache_is_per_weights_and_under_xdg_cache_home(loaded_model, monkeypatch, tmp_path):
    from alexnet_viewer.core.model.loader import WeightsSpec, load_model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.default_cache_dir() == tmp_path / "alexnet-viewer" / "visualize"
    visualize(loaded_model, "conv1", 1, steps=2)
    assert len(list(cache.default_cache_dir().iterdir())) == 1
    other = load_model(WeightsSpec.random(seed=1), device="cpu")
    assert cache.weights_fingerprint(other.model) != cache.weights_fingerprint(loaded_model.model)
    assert not visualize(other, "conv1", 1, steps=2).cached


def test_cancelling_stops_between_steps_and_caches_nothing(loaded_model, tmp_path):
    done = []
    with pytest.raises(VisualizeCancelled, match="after 2 of 50 steps"):
        visualize(
            loaded_model,
            "conv2",
            0,
            steps=50,
            progress=lambda *a: done.append(a),
            cancelled=lambda: len(done) >= 2,
            cache_dir=tmp_path,
        )
    assert len(done) == 2 and list(tmp_path.iterdir()) == []


def test_works_when_called_under_inference_mode_and_refuses_bad_requests(loaded_model, tmp_path):
    with torch.inference_mode():
        result = visualize(loaded_model, "pool1", 2, steps=2, cache_dir=tmp_path)
    assert len(result.history) == 2
    with pytest.raises(TargetError):
        visualize(loaded_model, "conv1", 64, steps=2, cache_dir=tmp_path)
    with pytest.raises(TargetError):
        visualize(loaded_model, "nope", 0, steps=2, cache_dir=tmp_path)
    with pytest.raises(ValueError):
        visualize(loaded_model, "conv1", 0, steps=0, cache_dir=tmp_path)
