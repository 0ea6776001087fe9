"""Explanations without Captum: a network whose answer is known, the engine left untouched,
a frame's captured values reused, occlusion with progress and cancel, bad targets refused."""

import dataclasses

import numpy as np
import pytest
import torch
from torchvision.models import AlexNet_Weights, alexnet

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.explain import ExplainCancelled, Explainer
from alexnet_viewer.core.model.loader import LoadedModel
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import WeightsInfo

SQUARE = slice(32, 80)  # rows and columns of the red square in the 224 crop


def red_square_model() -> torch.nn.Module:
    """Only conv1 channel 0 sees anything (the red channel, centre tap); every later layer
    passes channel 0 on through its centre tap, and logit 0 is the sum of pool5 channel 0.
    On a black picture only red pixels can move logit 0; every other logit is always 0."""
    with torch.device("meta"):
        model = alexnet(weights=None)
    state = {key: torch.zeros(value.shape) for key, value in model.state_dict().items()}
    for index in (0, 3, 6, 8, 10):
        weight = state[f"features.{index}.weight"]
        weight[0, 0, weight.shape[2] // 2, weight.shape[3] // 2] = 1.0
    state["classifier.1.weight"][0, :36] = 1.0  # pool5 channel 0, all 6x6 positions
    state["classifier.4.weight"][0, 0] = 1.0
    state["classifier.6.weight"][0, 0] = 0.1  # a logit of about 2: the probability is not saturated
    model.load_state_dict(state, assign=True)
    return model.eval()


@pytest.fixture(scope="module")
def known():
    transforms = AlexNet_Weights.IMAGENET1K_V1.transforms()
    loaded = LoadedModel(
        model=red_square_model(),
        device=torch.device("cpu"),
        weights=WeightsInfo(source="file", description="red square", trained=True),
        categories=tuple(f"class {i}" for i in range(1000)),
        transforms=transforms,
    )
    picture = np.zeros((256, 256, 3), np.uint8)  # resized to itself, centre crop starts at 16
    picture[16 + SQUARE.start : 16 + SQUARE.stop, 16 + SQUARE.start : 16 + SQUARE.stop, 0] = 255
    batch, crop = Preprocessor(transforms, loaded.device)(picture)
    assert (crop[0, SQUARE, SQUARE] == 255).all() and int(crop.sum()) == 255 * 48 * 48
    return Explainer(loaded), batch


def inside_square(size: int, margin: float = 0.0) -> np.ndarray:
    """Which cells of a size x size map over the crop have their centre on the square (+margin px)."""
    centres = (np.arange(size) + 0.5) * 224 / size
    on = (centres >= SQUARE.start - margin) & (centres < SQUARE.stop + margin)
    return on[:, None] & on[None, :]


def test_known_model_gradcam_lies_on_the_only_region_that_matters(known):
    explainer, batch = known
    cam = explainer.gradcam(batch, 0)
    assert cam.shape == (13, 13) and cam.max() > 0
    cell = 224 / 13
    assert (cam[~inside_square(13, margin=cell)] == 0).all()
    assert np.unravel_index(cam.argmax(), cam.shape) in list(zip(*np.nonzero(inside_square(13, margin=cell))))


def square_mask() -> np.ndarray:
    mask = np.zeros((224, 224), bool)
    mask[SQUARE, SQUARE] = True
    return mask


@pytest.mark.parametrize("method", ["guided_backprop", "guided_gradcam"])
def test_known_model_input_gradients_lie_on_the_red_square_only(known, method):
    explainer, batch = known
    grad = getattr(explainer, method)(batch, 0)
    assert grad.shape == (3, 224, 224) and grad.dtype == np.float32
    assert (grad[1:] == 0).all(), "green and blue cannot matter: no weight reads them"
    assert (grad[0][~square_mask()] == 0).all()
    assert grad[0][SQUARE, SQUARE].sum() > 0


def test_known_model_deconv_peaks_on_the_square_and_ignores_relu_signs(known):
    explainer, batch = known
    grad = explainer.deconv(batch, 0)
    assert (grad[1:] == 0).all()
    assert square_mask()[np.unravel_index(np.abs(grad[0]).argmax(), (224, 224))]
    # Unlike guided backprop, the ReLUs pass relu(g) where they did not fire: max-pool switches
    # over all-zero windows send some of it beyond the square.
    assert (grad[0][~square_mask()] > 0).any()


def test_known_model_a_class_nothing_reaches_has_empty_maps(known):
    explainer, batch = known
    maps = explainer.class_maps(batch, 5)
    assert all((m == 0).all() for m in maps.values())


def test_known_model_occlusion_matters_only_over_the_square(known):
    explainer, batch = known
    calls = []
    result = explainer.occlusion(batch, 0, 48, 32, progress=lambda d, t: calls.append((d, t)), batch_size=12)
    assert result.offsets == (0, 32, 64, 96, 128, 160) and result.probability.shape == (6, 6)
    overlaps = np.array([[max(t, SQUARE.start) < min(t + 48, SQUARE.stop) for t in result.offsets]])
    overlaps = overlaps.T & overlaps
    # (batched forwards round differently from the single one of the baseline: 1e-6)
    np.testing.assert_allclose(result.probability[~overlaps], result.baseline, rtol=1e-6)
    # covering the whole square silences logit 0: all 1000 logits are 0, a uniform softmax
    assert result.probability[1, 1] == pytest.approx(1 / 1000, rel=1e-5)
    assert (result.probability[overlaps] <= result.baseline * (1 + 1e-6)).all()
    assert calls == [(12, 36), (24, 36), (36, 36)]


def test_occlusion_can_be_cancelled(known):
    explainer, batch = known
    calls = []
    with pytest.raises(ExplainCancelled, match="cancelled"):
        explainer.occlusion(
            batch, 0, 48, 16, progress=lambda d, t: calls.append(d), cancelled=lambda: len(calls) >= 2, batch_size=2
        )
    assert calls == [2, 4]


def test_occlusion_of_several_classes(known):
    explainer, batch = known
    both = explainer.occlusion(batch, [0, 5], window=112, stride=112)
    assert both.probability.shape == (2, 2, 2) and both.baseline.shape == (2,)
    assert both.probability[0, 0, 0] < both.baseline[0]  # the top-left quarter holds the square


# -- the real network, random weights ------------------------------------------------------


@pytest.fixture(scope="module")
def explainer(loaded_model):
    return Explainer(loaded_model)


@pytest.fixture(scope="module")
def frame_and_batch(loaded_model, frame):
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(frame)
    return frame, batch


def test_explaining_changes_neither_the_weights_nor_a_frames_captured_values(engine, explainer, frame_and_batch):
    frame, batch = frame_and_batch
    weights = {key: value.clone() for key, value in engine.loaded.model.state_dict().items()}
    flags = [p.requires_grad for p in engine.loaded.model.parameters()]
    before = engine.process(frame, FrameRequest())
    kept = {name: value.copy() for name, value in before.activations.items()}
    top1 = before.top5[0].index
    explainer.class_maps(batch, [top1, 1])
    explainer.class_maps(None, top1, "conv3", activations=before.activations)
    explainer.unit_map(batch, "conv5", 3, 2, 2, method="guided_backprop")
    explainer.unit_map(None, "relu2", 3, activations=before.activations)
    explainer.occlusion(batch, top1, window=112, stride=112)
    for name, value in before.activations.items():
        np.testing.assert_array_equal(value, kept[name])
    after = engine.process(frame, FrameRequest())
    for name in kept:  # the engine's hooks and in-place ReLUs still capture the same values
        np.testing.assert_array_equal(after.activations[name], kept[name])
    for key, value in engine.loaded.model.state_dict().items():
        assert torch.equal(value, weights[key])
    assert [p.requires_grad for p in engine.loaded.model.parameters()] == flags
    assert all(p.grad is None for p in engine.loaded.model.parameters())


def test_the_private_copy_shares_storage_but_takes_no_weight_gradients(engine, explainer):
    private = list(explainer._net.model.parameters())
    public = list(engine.loaded.model.parameters())
    assert all(not p.requires_grad for p in private)
    assert all(a.data_ptr() == b.data_ptr() and a is not b for a, b in zip(private, public))
    assert all(not m._forward_hooks for m in explainer._net.model.modules())
    assert all(not m.inplace for m in explainer._net.model.modules() if isinstance(m, torch.nn.ReLU))


def test_a_frames_captured_values_give_the_same_maps_as_a_fresh_forward(engine, explainer, frame_and_batch):
    frame, batch = frame_and_batch
    result = engine.process(frame)
    top1 = result.top5[0].index
    fresh = explainer.class_maps(batch, [top1, 7], "relu4")
    reused = explainer.class_maps(None, [top1, 7], "relu4", activations=result.activations)
    for name in fresh:
        np.testing.assert_allclose(reused[name], fresh[name], rtol=1e-5, atol=1e-5 * float(np.abs(fresh[name]).max()))
    np.testing.assert_allclose(
        explainer.unit_map(None, "pool2", 9, activations=result.activations), explainer.unit_map(batch, "pool2", 9),
        rtol=1e-5, atol=1e-9,
    )


def test_several_classes_in_one_call_equal_one_at_a_time(explainer, frame_and_batch):
    _, batch = frame_and_batch
    stacked = explainer.class_maps(batch, [3, 999], methods=("gradcam", "guided_backprop"))
    assert stacked["gradcam"].shape == (2, 13, 13) and stacked["guided_backprop"].shape == (2, 3, 224, 224)
    # Relative to the map's maximum, as the captum oracle (values ~1e-7: batched and single float32 passes differ ~1e-11).
    gradcam = explainer.gradcam(batch, 999)
    np.testing.assert_allclose(stacked["gradcam"][1], gradcam, rtol=1e-5, atol=1e-5 * float(np.abs(gradcam).max()))
    single = explainer.guided_backprop(batch, 999)
    np.testing.assert_allclose(stacked["guided_backprop"][1], single, rtol=1e-5, atol=1e-5 * float(np.abs(single).max()))


class _GuidedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x.clamp(min=0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad.clamp(min=0) * (out > 0)


def test_channel_energy_seed_equals_autograd_of_half_the_squared_activation(loaded_model, explainer, frame_and_batch):
    _, batch = frame_and_batch
    x = batch.clone().requires_grad_(True)
    out = x
    for module in loaded_model.model.features[:9]:  # up to conv4
        out = _GuidedReLU.apply(out) if isinstance(module, torch.nn.ReLU) else module(out)
    (expected,) = torch.autograd.grad(0.5 * (out[0, 7] ** 2).sum(), x)
    ours = explainer.unit_map(batch, "conv4", 7, method="guided_backprop")
    scale = float(expected.abs().max())
    assert scale > 0
    np.testing.assert_allclose(ours, expected[0].numpy(), rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e, b: e.gradcam(b, 1000), "class index 1000 is out of range 0..999"),
        (lambda e, b: e.gradcam(b, 1, "fc6"), "Grad-CAM needs a conv, relu or pool layer"),
        (lambda e, b: e.gradcam(b, 1, "conv9"), "unknown layer 'conv9'"),
        (lambda e, b: e.unit_map(b, "conv5", 256), "conv5 has channels 0..255, not 256"),
        (lambda e, b: e.unit_map(b, "conv5", 1, 13, 0), "positions are y 0..12, x 0..12"),
        (lambda e, b: e.unit_map(b, "conv5", 1, 3), "give both y and x"),
        (lambda e, b: e.unit_map(b, "fc7", 1, 0, 0), "fc7 is fully connected"),
        (lambda e, b: e.unit_map(b, "conv5", 1, method="lrp"), "unit method must be one of"),
        (lambda e, b: e.guided_backprop(b[:, :, :100], 1), "expected a normalised (1, 3, 224, 224) batch"),
        (lambda e, b: e.occlusion(b, 1, window=300), "occlusion needs 1 <= window <= 224"),
    ],
)
def test_bad_targets_are_refused_with_a_sentence(explainer, frame_and_batch, call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call(explainer, frame_and_batch[1])


def test_the_explainer_runs_from_inside_inference_mode(explainer, frame_and_batch):
    _, batch = frame_and_batch
    with torch.inference_mode():
        outside = explainer.gradcam(batch, 2)
        np.testing.assert_array_equal(explainer.gradcam(batch, 2), outside)
    assert dataclasses.is_dataclass(explainer.occlusion(batch, 2, window=224, stride=1))
