"""Preprocessing against torchvision's own transforms: the CPU's uint8 path, the accelerators'
float path (run here on the CPU) and the bounded path for extreme aspect ratios."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as nnf
from torchvision.models import AlexNet_Weights
from torchvision.transforms import functional as F

from alexnet_viewer.core.frame import preprocess
from alexnet_viewer.core.frame.preprocess import RESIZE_PIXEL_LIMIT, Preprocessor, axis_weights

TRANSFORMS = AlexNet_Weights.IMAGENET1K_V1.transforms()
CPU = torch.device("cpu")
ONE_LEVEL = 1 / 255 / min(TRANSFORMS.std)  # one level of 255 after normalisation


def picture(height: int, width: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def torchvision_batch(image: np.ndarray) -> torch.Tensor:
    return TRANSFORMS(torch.from_numpy(image).permute(2, 0, 1))


def levels_apart(batch: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    return (batch - reference).abs() / ONE_LEVEL


@pytest.fixture(scope="module")
def uint8_path():
    return Preprocessor(TRANSFORMS, CPU)


@pytest.fixture(scope="module")
def float_path():
    return Preprocessor(TRANSFORMS, CPU, float_resize=True)


def test_float_resize_is_the_default_off_the_cpu_only():
    assert Preprocessor(TRANSFORMS, CPU).float_resize is False
    assert Preprocessor(TRANSFORMS, CPU, float_resize=True).float_resize is True
    assert Preprocessor(TRANSFORMS, torch.device("meta")).float_resize is True  # any accelerator


@pytest.mark.parametrize("shape", [(480, 640), (300, 451), (1000, 333), (224, 224), (50, 70)])
def test_both_paths_give_torchvision_within_one_level(uint8_path, float_path, shape):
    image = picture(*shape)
    reference = torchvision_batch(image)
    for path in (uint8_path, float_path):
        batch, crop = path(image)
        assert batch.shape == (1, 3, 224, 224) and crop.dtype == torch.uint8
        apart = levels_apart(batch[0], reference)
        assert apart.max() <= 1.001
        assert apart.mean() < 0.3
    # The float path rounds like torchvision's planar kernel; at most one level from the CPU path.
    uint8_crop, float_crop = uint8_path(image)[1], float_path(image)[1]
    assert (uint8_crop.int() - float_crop.int()).abs().max() <= 1


def test_ordinary_photos_take_the_plain_resize(uint8_path):
    """What the CPU path gave before the bounded path existed, bit for bit."""
    image = picture(480, 640)
    resized = nnf.interpolate(
        torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0), size=[256, 341], mode="bilinear",
        align_corners=False, antialias=True,
    )[0]
    torch.testing.assert_close(uint8_path(image)[1], F.center_crop(resized, [224, 224]), rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(3, 4000), (4000, 3), (40, 9000)])
def test_extreme_aspect_ratios_crop_like_torchvision(uint8_path, float_path, shape):
    # torchvision still fits in memory here (4000x3 -> 341333x256); the bounded path resamples
    # only the crop's neighbourhood.
    image = picture(*shape, seed=7)
    height, width = preprocess._compute_resized_output_size(list(shape), [256], None)
    assert height * width > RESIZE_PIXEL_LIMIT
    reference = torchvision_batch(image)
    for path in (uint8_path, float_path):
        apart = levels_apart(path(image)[0][0], reference)
        assert apart.max() <= 1.001
        assert apart.mean() < 0.05


def test_the_bounded_path_matches_torchvision_on_ordinary_photos_too(uint8_path, monkeypatch):
    monkeypatch.setattr(preprocess, "RESIZE_PIXEL_LIMIT", 0)
    for shape in [(480, 640), (1000, 333), (230, 5000)]:
        image = picture(*shape, seed=3)
        apart = levels_apart(uint8_path(image)[0][0], torchvision_batch(image))
        assert apart.max() <= 1.001 and apart.mean() < 0.05, shape


def test_axis_weights_follow_torch_antialiased_bilinear():
    for in_size, out_size in [(4000, 341333), (640, 341), (9, 256), (256, 256)]:
        first = (out_size - 224) // 2
        start, weights = axis_weights(in_size, out_size, first, 224, antialias=True)
        np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-6)
        assert weights.min() >= 0 and 0 <= start and start + weights.shape[1] <= in_size
        # Resampling a 1-D ramp and a random row agrees with torch's own kernel.
        row = torch.from_numpy(np.random.default_rng(0).uniform(0, 255, in_size).astype(np.float32))
        full = nnf.interpolate(row.view(1, 1, 1, -1), size=(1, out_size), mode="bilinear",
                               align_corners=False, antialias=True).view(-1)[first : first + 224]
        mine = torch.from_numpy(weights) @ row[start : start + weights.shape[1]]
        torch.testing.assert_close(mine, full, rtol=1e-5, atol=1e-3)


def test_read_only_pictures_are_accepted(uint8_path):
    image = picture(120, 160)
    image.flags.writeable = False
    batch, _ = uint8_path(image)
    torch.testing.assert_close(batch, uint8_path(image.copy())[0])


_PEAK_MEMORY = """
import json, resource, sys
import numpy as np, torch
from torchvision.models import AlexNet_Weights
from alexnet_viewer.core.frame.preprocess import Preprocessor
report = {}
for float_resize in (False, True):
    preprocess = Preprocessor(AlexNet_Weights.IMAGENET1K_V1.transforms(), torch.device("cpu"), float_resize)
    preprocess(np.zeros((480, 640, 3), np.uint8))  # warm up: kernels, allocator
    for height, width in [(1, 20000), (20000, 1), (1, 60000), (60000, 1)]:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        image = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
        batch, crop = preprocess(image)
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        report[f"{width}x{height} float={float_resize}"] = {"peak_growth_kib": grew, "crop": list(crop.shape)}
print(json.dumps(report))
"""


def test_extreme_pictures_need_little_memory():
    """Issue 8.1: a 20000x1 picture made export use 8.9 GB, a 1x60000 one was killed."""
    done = subprocess.run([sys.executable, "-c", _PEAK_MEMORY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) == 8
    for size, figures in report.items():
        assert figures["crop"] == [3, 224, 224]
        # ru_maxrss is in KiB on Linux; the old path needed gigabytes.
        assert figures["peak_growth_kib"] < 64 * 1024, (size, figures)


def test_crop_size_is_read_as_height_and_width():
    from types import SimpleNamespace

    from alexnet_viewer.core.frame.preprocess import Preprocessor, crop_hw
    from torchvision.transforms.functional import InterpolationMode

    assert crop_hw(SimpleNamespace(crop_size=[224])) == (224, 224)
    assert crop_hw(SimpleNamespace(crop_size=[200, 240])) == (200, 240)
    transforms = SimpleNamespace(crop_size=[200, 240], resize_size=[256], interpolation=InterpolationMode.BILINEAR,
                                 antialias=True, mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])
    preprocessor = Preprocessor(transforms, torch.device("cpu"))
    batch, crop = preprocessor(np.zeros((300, 400, 3), np.uint8))
    assert preprocessor.batch_shape == (1, 3, 200, 240) == tuple(batch.shape)
    assert tuple(crop.shape) == (3, 200, 240)
