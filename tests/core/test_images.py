"""Loading untrusted pictures: every input is generated here, in tmp_path."""

from __future__ import annotations

import io
import os
import struct
import sys
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from alexnet_viewer.core.pictures import images
from alexnet_viewer.core.errors import ImageLoadError, ViewerError
from alexnet_viewer.core.pictures.images import (
    MAX_PIXELS,
    SUPPORTED_SUFFIXES,
    image_to_array,
    load_image,
    load_image_bytes,
)

# Four flat colours: survive GIF palettes exactly and JPEG nearly.
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]


def quadrants(size: int = 16) -> Image.Image:
    half = size // 2
    array = np.zeros((size, size, 3), np.uint8)
    array[:half, :half] = COLOURS[0]
    array[:half, half:] = COLOURS[1]
    array[half:, :half] = COLOURS[2]
    array[half:, half:] = COLOURS[3]
    return Image.fromarray(array)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def noise(size=(64, 64), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def refused(path_or_call, *args, **kwargs) -> str:
    """Run a load that must fail and give back its message."""
    with pytest.raises(ImageLoadError) as caught:
        if callable(path_or_call):
            path_or_call(*args, **kwargs)
        else:
            load_image(path_or_call, **kwargs)
    return str(caught.value)


@pytest.fixture
def load_spy(monkeypatch):
    """Counts pixel decodes, to prove an oversized header is refused before decoding."""
    calls = []
    original = ImageFile.ImageFile.load

    def spy(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return calls


# --- allowed formats -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "fmt", "params", "exact"),
    [
        (".png", "PNG", {}, True),
        (".jpg", "JPEG", {"quality": 95}, False),
        (".jpeg", "JPEG", {"quality": 95}, False),
        (".bmp", "BMP", {}, True),
        (".gif", "GIF", {}, True),
        (".tif", "TIFF", {}, True),
        (".tiff", "TIFF", {"compression": "tiff_lzw"}, True),
        (".webp", "WEBP", {"lossless": True}, True),
    ],
)
def test_each_allowed_format_round_trips(tmp_path, suffix, fmt, params, exact):
    original = quadrants()
    path = write(tmp_path, "picture" + suffix, encode(original, fmt, **params))

    loaded = load_image(path)

    assert loaded.mode == "RGB"
    assert loaded.size == original.size
    assert not isinstance(loaded, ImageFile.ImageFile)  # detached from the file
    if exact:
        assert np.array_equal(np.asarray(loaded), np.asarray(original))
    else:  # lossy: judge the quadrant centres, away from chroma-subsampled edges
        for (x, y), colour in zip([(4, 4), (12, 4), (4, 12), (12, 12)], COLOURS):
            assert close_to(loaded.getpixel((x, y)), colour, tolerance=12)


def test_supported_suffixes_cover_the_allowed_formats():
    assert SUPPORTED_SUFFIXES == (
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
    )
    assert MAX_PIXELS <= Image.MAX_IMAGE_PIXELS


def test_format_is_decided_by_content_not_suffix(tmp_path):
    path = write(tmp_path, "really_a_png.jpg", encode(quadrants(), "PNG"))
    assert load_image(path).getpixel((0, 0)) == COLOURS[0]


def test_symlink_to_a_regular_file_is_followed(tmp_path):
    target = write(tmp_path, "target.png", encode(quadrants(), "PNG"))
    link = tmp_path / "link.png"
    try:
        link.symlink_to(target)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available here")
    assert load_image(link).size == (16, 16)


# --- refused inputs ------------------------------------------------------------------


def test_text_file_renamed_png_is_not_an_image(tmp_path):
    path = write(tmp_path, "notes.png", b"hello, these are my shopping notes\n" * 3)
    assert refused(path) == 'Cannot open "notes.png": not an image.'


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [("icon.jpg", "ICO", "ICO"), ("portable.jpg", "PPM", "PNM"), ("paint.png", "PCX", "PCX")],
)
def test_allowed_suffix_in_a_refused_format(tmp_path, name, fmt, kind):
    data = encode(quadrants(), fmt)
    Image.open(io.BytesIO(data)).load()  # Pillow itself could decode it: we refuse anyway
    path = write(tmp_path, name, data)
    assert refused(path) == f'Cannot open "{name}": unsupported format ({kind}).'


def test_refused_format_never_reaches_its_decoder(tmp_path, monkeypatch):
    from PIL import IcoImagePlugin

    def explode(self):
        raise AssertionError("the ICO decoder must not run")

    monkeypatch.setattr(IcoImagePlugin.IcoImageFile, "_open", explode)
    path = write(tmp_path, "icon.png", encode(quadrants(), "ICO"))
    assert "unsupported format (ICO)" in refused(path)


@pytest.mark.parametrize(
    ("name", "fmt", "params"),
    [("cut.png", "PNG", {}), ("cut.jpg", "JPEG", {"quality": 95})],
)
def test_truncated_file_is_damaged(tmp_path, name, fmt, params):
    data = encode(noise(), fmt, **params)
    path = write(tmp_path, name, data[: len(data) // 2])
    assert refused(path) == f'Cannot open "{name}": damaged file.'


def test_truncated_header_of_a_known_format_is_damaged_not_unknown(tmp_path):
    data = encode(quadrants(), "PNG")
    path = write(tmp_path, "stub.png", data[:20])
    assert refused(path) == 'Cannot open "stub.png": damaged file.'


def test_png_with_bad_checksum_is_damaged(tmp_path):
    data = bytearray(encode(noise(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    path = write(tmp_path, "flipped.png", bytes(data))
    assert refused(path) == 'Cannot open "flipped.png": damaged file.'


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.png", b"")
    assert refused(path) == 'Cannot open "empty.png": empty file.'


def test_directory_is_not_a_regular_file(tmp_path):
    folder = tmp_path / "folder.png"
    folder.mkdir()
    assert refused(folder) == 'Cannot open "folder.png": not a regular file.'


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path):
    import signal

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)

    def hung(signum, frame):
        raise AssertionError("load_image blocked on a FIFO")

    # Opening a FIFO for reading with no writer would hang forever; refusing must not.
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        assert refused(fifo) == 'Cannot open "pipe.png": not a regular file.'
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_character_device_is_refused():
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    assert refused("/dev/null") == 'Cannot open "null": not a regular file.'


def test_missing_file(tmp_path):
    assert refused(tmp_path / "ghost.png") == 'Cannot open "ghost.png": file not found.'


def test_symlink_to_a_directory_is_refused(tmp_path):
    (tmp_path / "real_dir").mkdir()
    link = tmp_path / "dir_link.png"
    try:
        link.symlink_to(tmp_path / "real_dir", target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available here")
    assert "not a regular file" in refused(link)


def test_errors_are_viewer_errors(tmp_path):
    with pytest.raises(ViewerError):
        load_image(tmp_path / "ghost.png")


# --- size budget ---------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR (with a valid CRC) claims width x height."""
    data = bytearray(encode(Image.new("L", (4, 4), 7), "PNG"))
    start = data.index(b"IHDR")
    data[start + 4:start + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[start:start + 17])) & 0xFFFFFFFF
    data[start + 17:start + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_decompression_bomb_header_is_refused_without_decoding(tmp_path, load_spy):
    path = write(tmp_path, "bomb.png", png_claiming(30000, 30000))
    message = refused(path)
    assert message == 'Cannot open "bomb.png": too large: 30000×30000 pixels (limit 89 megapixels).'
    assert load_spy == []


def test_header_just_over_pillows_warning_threshold_is_refused(tmp_path, load_spy):
    # 90.25 MP: Pillow only warns here; the warning must become a refusal, not a decode.
    path = write(tmp_path, "wide.png", png_claiming(9500, 9500))
    assert refused(path) == (
        'Cannot open "wide.png": too large: 9500×9500 pixels (limit 89 megapixels).'
    )
    assert load_spy == []


def test_max_pixels_keyword_names_the_exact_size(tmp_path, load_spy):
    path = write(tmp_path, "big.png", encode(quadrants(20), "PNG"))
    assert refused(path, max_pixels=100) == (
        'Cannot open "big.png": too large: 20×20 pixels (limit 100 pixels).'
    )
    assert load_spy == []
    assert load_image(path, max_pixels=400).size == (20, 20)


def test_limit_in_megapixels_is_worded_as_such(tmp_path):
    path = write(tmp_path, "bomb.png", png_claiming(3000, 1000))
    assert refused(path, max_pixels=2_000_000) == (
        'Cannot open "bomb.png": too large: 3000×1000 pixels (limit 2 megapixels).'
    )


def test_global_pillow_state_is_left_alone(tmp_path):
    write(tmp_path, "ok.png", encode(quadrants(), "PNG"))
    load_image(tmp_path / "ok.png")  # the first decode files Pillow's warnings, once
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters))
    load_image(tmp_path / "ok.png")
    with pytest.raises(ImageLoadError):
        load_image(write(tmp_path, "bomb.png", png_claiming(30000, 30000)))
    with pytest.raises(ImageLoadError):
        load_image(write(tmp_path, "cut.png", encode(noise(), "PNG")[:300]))
    after = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters))
    assert after == before
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- orientation ---------------------------------------------------------------------


def left_red_right_blue() -> Image.Image:
    array = np.zeros((16, 32, 3), np.uint8)  # 32 wide, 16 high
    array[:, :16] = (255, 0, 0)
    array[:, 16:] = (0, 0, 255)
    return Image.fromarray(array)


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, colour))


def test_exif_orientation_6_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    data = encode(left_red_right_blue(), "JPEG", quality=95, exif=exif.tobytes())
    loaded = load_image(write(tmp_path, "phone.jpg", data))

    assert loaded.size == (16, 32)
    # Clockwise: the old left edge (red) is now the top.
    assert close_to(loaded.getpixel((8, 4)), (255, 0, 0))
    assert close_to(loaded.getpixel((8, 28)), (0, 0, 255))


def jpeg_with_app1(payload: bytes) -> bytes:
    plain = encode(left_red_right_blue(), "JPEG", quality=95)
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return plain[:2] + segment + plain[2:]


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\x00\x00garbage that is no TIFF header at all",
        b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0" + b"\x00" * 8,  # IFD offset past the end
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x04\x00\xff\xff\xff\x0f"
        b"\x06\x00\x00\x00",  # orientation tag claiming 268 million values
    ],
)
def test_corrupted_exif_keeps_the_image(tmp_path, payload):
    with warnings.catch_warnings(record=True) as caught:  # the process's filters, as they are
        loaded = load_image(write(tmp_path, "odd_exif.jpg", jpeg_with_app1(payload)))
    assert [str(w.message) for w in caught] == []  # Pillow's "Corrupt EXIF" chatter stays quiet
    assert loaded.mode == "RGB"
    assert loaded.size == (32, 16)
    assert close_to(loaded.getpixel((2, 8)), (255, 0, 0))


def test_exif_that_makes_pillow_raise_keeps_the_unrotated_image(tmp_path, monkeypatch):
    def broken(image, **kwargs):
        raise SyntaxError("not a TIFF file (header b'garbage' not valid)")

    monkeypatch.setattr(ImageOps, "exif_transpose", broken)
    loaded = load_image(write(tmp_path, "photo.jpg", encode(left_red_right_blue(), "JPEG")))
    assert loaded.size == (32, 16)


# --- colour modes --------------------------------------------------------------------


def test_rgba_is_composited_over_white(tmp_path):
    pixels = np.array([[[255, 0, 0, 0], [0, 0, 255, 255], [0, 0, 0, 128]]], np.uint8)
    path = write(tmp_path, "alpha.png", encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    loaded = load_image(path)
    assert loaded.getpixel((0, 0)) == (255, 255, 255)
    assert loaded.getpixel((1, 0)) == (0, 0, 255)
    assert all(abs(v - 127) <= 1 for v in loaded.getpixel((2, 0)))


def test_grey_with_alpha_is_composited_over_white(tmp_path):
    image = Image.new("LA", (2, 1))
    image.putpixel((0, 0), (0, 0))
    image.putpixel((1, 0), (0, 255))
    loaded = load_image(write(tmp_path, "la.png", encode(image, "PNG")))
    assert loaded.getpixel((0, 0)) == (255, 255, 255)
    assert loaded.getpixel((1, 0)) == (0, 0, 0)


def test_palette_with_transparency(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 128, 0] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    path = write(tmp_path, "palette.png", encode(image, "PNG", transparency=0))
    loaded = load_image(path)
    assert loaded.getpixel((0, 0)) == (255, 255, 255)
    assert loaded.getpixel((1, 0)) == (0, 128, 0)


def test_rgb_png_with_transparent_colour_key(tmp_path):
    image = Image.new("RGB", (2, 1), (10, 20, 30))
    image.putpixel((1, 0), (1, 2, 3))
    path = write(tmp_path, "key.png", encode(image, "PNG", transparency=(10, 20, 30)))
    loaded = load_image(path)
    assert loaded.getpixel((0, 0)) == (255, 255, 255)
    assert loaded.getpixel((1, 0)) == (1, 2, 3)
    assert "transparency" not in loaded.info


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey_is_scaled_by_its_range(tmp_path, fmt):
    values = np.array([[1000, 2000, 3000]], np.uint16)
    source = Image.fromarray(values)
    assert source.mode.startswith("I;16")
    loaded = load_image(write(tmp_path, "deep." + fmt.lower(), encode(source, fmt)))
    assert [loaded.getpixel((x, 0)) for x in range(3)] == [(0,) * 3, (128,) * 3, (255,) * 3]


def test_big_endian_16_bit_is_scaled():
    source = Image.frombytes("I;16B", (3, 1), struct.pack(">3H", 0, 300, 600))
    array = image_to_array(source)
    assert array[0, :, 0].tolist() == [0, 128, 255]


def test_32_bit_integer_tiff_is_scaled(tmp_path):
    values = np.array([[-70000, 0, 70000]], np.int32)
    source = Image.fromarray(values)
    assert source.mode == "I"
    loaded = load_image(write(tmp_path, "ints.tif", encode(source, "TIFF")))
    assert [loaded.getpixel((x, 0))[0] for x in range(3)] == [0, 128, 255]


def test_float_tiff_is_scaled_and_survives_nan_and_inf(tmp_path):
    values = np.array([[-1.0, 0.0, 1.0, np.nan, np.inf, -np.inf]], np.float32)
    source = Image.fromarray(values)
    assert source.mode == "F"
    loaded = load_image(write(tmp_path, "floats.tif", encode(source, "TIFF")))
    assert [loaded.getpixel((x, 0))[0] for x in range(6)] == [0, 128, 255, 0, 255, 0]


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [("F", 0.0, 0), ("F", 0.75, 128), ("I", 7, 128), ("I;16", 0, 0), ("I;16", 9, 128)],
)
def test_constant_high_depth_image_does_not_divide_by_zero(mode, value, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "divide by zero" RuntimeWarning either
        array = image_to_array(Image.new(mode, (3, 2), value))
    assert (array == expected).all()


def test_float_image_with_no_finite_value():
    values = np.array([[np.nan, np.inf, -np.inf]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        array = image_to_array(Image.fromarray(values))
    assert array[0, :, 0].tolist() == [0, 255, 0]


def test_cmyk_jpeg(tmp_path):
    source = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red ink
    loaded = load_image(write(tmp_path, "print.jpg", encode(source, "JPEG", quality=95)))
    assert loaded.mode == "RGB"
    assert close_to(loaded.getpixel((8, 8)), (255, 0, 0))


def test_one_bit_image(tmp_path):
    source = Image.new("1", (2, 1), 0)
    source.putpixel((1, 0), 1)
    for fmt in ("PNG", "BMP", "TIFF"):
        loaded = load_image(write(tmp_path, "bits." + fmt.lower(), encode(source, fmt)))
        assert loaded.getpixel((0, 0)) == (0, 0, 0)
        assert loaded.getpixel((1, 0)) == (255, 255, 255)


def test_plain_grey_and_palette(tmp_path):
    grey = Image.new("L", (1, 1), 77)
    assert load_image(write(tmp_path, "grey.png", encode(grey, "PNG"))).getpixel((0, 0)) == (
        77, 77, 77,
    )
    palette = quadrants().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    loaded = load_image(write(tmp_path, "pal.bmp", encode(palette, "BMP")))
    assert loaded.getpixel((0, 0)) == COLOURS[0]


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("HSV", (0, 255, 255), (255, 0, 0)),
        ("YCbCr", (76, 85, 255), (254, 0, 0)),
        ("LAB", (255, 128, 128), (254, 255, 254)),
        ("CMYK", (0, 0, 0, 0), (255, 255, 255)),
        ("PA", None, (255, 255, 255)),
        ("RGBa", (10, 10, 10, 0), (255, 255, 255)),
        ("La", (10, 0), (255, 255, 255)),
    ],
)
def test_other_modes_become_rgb(mode, value, expected):
    image = Image.new(mode, (1, 1), value) if value is not None else Image.new(mode, (1, 1))
    pixel = tuple(image_to_array(image)[0, 0])
    assert all(abs(int(a) - b) <= 2 for a, b in zip(pixel, expected)), pixel


def test_lab_tiff_file(tmp_path):
    source = Image.new("LAB", (2, 2), (255, 128, 128))
    loaded = load_image(write(tmp_path, "lab.tif", encode(source, "TIFF")))
    assert close_to(loaded.getpixel((0, 0)), (255, 255, 255), tolerance=3)


def test_animated_gif_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in COLOURS[:3]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    loaded = load_image(write(tmp_path, "anim.gif", data))
    assert loaded.getpixel((4, 4)) == COLOURS[0]


def test_animated_png_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in COLOURS[:3]]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=50)
    loaded = load_image(write(tmp_path, "anim.png", data))
    assert loaded.getpixel((4, 4)) == COLOURS[0]


# --- bytes ---------------------------------------------------------------------------


def test_load_image_bytes():
    loaded = load_image_bytes(encode(quadrants(), "PNG"))
    assert loaded.mode == "RGB" and loaded.size == (16, 16)
    assert load_image_bytes(bytearray(encode(quadrants(), "BMP"))).getpixel((0, 0)) == COLOURS[0]


def test_load_image_bytes_fails_cleanly():
    assert refused(load_image_bytes, b"\x00\x01garbage" * 50) == (
        'Cannot open "pasted image": not an image.'
    )
    assert refused(load_image_bytes, b"", name="clipboard") == (
        'Cannot open "clipboard": empty file.'
    )
    assert refused(load_image_bytes, encode(noise(), "JPEG")[:400], name="drop.jpg") == (
        'Cannot open "drop.jpg": damaged file.'
    )
    assert refused(load_image_bytes, encode(quadrants(), "ICO")) == (
        'Cannot open "pasted image": unsupported format (ICO).'
    )
    assert refused(load_image_bytes, png_claiming(30000, 30000)).startswith(
        'Cannot open "pasted image": too large'
    )
    assert refused(load_image_bytes, "not bytes") == 'Cannot open "pasted image": not an image.'


# --- whatever a decoder throws -------------------------------------------------------


@pytest.mark.parametrize(
    "exception",
    [struct.error("unpack"), ZeroDivisionError(), ValueError("x"), OSError("y"),
     IndexError(), RecursionError()],
)
def test_raw_decoder_exceptions_become_damaged_file(tmp_path, monkeypatch, exception):
    def explode(image):
        raise exception

    monkeypatch.setattr(images, "_to_rgb", explode)
    path = write(tmp_path, "odd.png", encode(quadrants(), "PNG"))
    assert refused(path) == 'Cannot open "odd.png": damaged file.'


def test_memory_error_is_too_large_to_decode(tmp_path, monkeypatch):
    def explode(self):
        raise MemoryError

    monkeypatch.setattr(ImageFile.ImageFile, "load", explode)
    path = write(tmp_path, "huge.png", encode(quadrants(), "PNG"))
    assert refused(path) == 'Cannot open "huge.png": too large to decode.'


def test_keyboard_interrupt_is_not_swallowed(tmp_path, monkeypatch):
    def interrupt(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(ImageFile.ImageFile, "load", interrupt)
    with pytest.raises(KeyboardInterrupt):
        load_image(write(tmp_path, "a.png", encode(quadrants(), "PNG")))


@pytest.mark.parametrize("seed", range(6))
def test_random_corruption_never_escapes_as_a_raw_error(tmp_path, seed):
    rng = np.random.default_rng(seed)
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
        data = bytearray(encode(noise((24, 24), seed), fmt))
        for index in rng.integers(0, len(data), 8):
            data[index] = int(rng.integers(0, 256))
        try:
            image = load_image_bytes(bytes(data), name=f"fuzz.{fmt}")
        except ImageLoadError as error:
            assert str(error).startswith(f'Cannot open "fuzz.{fmt}": ')
        else:
            assert image.mode == "RGB"


# --- arrays --------------------------------------------------------------------------


def test_image_to_array():
    array = image_to_array(quadrants())
    assert array.dtype == np.uint8
    assert array.shape == (16, 16, 3)
    assert array.flags.c_contiguous and array.flags.writeable
    assert tuple(array[0, 0]) == COLOURS[0]
    assert tuple(array[15, 15]) == COLOURS[3]


def test_image_to_array_normalises_other_modes():
    rgba = Image.new("RGBA", (3, 2), (0, 0, 0, 0))
    array = image_to_array(rgba)
    assert array.shape == (2, 3, 3) and (array == 255).all()
    grey = image_to_array(Image.new("L", (5, 4), 9))
    assert grey.shape == (4, 5, 3) and (grey == 9).all() and grey.flags.c_contiguous


def test_image_to_array_rejects_non_images():
    with pytest.raises(TypeError):
        image_to_array(np.zeros((2, 2, 3), np.uint8))


def test_module_stays_free_of_qt_and_torch():
    from pathlib import Path

    source = Path(images.__file__).read_text(encoding="utf-8")
    for forbidden in ("PySide6", "torch", "pyqtgraph", "shiboken"):
        assert forbidden not in source
    assert sys.modules[images.__name__] is images


def test_concurrent_loads_leave_the_warning_filters_as_they_were(tmp_path):
    import threading

    path = write(tmp_path, "ok.png", encode(quadrants(), "PNG"))
    load_image(path)  # the first decode files Pillow's warnings, once
    before = list(warnings.filters)
    sizes, errors = [], []

    def load_many():
        try:
            for _ in range(20):
                sizes.append(load_image(path).size)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=load_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(sizes) == 80
    assert list(warnings.filters) == before


def test_two_threads_decode_at_the_same_time(tmp_path):
    """No process-wide decode lock: each decode reads its file only once the other one is
    reading too (a lock would leave one waiting at the barrier, which then breaks)."""
    import io
    import threading

    from alexnet_viewer.core.pictures import images

    data = encode(quadrants(), "PNG")
    both_reading = threading.Barrier(2, timeout=10)

    class MeetingFile(io.BytesIO):
        met = False

        def read(self, *args):
            if not self.met:
                self.met = True
                both_reading.wait()
            return super().read(*args)

    sizes, errors = [], []

    def decode():
        try:
            sizes.append(images._decode(MeetingFile(data), "meeting.png", images.MAX_PIXELS).size)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=decode) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sizes == [(16, 16)] * 2
