"""Big photos reduced on the host before the device sees them, the network's crop unchanged
within one grey level (issue 16, item 2)."""

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.images import image_to_array, load_image, load_image_bytes
from alexnet_viewer.core.pictures.samples import list_samples
from alexnet_viewer.core.pictures.working import SHORT_SIDE_MARGIN, resize_short_side, working_factor


def test_the_factor_divides_both_sides_and_keeps_the_margin():
    need = SHORT_SIDE_MARGIN * resize_short_side()
    assert need == 2048
    assert working_factor(8192, 6144) == 2  # 3072 short: 1536 would be under the margin
    assert working_factor(16384, 12288) == 4
    assert working_factor(8000, 6000) == 2
    assert working_factor(8001, 6000) == 1  # a partial block would shift the geometry
    assert working_factor(640, 480) == 1
    assert working_factor(16384, 12288, crop=(0.0, 0.0, 0.5, 1.0)) == 2  # the crop box needs its pixels
    assert working_factor(16384, 12288, crop=(0.4, 0.4, 0.5, 0.5)) == 1


def test_a_reduced_jpeg_gives_the_network_the_same_crop_within_one_level(tmp_path, loaded_model):
    astronaut = next(path for _, path in list_samples() if "astronaut" in path.name)  # a bundled photo
    big = load_image(astronaut).resize((8192, 6144), Image.Resampling.BICUBIC)
    path = tmp_path / "big.jpg"
    big.save(path, quality=90)
    preprocess = Preprocessor(loaded_model.transforms, torch.device("cpu"))
    full = image_to_array(load_image(path))
    working = image_to_array(load_image(path, shrink=working_factor))
    assert full.shape == (6144, 8192, 3) and working.shape == (3072, 4096, 3)
    apart = np.abs(preprocess(full)[1].numpy().astype(int) - preprocess(working)[1].numpy().astype(int))
    assert apart.max() <= 1


@pytest.mark.parametrize("factor", [2, 4])
def test_other_formats_are_reduced_by_whole_blocks(factor):
    import io

    picture = np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    stream = io.BytesIO()
    Image.fromarray(picture).save(stream, "PNG")
    reduced = image_to_array(load_image_bytes(stream.getvalue(), shrink=lambda width, height: factor))
    expected = picture.reshape(64 // factor, factor, 96 // factor, factor, 3).mean(axis=(1, 3))
    assert reduced.shape == expected.shape
    assert np.abs(reduced - expected).max() <= 1
