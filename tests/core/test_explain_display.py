"""Gradient images as DVT drew them, and heat maps over a picture."""

import numpy as np
import pytest

from alexnet_viewer.core.explain.display import (
    GRADIENT_MODES,
    HEAT_LUT,
    gaussian_blur,
    gradient_image,
    heat_overlay,
    heat_rgb,
)


@pytest.fixture()
def grad():
    values = np.zeros((3, 40, 50), np.float32)
    values[0, 10, 10] = 2.0  # the largest magnitude, positive, red only
    values[2, 30, 40] = -1.0  # half of it, negative, blue only
    return values


def test_raw_view_puts_zero_at_mid_grey_and_scales_by_the_largest_magnitude(grad):
    image = gradient_image(grad, "raw")
    assert image.shape == (40, 50, 3) and image.dtype == np.uint8
    assert tuple(image[0, 0]) == (128, 128, 128)
    assert tuple(image[10, 10]) == (255, 128, 128)
    assert tuple(image[30, 40]) == (128, 128, 64)


def test_gray_view_is_the_channel_mean(grad):
    image = gradient_image(grad, "gray")
    assert (image[..., 0] == image[..., 2]).all()
    assert image[10, 10, 0] == 255 and image[30, 40, 0] == round((-1 / 3) / (4 / 3) * 255 + 127.5)


def test_norm_views_are_stretched_magnitudes_and_blurring_spreads_them(grad):
    norm = gradient_image(grad, "norm")
    assert norm[10, 10, 0] == 255 and norm[0, 0, 0] == 0 and norm[30, 40, 0] == 128
    blurred = gradient_image(grad, "normblur")
    assert blurred[10, 10, 0] == 255 and blurred[12, 12, 0] > 0 and blurred[39, 0, 0] == 0


def test_every_mode_is_known_and_a_wrong_one_is_refused(grad):
    assert all(gradient_image(grad, mode).shape == (40, 50, 3) for mode in GRADIENT_MODES)
    with pytest.raises(ValueError, match="must be one of"):
        gradient_image(grad, "rainbow")
    with pytest.raises(ValueError, match=r"expected a \(3, H, W\) gradient"):
        gradient_image(grad[0], "raw")


def test_gaussian_blur_keeps_a_constant_and_the_total():
    np.testing.assert_allclose(gaussian_blur(np.full((40, 40), 3.0), 4.0), 3.0, rtol=1e-6)
    spike = np.zeros((60, 60))
    spike[30, 30] = 1.0
    blurred = gaussian_blur(spike, 4.0)
    assert blurred.sum() == pytest.approx(1.0, rel=1e-5) and blurred[30, 30] == blurred.max()
    assert blurred[30, 34] == pytest.approx(blurred[30, 30] * np.exp(-0.5), rel=1e-3)


def test_heat_table_runs_from_dark_blue_to_dark_red():
    assert HEAT_LUT.shape == (256, 3) and HEAT_LUT.dtype == np.uint8
    assert tuple(HEAT_LUT[0]) == (0, 0, 128) and tuple(HEAT_LUT[-1]) == (128, 0, 0)
    assert tuple(heat_rgb(np.array([[0.0, 1.0]]))[0, 1]) == (128, 0, 0)


def test_overlay_blends_the_upsampled_map_over_the_picture():
    picture = np.full((26, 26, 3), 200, np.uint8)
    cam = np.zeros((13, 13), np.float32)
    cam[:, 7:] = 1.0
    np.testing.assert_array_equal(heat_overlay(picture, cam, opacity=0.0), picture)
    full = heat_overlay(picture, cam, opacity=1.0, levels=(0.0, 1.0))
    assert full.shape == (26, 26, 3)
    assert tuple(full[0, 0]) == (0, 0, 128) and tuple(full[0, -1]) == (128, 0, 0)
    half = heat_overlay(picture, cam, opacity=0.5, levels=(0.0, 1.0))
    assert tuple(half[0, 0]) == (100, 100, 164)
    with pytest.raises(ValueError, match="opacity"):
        heat_overlay(picture, cam, opacity=1.5)
