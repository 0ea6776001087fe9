"""Turn untrusted picture files (or pasted bytes) into plain RGB images.

Nothing about the input is trusted: not the suffix, not the header's size, not the EXIF
block, not the colour mode. Every failure becomes an ``ImageLoadError`` whose text is one
sentence naming the file, so callers can show it as-is.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, features

from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.pictures.sniff import sniff_format as _sniff_format

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
)

# Just under Pillow's own decompression-bomb threshold (89,478,485 pixels): Pillow refuses
# bigger headers inside Image.open, before our check could name the exact size.
MAX_PIXELS = 89_000_000

# Only these decoders ever see the bytes; the suffix is ignored.
_ALLOWED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
# Pillow hands multi-picture JPEGs (phone cameras) back as MPO through the JPEG decoder.
_ACCEPTED_DECODED = frozenset(_ALLOWED_FORMATS) | {"MPO"}

_SNIFF_BYTES = 1024
_HIGH_DEPTH_ROWS_BUDGET = 4_000_000  # pixels converted per block, to bound temporary memory

# Pillow's warnings are filtered for the process instead of around every decode (which
# would need a process-wide lock: warnings.catch_warnings swaps global state). Its
# UserWarnings ("Corrupt EXIF data" and the like) are noise for a hostile file, and its
# DecompressionBombWarning is redundant: MAX_PIXELS is below Pillow's threshold and
# _check_size refuses a bigger picture before a pixel is decoded (bigger still, Pillow
# raises DecompressionBombError itself, which becomes the same sentence).
_PILLOW_FILTERS = (
    ("ignore", None, UserWarning, re.compile(r"PIL(\..*)?$"), 0),
    ("ignore", None, Image.DecompressionBombWarning, None, 0),
)


def quiet_pillow() -> None:
    """Put the filters in place, once (and again only if something reset the filter list,
    as a warnings.catch_warnings block around the import does when it ends)."""
    if not all(entry in warnings.filters for entry in _PILLOW_FILTERS):
        for action, _message, category, module, _line in _PILLOW_FILTERS:
            warnings.filterwarnings(action, category=category, module=module.pattern if module else "")


Shrink = Callable[[int, int], int]  # (width, height) from the header → a whole reduction factor


def load_image(
    path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS, draft: tuple[int, int] | None = None,
    shrink: Shrink | None = None,
) -> Image.Image:
    """Decode the picture at ``path`` into a new RGB image, or raise ImageLoadError.

    ``draft=(width, height)``: a JPEG is decoded at the smallest of its built-in reduced
    scales (1/2, 1/4, 1/8) that is still at least that size (Pillow's draft mode), which is
    several times faster for a photo much bigger than needed; other formats decode in full.
    ``shrink(width, height)``: a whole factor k to reduce the picture by on the host (a JPEG
    decodes at its reduced scale up to k, then ``Image.reduce`` does the rest; see
    core/pictures/working.py for the factor that keeps the network's crop unchanged).
    """
    name = _display_name(path)
    with open_picture_file(path, name) as fp:
        return _decode(fp, name, max_pixels, draft, shrink)


def load_image_bytes(
    data: bytes, name: str = "pasted image", *, max_pixels: int = MAX_PIXELS, shrink: Shrink | None = None
) -> Image.Image:
    """Decode an in-memory picture (clipboard, drag and drop) into a new RGB image."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _error(name, "not an image")
    data = bytes(data)
    if not data:
        raise _error(name, "empty file")
    return _decode(io.BytesIO(data), name, max_pixels, None, shrink)


def image_to_array(image: Image.Image) -> np.ndarray:
    """(H, W, 3) uint8, C-contiguous and writable; non-RGB images are normalised first."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"expected a PIL image, got {type(image).__name__}")
    if image.mode != "RGB":
        image = _to_rgb(image)
    array = np.array(image, dtype=np.uint8)
    return np.ascontiguousarray(array.reshape(image.height, image.width, 3))


# --- opening -------------------------------------------------------------------------


def open_picture_file(path: str | os.PathLike, name: str | None = None) -> BinaryIO:
    """The file opened for reading if it is a regular, non-empty one, or ImageLoadError
    (core/atlas/tensor_decode.py reads a JPEG's bytes through it, to decode them elsewhere)."""
    name = _display_name(path) if name is None else name
    try:
        # stat first: opening a FIFO or a tape device could block or have side effects.
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise _error(name, _os_reason(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise _error(name, "not a regular file")
    if info.st_size == 0:
        raise _error(name, "empty file")
    return _open_regular_file(path, name)


def _open_regular_file(path: str | os.PathLike, name: str) -> BinaryIO:
    # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not hang.
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_BINARY", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise _error(name, _os_reason(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _error(name, "not a regular file")
        if info.st_size == 0:
            raise _error(name, "empty file")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except ImageLoadError:
        os.close(fd)
        raise
    except OSError as exc:
        os.close(fd)
        raise _error(name, _os_reason(exc)) from exc


def _decode(fp: BinaryIO, name: str, max_pixels: int, draft: tuple[int, int] | None = None,
            shrink: Shrink | None = None) -> Image.Image:
    """Any number of threads may decode at once (no lock; the global Image.MAX_IMAGE_PIXELS
    stays untouched)."""
    quiet_pillow()
    try:
        head = fp.read(_SNIFF_BYTES)
        fp.seek(0)
        image = _open_and_load(fp, head, name, max_pixels, draft, shrink)
        image = _apply_exif_orientation(image)
        rgb = _to_rgb(image)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _error(name, _bomb_reason(exc, max_pixels, _header_size(fp, head))) from exc
    except MemoryError as exc:
        raise _error(name, "too large to decode") from exc
    except Exception as exc:  # noqa: BLE001 - decoders raise anything on hostile input
        raise _error(name, "damaged file") from exc
    rgb.info.pop("transparency", None)
    return rgb


def _open_and_load(
    fp: BinaryIO, head: bytes, name: str, max_pixels: int, draft: tuple[int, int] | None,
    shrink: Shrink | None = None,
) -> Image.Image:
    try:
        image = Image.open(fp, formats=list(_ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - UnidentifiedImageError, OSError, ...
        raise _error(name, _unidentified_reason(head, exc)) from exc
    if image.format not in _ACCEPTED_DECODED:
        raise _error(name, f"unsupported format ({image.format})")
    _check_size(image, name, max_pixels)
    image.seek(0)
    width, height = image.size
    factor = max(1, int(shrink(width, height))) if shrink is not None else 1
    if factor > 1 and draft is None:
        draft = (-(-width // factor), -(-height // factor))
    if draft is not None and image.format in ("JPEG", "MPO"):
        image.draft(image.mode, draft)  # before load(); only ever shrinks, keeps the mode
    image.load()  # truncated or corrupt data fails here, not later in a worker
    _check_size(image, name, max_pixels)  # a few decoders settle the size while loading
    rest = factor // max(1, round(width / image.width))  # what the JPEG scale left to do
    return image.reduce(rest) if rest > 1 else image


def _check_size(image: Image.Image, name: str, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _error(name, "damaged file")
    if width * height > max_pixels:
        raise _error(
            name, f"too large: {width}×{height} pixels (limit {_describe_pixels(max_pixels)})"
        )


def _apply_exif_orientation(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image) or image
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a broken EXIF block must not cost the picture
        return image


# --- colour modes --------------------------------------------------------------------


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _stretch_to_rgb(image)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return _composite_on_white(image)
    if "transparency" in image.info:
        try:
            return _composite_on_white(image)
        except (ValueError, TypeError, OSError):
            pass  # a malformed transparency entry: show the picture without it
    return image.convert("RGB")


def _composite_on_white(image: Image.Image) -> Image.Image:
    if image.mode == "La":
        image = image.convert("LA")  # Pillow cannot go from La straight to RGBA
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _stretch_to_rgb(image: Image.Image) -> Image.Image:
    """Map a 16/32-bit integer or float picture's actual range onto 0..255."""
    data = np.asarray(image)
    if data.ndim != 2:
        raise ValueError(f"unexpected array shape {data.shape} for mode {image.mode}")
    lo, hi = _finite_range(data)
    grey = np.empty(data.shape, dtype=np.uint8)
    rows = max(1, _HIGH_DEPTH_ROWS_BUDGET // max(1, data.shape[1]))
    for start in range(0, data.shape[0], rows):
        grey[start:start + rows] = _scale_block(data[start:start + rows], lo, hi)
    return Image.fromarray(np.ascontiguousarray(np.stack([grey] * 3, axis=-1)))


def _finite_range(data: np.ndarray) -> tuple[float | int | None, float | int | None]:
    if data.size == 0:
        return None, None
    if np.issubdtype(data.dtype, np.integer):
        return int(data.min()), int(data.max())
    finite = np.isfinite(data)
    if not finite.any():
        return None, None
    lo = float(np.min(data, where=finite, initial=np.inf))
    hi = float(np.max(data, where=finite, initial=-np.inf))
    return lo, hi


def _scale_block(block: np.ndarray, lo, hi) -> np.ndarray:
    if np.issubdtype(block.dtype, np.integer):
        if hi == lo:
            # No range to stretch: black stays black, anything else becomes mid-grey.
            return np.full(block.shape, 0 if lo == 0 else 128, dtype=np.uint8)
        span = hi - lo
        shifted = block.astype(np.int64) - lo
        return ((shifted * 255 + span // 2) // span).astype(np.uint8)

    values = block.astype(np.float64)
    if lo is None:
        scaled = np.zeros(block.shape, dtype=np.float64)
    elif hi == lo:
        scaled = np.full(block.shape, 0.0 if lo == 0 else 128.0)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = (values - lo) / (hi - lo) * 255.0
    # NaN reads as "no signal"; infinities pin to the ends of the scale.
    scaled = np.where(np.isnan(values), 0.0, scaled)
    scaled = np.where(values == np.inf, 255.0, scaled)
    scaled = np.where(values == -np.inf, 0.0, scaled)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


# --- messages ------------------------------------------------------------------------


def _error(name: str, reason: str) -> ImageLoadError:
    return ImageLoadError(f'Cannot open "{name}": {reason}.')


def _display_name(path: str | os.PathLike) -> str:
    try:
        text = os.fsdecode(path)
    except TypeError:
        return str(path)
    return os.path.basename(text.rstrip("/\\")) or text


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "not a regular file"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot be read ({exc.strerror.lower()})"
    return "cannot be read"


def _describe_pixels(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:g} megapixels"
    return f"{count} pixels"


def _header_size(fp: BinaryIO, head: bytes) -> tuple[int, int] | None:
    """Width and height from the header alone, through the format's own plugin class.

    Pillow's bomb check lives in Image.open, so the plugin reads the header without it
    and without decoding a single pixel.
    """
    kind = _sniff_format(head)
    if kind not in _ALLOWED_FORMATS or kind not in Image.OPEN:
        return None
    try:
        fp.seek(0)
        return Image.OPEN[kind][0](fp).size
    except Exception:  # noqa: BLE001 - only a nicer message is lost
        return None


def _bomb_reason(exc: BaseException, max_pixels: int, size: tuple[int, int] | None = None) -> str:
    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    if size is not None:
        return f"too large: {size[0]}×{size[1]} pixels (limit {_describe_pixels(limit)})"
    match = re.search(r"\((\d+) pixels\)", str(exc))
    if match is None:
        return f"too large to decode safely (limit {_describe_pixels(limit)})"
    size = _describe_pixels(int(match.group(1)))
    return f"too large: {size} (limit {_describe_pixels(limit)})"


def _unidentified_reason(head: bytes, exc: BaseException) -> str:
    kind = _sniff_format(head)
    if kind is None:
        return "not an image"
    if kind not in _ALLOWED_FORMATS:
        return f"unsupported format ({kind})"
    if not _decoder_available(kind):
        return f"unsupported format ({kind}, not available in this installation)"
    if "unsupported" in str(exc).lower():
        return f"unsupported format ({kind} variant)"
    return "damaged file"


def _decoder_available(kind: str) -> bool:
    feature = {"WEBP": "webp", "JPEG": "jpg", "PNG": "zlib"}.get(kind)
    try:
        return feature is None or bool(features.check(feature))
    except Exception:  # noqa: BLE001
        return False
