import math

import numpy as np
import pytest
from PIL import Image, ImageFilter

from alexnet_viewer.core.pictures.edits import Edits, apply_edits, occluder_colour, occluder_rect


def gradient(height=48, width=64):
    x = np.arange(width, dtype=np.uint8)[None, :].repeat(height, 0)
    y = np.arange(height, dtype=np.uint8)[:, None].repeat(width, 1)
    return np.stack([x * 3, y * 5, np.full_like(x, 77)], axis=-1).astype(np.uint8)


def test_occluder_colour_is_the_imagenet_mean():
    from torchvision.models import AlexNet_Weights

    mean = AlexNet_Weights.IMAGENET1K_V1.transforms().mean
    assert occluder_colour() == tuple(round(m * 255) for m in mean) == (124, 116, 104)


def test_identity_returns_equal_pixels():
    image = gradient()
    assert Edits().is_identity
    assert Edits(rotate_degrees=360, crop=(0, 0, 1, 1), occluder=(0.5, 0.5, 0)).is_identity
    out = apply_edits(image, Edits())
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, image)


def test_any_edit_is_not_identity():
    for edits in (Edits(rotate_degrees=90), Edits(flip_horizontal=True), Edits(flip_vertical=True),
                  Edits(crop=(0.1, 0, 1, 1)), Edits(brightness=0.1), Edits(contrast=1.1),
                  Edits(blur_radius=1), Edits(greyscale=True), Edits(occluder=(0.5, 0.5, 0.1))):
        assert not edits.is_identity, edits


def test_crop_takes_the_normalised_box():
    image = gradient(48, 64)
    out = apply_edits(image, Edits(crop=(0.25, 0.5, 0.75, 1.0)))
    np.testing.assert_array_equal(out, image[24:48, 16:48])
    assert out.flags.c_contiguous and not np.shares_memory(out, image)


def test_crop_box_is_normalised_and_clamped():
    edits = Edits(crop=(1.5, 0.9, -0.2, 0.1))
    assert edits.crop == (0.0, 0.1, 1.0, 0.9)
    # A zero-area box still leaves one pixel.
    out = apply_edits(gradient(), Edits(crop=(0.5, 0.5, 0.5, 0.5)))
    assert out.shape == (1, 1, 3)


def test_quarter_turns_are_exact():
    image = gradient(48, 64)
    out = apply_edits(image, Edits(rotate_degrees=90))
    np.testing.assert_array_equal(out, np.rot90(image))  # anticlockwise
    np.testing.assert_array_equal(apply_edits(image, Edits(rotate_degrees=-90)), np.rot90(image, -1))
    np.testing.assert_array_equal(apply_edits(image, Edits(rotate_degrees=180)), image[::-1, ::-1])


def test_free_rotation_keeps_the_whole_picture_and_fills_corners_with_the_mean():
    image = np.full((40, 60, 3), 255, np.uint8)
    out = apply_edits(image, Edits(rotate_degrees=30))
    a = math.radians(30)
    assert out.shape[1] == pytest.approx(60 * math.cos(a) + 40 * math.sin(a), abs=2)
    assert out.shape[0] == pytest.approx(60 * math.sin(a) + 40 * math.cos(a), abs=2)
    assert tuple(out[0, 0]) == occluder_colour()
    assert tuple(out[out.shape[0] // 2, out.shape[1] // 2]) == (255, 255, 255)


def test_flips():
    image = gradient()
    np.testing.assert_array_equal(apply_edits(image, Edits(flip_horizontal=True)), image[:, ::-1])
    np.testing.assert_array_equal(apply_edits(image, Edits(flip_vertical=True)), image[::-1])
    both = apply_edits(image, Edits(flip_horizontal=True, flip_vertical=True))
    np.testing.assert_array_equal(both, image[::-1, ::-1])
    assert both.flags.c_contiguous and both.flags.writeable


def test_brightness_and_contrast():
    image = np.array([[[0, 64, 128], [192, 255, 100]]], np.uint8)
    brighter = apply_edits(image, Edits(brightness=0.2))
    np.testing.assert_array_equal(brighter, np.clip(image.astype(int) + 51, 0, 255))
    darker = apply_edits(image, Edits(brightness=-1))
    assert darker.max() == 0
    flat = apply_edits(image, Edits(contrast=0))
    assert (flat == 128).all()
    stretched = apply_edits(image, Edits(contrast=2))
    np.testing.assert_array_equal(stretched, np.clip((image.astype(int) - 128) * 2 + 128, 0, 255))


def test_scalar_bounds_clamp():
    edits = Edits(brightness=7, contrast=-3, blur_radius=1e9, rotate_degrees=450)
    assert (edits.brightness, edits.contrast, edits.rotate_degrees) == (1.0, 0.0, 90.0)
    assert edits.blur_radius == 50.0
    assert Edits(contrast=float("inf")).contrast == 1.0  # not finite: ignored
    assert Edits(brightness=float("nan")).brightness == 0.0


def test_greyscale_gives_equal_channels_with_luma_weights():
    image = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], np.uint8)
    out = apply_edits(image, Edits(greyscale=True))
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    expected = image.astype(float) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(out[0, :, 0], expected[0], atol=1)


@pytest.mark.parametrize("radius", [1, 3, 12])
def test_blur_smooths_like_a_gaussian(radius):
    image = np.zeros((120, 160, 3), np.uint8)
    image[:, 80:] = 255
    image[40:60, 20:40] = (255, 0, 0)
    out = apply_edits(image, Edits(blur_radius=radius))
    exact = np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius)))
    assert np.abs(out.astype(int) - exact).mean() < 1.5
    # The hard edge now has in-between values; flat areas far from edges stay flat.
    assert 20 < out[60, 80, 1] < 235
    assert tuple(out[100, 150]) == (255, 255, 255)


def test_occluder_fills_its_square_with_the_mean_colour():
    image = np.zeros((100, 200, 3), np.uint8)
    edits = Edits(occluder=(0.5, 0.5, 0.2))  # 20 % of the shorter side = 20 px
    out = apply_edits(image, edits)
    left, top, right, bottom = occluder_rect(out.shape, edits.occluder)
    assert (left, top, right, bottom) == (90, 40, 110, 60)
    assert (out[top:bottom, left:right] == occluder_colour()).all()
    mask = np.ones(out.shape[:2], bool)
    mask[top:bottom, left:right] = False
    assert (out[mask] == 0).all()
    assert (image == 0).all()  # the caller's frame is untouched


def test_occluder_at_the_edge_is_clipped():
    image = np.zeros((100, 100, 3), np.uint8)
    out = apply_edits(image, Edits(occluder=(1.0, 0.0, 0.5)))
    assert (out[:25, 75:] == occluder_colour()).all()
    assert (out[25:] == 0).all() and (out[:, :75] == 0).all()
    assert Edits(occluder=(-3, 9, 2)).occluder == (0.0, 1.0, 1.0)


def test_occluder_is_drawn_on_the_edited_picture():
    # Drawn last: a rotated, blurred, tinted picture still shows a crisp mean-grey square
    # exactly where it was put.
    image = gradient(100, 100)
    edits = Edits(rotate_degrees=90, blur_radius=4, brightness=0.3, greyscale=True,
                  occluder=(0.25, 0.25, 0.2))
    out = apply_edits(image, edits)
    assert (out[15:35, 15:35] == occluder_colour()).all()


def test_edit_order_crop_before_rotate():
    image = gradient(48, 64)
    out = apply_edits(image, Edits(crop=(0, 0, 0.5, 1), rotate_degrees=90))
    np.testing.assert_array_equal(out, np.rot90(image[:, :32]))


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        apply_edits(np.zeros((4, 4), np.uint8), Edits(greyscale=True))
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        apply_edits(np.zeros((4, 4, 3), np.float32), Edits())


def test_describe():
    assert Edits().describe() == "no edits"
    text = Edits(rotate_degrees=90, greyscale=True, occluder=(0.5, 0.5, 0.1)).describe()
    assert text == "rotate 90°, greyscale, occluder"
    assert Edits(contrast=1.5, blur_radius=3).describe() == "contrast ×1.50, blur 3 px"


def test_all_edits_together_on_a_camera_frame():
    # Speed is bench's business (ratios in one process); here: every edit at once on a
    # camera-sized frame gives a well-formed picture and leaves the input alone.
    image = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    before = image.copy()
    edits = Edits(rotate_degrees=90, flip_horizontal=True, crop=(0.1, 0.1, 0.9, 0.9),
                  brightness=0.1, contrast=1.3, blur_radius=4, greyscale=True,
                  occluder=(0.5, 0.5, 0.2))
    out = apply_edits(image, edits)
    np.testing.assert_array_equal(image, before)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    assert out.shape == (512, 384, 3)  # crop 0.8 of each side, then turned a quarter
    np.testing.assert_array_equal(out, apply_edits(image, edits))
