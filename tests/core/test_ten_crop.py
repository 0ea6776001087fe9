"""Ten-crop prediction against brute force with torchvision's Resize, CenterCrop and TenCrop."""

import numpy as np
import pytest
import torch
from torchvision import transforms as T

from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.ten_crop import CENTRE, ten_crop, ten_crop_batch
from alexnet_viewer.core.visualize.network import private_model


def picture(height: int, width: int, seed: int = 3) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    noise = np.random.default_rng(seed).integers(0, 60, (height, width, 3))
    base = np.stack([cols * 255 // width, rows * 255 // height, (rows * cols) % 256], axis=-1)
    return ((base + noise) % 256).astype(np.uint8)


def brute_force(loaded, image: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(crops (10,3,224,224) uint8, mean softmax) by torchvision's own transforms."""
    tf = loaded.transforms
    chw = torch.from_numpy(image).permute(2, 0, 1)
    resized = T.functional.resize(chw, tf.resize_size, interpolation=tf.interpolation, antialias=tf.antialias)
    square = T.CenterCrop(min(resized.shape[-2:]))(resized)  # the paper's 256x256 picture
    crops = torch.stack(T.TenCrop(tf.crop_size)(square))
    batch = T.Normalize(tf.mean, tf.std)(crops.float() / 255)
    with torch.inference_mode():
        return crops, torch.softmax(loaded.model(batch), dim=1).mean(dim=0)


@pytest.fixture(scope="module")
def model(loaded_model):
    return private_model(loaded_model.model)


@pytest.mark.parametrize("shape", [(256, 341), (341, 256), (256, 256)])
def test_ten_crops_equal_torchvision_exactly_when_no_resampling(loaded_model, model, shape):
    image = picture(*shape)
    found = ten_crop(model, Preprocessor(loaded_model.transforms, torch.device("cpu")), image)
    crops, mean = brute_force(loaded_model, image)
    assert np.array_equal(found.crops, crops.permute(0, 2, 3, 1).numpy())
    np.testing.assert_allclose(found.mean, mean.numpy(), rtol=1e-5, atol=1e-6 * float(mean.max()))
    assert found.top(5)[0][0] == int(mean.argmax())
    assert abs(found.mean.sum() - 1) < 1e-5


def test_resized_picture_within_one_level_of_torchvision(loaded_model, model):
    image = picture(480, 643)  # odd margins: the mirrored centre differs from the centre's mirror
    found = ten_crop(model, Preprocessor(loaded_model.transforms, torch.device("cpu")), image)
    crops, mean = brute_force(loaded_model, image)
    levels = np.abs(found.crops.astype(int) - crops.permute(0, 2, 3, 1).numpy().astype(int))
    assert levels.max() <= 1
    np.testing.assert_allclose(found.mean, mean.numpy(), rtol=1e-3)


def test_centre_patch_is_the_windows_crop(loaded_model):
    preprocess = Preprocessor(loaded_model.transforms, torch.device("cpu"))
    image = picture(333, 517)
    _, crops = ten_crop_batch(preprocess, image)
    _, crop = preprocess(image)
    assert torch.equal(crops[CENTRE], crop)


def test_each_crop_top1_is_its_own_argmax(loaded_model, model):
    found = ten_crop(model, Preprocessor(loaded_model.transforms, torch.device("cpu")), picture(300, 400))
    tops = found.crop_top1()
    assert len(tops) == 10
    assert [index for index, _ in tops] == found.probabilities.argmax(axis=1).tolist()
    np.testing.assert_allclose(found.probabilities.mean(axis=0), found.mean, rtol=1e-6)


def test_extreme_aspect_ratio_takes_the_bounded_path_within_one_level(loaded_model):
    """A 10x700 picture would resize to 256x17920 (past RESIZE_PIXEL_LIMIT): each crop is then
    resampled alone; it matches the crop of the whole resized frame within one level."""
    import torch.nn.functional as nnf

    from alexnet_viewer.core.frame.preprocess import RESIZE_PIXEL_LIMIT
    from alexnet_viewer.core.papers.ten_crop import ten_crop_windows

    preprocess = Preprocessor(loaded_model.transforms, torch.device("cpu"))
    image = picture(10, 700)
    size = preprocess.resized_size(image)
    assert size[0] * size[1] > RESIZE_PIXEL_LIMIT
    _, crops = ten_crop_batch(preprocess, image)
    whole = nnf.interpolate(torch.from_numpy(image).permute(2, 0, 1)[None].float(), size=size, mode="bilinear",
                            align_corners=False, antialias=True)[0].round().clamp(0, 255)
    for crop, (top, left, mirrored) in zip(crops, ten_crop_windows(size, preprocess)):
        expected = whole[:, top : top + 224, left : left + 224]
        expected = expected.flip(-1) if mirrored else expected
        assert (crop.float() - expected).abs().max() <= 1
