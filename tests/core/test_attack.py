"""Fool it: the differentiable preprocessing matches the viewer's, and the saved picture,
reloaded through torchvision's own transforms, is classified as the target within the bound."""

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.core.explain import ExplainCancelled
from alexnet_viewer.core.explain.attack import attack
from alexnet_viewer.core.frame.preprocess import Preprocessor


@pytest.fixture(scope="module")
def picture(frame):
    return np.ascontiguousarray(frame[::2, ::2])  # 240x320: the attack's cost follows the size


def ranked(loaded, picture):
    batch, _ = Preprocessor(loaded.transforms, loaded.device)(picture)
    with torch.inference_mode():
        return loaded.model(batch)[0].argsort(descending=True).tolist()


@pytest.mark.parametrize("shape", [(240, 320, 3), (3, 20000, 3)])  # the resize path and the cut-out path
def test_the_differentiable_preprocessing_is_the_viewers_without_rounding(loaded_model, shape):
    picture = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    preprocess = Preprocessor(loaded_model.transforms, loaded_model.device, float_resize=True)
    rounded, _ = preprocess(picture)
    pixels = torch.from_numpy(picture).float().requires_grad_(True)
    ours = preprocess.differentiable(pixels)
    std = torch.tensor(loaded_model.transforms.std).view(1, 3, 1, 1)
    assert float(((ours.detach() - rounded) * std * 255).abs().max()) <= 0.5 + 1e-3  # the crop's rounding, no more
    ours.sum().backward()
    assert pixels.grad is not None and float(pixels.grad.abs().sum()) > 0


def test_targeted_attack_saved_and_reloaded_by_torchvision_gives_the_target(loaded_model, picture, tmp_path):
    target = ranked(loaded_model, picture)[4]
    before = {name: value.clone() for name, value in loaded_model.model.state_dict().items()}
    seen = []
    result = attack(loaded_model, picture, target, eps=2, steps=10, progress=seen.append)
    assert result.success and result.target == target
    assert result.adversarial.shape == picture.shape and result.adversarial.dtype == np.uint8
    assert 1 <= result.linf <= 2
    assert np.abs(result.adversarial.astype(int) - picture.astype(int)).max() == result.linf
    assert [report.step for report in seen] == list(range(1, result.steps_run + 1))
    assert all(set(report.change) == {"conv1", "fc7"} and len(report.top5) == 5 for report in seen)
    assert result.after[0].index == target and result.before[0].index != target
    path = tmp_path / "adversarial.png"
    Image.fromarray(result.adversarial).save(path)
    reloaded = torch.from_numpy(np.array(Image.open(path))).permute(2, 0, 1)  # planar uint8, as read_image gives
    with torch.inference_mode():
        logits = loaded_model.model(loaded_model.transforms(reloaded).unsqueeze(0))
    assert int(logits.argmax()) == target
    assert set(result.change) == {"conv1", "fc7"} and all(value > 0 for value in result.change.values())
    for name, value in loaded_model.model.state_dict().items():
        assert torch.equal(value, before[name]), name
    amplified = result.perturbation_picture()
    assert amplified.shape == picture.shape and {int(amplified.min()), int(amplified.max())} <= {1, 128, 255}


def test_untargeted_fgsm_moves_the_top1(loaded_model, picture):
    result = attack(loaded_model, picture, None, eps=2, steps=1)
    assert result.steps_run == 1 and result.target is None
    assert result.success == (result.after[0].index != result.before[0].index)
    assert result.success  # on these seeded weights one step is enough
    assert result.payload(loaded_model.categories)["achieved_linf_levels"] == result.linf <= 2


def test_a_picture_already_of_the_target_is_left_as_it_is(loaded_model, picture):
    result = attack(loaded_model, picture, ranked(loaded_model, picture)[0])
    assert result.success and result.steps_run == 0 and result.linf == 0
    assert np.array_equal(result.adversarial, picture) and result.change == {"conv1": 0.0, "fc7": 0.0}


def test_a_target_out_of_reach_is_not_claimed(loaded_model, picture):
    target = ranked(loaded_model, picture)[-1]
    result = attack(loaded_model, picture, target, eps=1, steps=2)
    assert not result.success and result.after[0].index != target and result.linf <= 1


def test_bad_arguments_and_cancel(loaded_model, picture):
    for kwargs, words in (({"eps": 0}, "1..255"), ({"steps": 0}, "at least one"), ({"target": 1000}, "out of range")):
        with pytest.raises(ValueError, match=words):
            attack(loaded_model, picture, **{"target": 1, **kwargs})
    with pytest.raises(ExplainCancelled, match="attack was cancelled"):
        attack(loaded_model, picture, 1, cancelled=lambda: True)
