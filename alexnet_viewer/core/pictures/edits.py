"""Picture edits a lecturer applies before AlexNet sees a frame.

Pure functions on (H, W, 3) uint8 RGB arrays; they run in the engine worker thread for
every live frame, so each step is a lookup table, a slice or one Pillow call.

Order (fixed, so that an edit means the same thing whatever else is switched on):
crop -> rotate -> flip -> brightness/contrast -> greyscale -> blur -> occluder.
Crop comes first because its box is chosen on the original frame. The occluder comes
last because the lecturer places it on the *displayed, edited* picture: drawn earlier it
would be rotated, flipped, blurred or tinted away from where it was put, and a blurred
square no longer hides what it covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

MAX_BLUR_RADIUS = 50.0
MIN_CONTRAST, MAX_CONTRAST = 0.0, 3.0

Box = tuple[float, float, float, float]
Occluder = tuple[float, float, float]


@lru_cache(maxsize=1)
def occluder_colour() -> tuple[int, int, int]:
    """The ImageNet mean colour: after normalisation it is all zeros, i.e. "nothing here"."""
    from torchvision.models import AlexNet_Weights

    mean = AlexNet_Weights.IMAGENET1K_V1.transforms().mean
    return tuple(int(round(m * 255)) for m in mean)


def _finite(value: float, default: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else default


def _clamp(value: float, low: float, high: float, default: float) -> float:
    return min(high, max(low, _finite(value, default)))


def _clamp_box(box) -> Box | None:
    if box is None:
        return None
    x0, y0, x1, y1 = (_clamp(v, 0.0, 1.0, 0.0) for v in box)
    # A box dragged right-to-left or bottom-to-top is still the same box.
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    if (x0, y0, x1, y1) == (0.0, 0.0, 1.0, 1.0):
        return None
    return (x0, y0, x1, y1)


def _clamp_occluder(occluder) -> Occluder | None:
    if occluder is None:
        return None
    x, y, size = occluder
    size = _clamp(size, 0.0, 1.0, 0.0)
    if size == 0.0:
        return None
    return (_clamp(x, 0.0, 1.0, 0.5), _clamp(y, 0.0, 1.0, 0.5), size)


@dataclass(frozen=True)
class Edits:
    """What to do to a frame. Out-of-range values are clamped on construction.

    crop: normalised (x0, y0, x1, y1) of the original frame, or None.
    occluder: normalised (centre_x, centre_y, size) on the edited picture, or None;
    size is a fraction of the picture's shorter side, so the square stays square.
    """

    rotate_degrees: float = 0.0
    flip_horizontal: bool = False
    flip_vertical: bool = False
    crop: Box | None = None
    brightness: float = 0.0
    contrast: float = 1.0
    blur_radius: float = 0.0
    greyscale: bool = False
    occluder: Occluder | None = None

    def __post_init__(self) -> None:
        fix = {
            "rotate_degrees": _finite(self.rotate_degrees, 0.0) % 360.0,
            "flip_horizontal": bool(self.flip_horizontal),
            "flip_vertical": bool(self.flip_vertical),
            "crop": _clamp_box(self.crop),
            "brightness": _clamp(self.brightness, -1.0, 1.0, 0.0),
            "contrast": _clamp(self.contrast, MIN_CONTRAST, MAX_CONTRAST, 1.0),
            "blur_radius": _clamp(self.blur_radius, 0.0, MAX_BLUR_RADIUS, 0.0),
            "greyscale": bool(self.greyscale),
            "occluder": _clamp_occluder(self.occluder),
        }
        for name, value in fix.items():
            object.__setattr__(self, name, value)

    @property
    def is_identity(self) -> bool:
        return self == Edits()

    def describe(self) -> str:
        """A short human summary for a status line, e.g. 'rotate 90°, greyscale'."""
        parts = []
        if self.crop is not None:
            parts.append("crop")
        if self.rotate_degrees:
            parts.append(f"rotate {self.rotate_degrees:g}°")
        if self.flip_horizontal:
            parts.append("flip horizontal")
        if self.flip_vertical:
            parts.append("flip vertical")
        if self.brightness:
            parts.append(f"brightness {self.brightness:+.2f}")
        if self.contrast != 1.0:
            parts.append(f"contrast ×{self.contrast:.2f}")
        if self.greyscale:
            parts.append("greyscale")
        if self.blur_radius:
            parts.append(f"blur {self.blur_radius:g} px")
        if self.occluder is not None:
            parts.append("occluder")
        return ", ".join(parts) if parts else "no edits"


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 \
            or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        got = getattr(image, "shape", type(image).__name__)
        raise ValueError(f"Edits need an RGB picture as an (H, W, 3) uint8 array, got {got}.")


def _crop(image: np.ndarray, box: Box) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    # At least one pixel survives even a zero-area box, so later steps never see an empty array.
    left = min(int(math.floor(x0 * w)), w - 1)
    top = min(int(math.floor(y0 * h)), h - 1)
    right = max(int(math.ceil(x1 * w)), left + 1)
    bottom = max(int(math.ceil(y1 * h)), top + 1)
    return image[top:bottom, left:right]


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    # Quarter turns are exact and free; positive angles turn anticlockwise (Pillow's sense).
    quarter = degrees / 90.0
    if quarter == int(quarter):
        return np.rot90(image, int(quarter))
    # expand=True keeps the whole picture visible; the new corners get the ImageNet mean
    # so they read as "no information" to the network.
    rotated = Image.fromarray(np.ascontiguousarray(image)).rotate(
        degrees, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=occluder_colour())
    return np.asarray(rotated)


def _tone_table(brightness: float, contrast: float) -> np.ndarray:
    # Contrast stretches around mid-grey, then brightness shifts by up to a full range.
    levels = np.arange(256, dtype=np.float32)
    table = (levels - 128.0) * contrast + 128.0 + brightness * 255.0
    return np.clip(np.rint(table), 0, 255).astype(np.uint8)


def _greyscale(image: np.ndarray) -> np.ndarray:
    """(H, W) luma; Pillow's "L" uses the ITU-R 601 weights, in fixed point and in C."""
    return np.asarray(Image.fromarray(np.ascontiguousarray(image)).convert("L"))


def _blur(image: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of an (H, W, 3) or, three times cheaper, an (H, W) picture."""
    picture = Image.fromarray(np.ascontiguousarray(image))
    width, height = picture.size
    # Pillow's Gaussian costs the same at any radius (about 10 ms for 640x480 RGB), so a
    # wide blur is done on a picture shrunk by a whole ``factor`` and enlarged again: the
    # lost detail is exactly what the blur removes. Box-shrinking and bilinear enlarging
    # each blur a little (variances 1/12 and 1/6 of a small pixel); the Gaussian supplies
    # the rest. Whole factors avoid the moire that fractional ones leave.
    factor = int(radius // 1.5)
    if factor < 2 or min(width, height) / factor < 8:
        return np.asarray(picture.filter(ImageFilter.GaussianBlur(radius)))
    small_size = (max(1, round(width / factor)), max(1, round(height / factor)))
    sigma = math.sqrt(max((radius / factor) ** 2 - 0.25, 0.0))
    small = picture.resize(small_size, Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(sigma))
    return np.asarray(small.resize((width, height), Image.Resampling.BILINEAR))


def occluder_rect(shape: tuple[int, ...], occluder: Occluder) -> tuple[int, int, int, int]:
    """Pixel (left, top, right, bottom) of the occluder square, clipped to the picture."""
    h, w = shape[:2]
    cx, cy, size = occluder
    side = max(1, int(round(size * min(h, w))))
    left = int(round(cx * w - side / 2))
    top = int(round(cy * h - side / 2))
    return max(0, left), max(0, top), min(w, left + side), min(h, top + side)


def apply_edits(image: np.ndarray, edits: Edits) -> np.ndarray:
    """The edited picture as a new (H', W', 3) uint8 C-contiguous array.

    With no edits the input itself is returned (made C-contiguous), so callers must treat
    the result as read-only. Rotation by a non-multiple of 90° enlarges the picture.
    """
    _check_image(image)
    if edits.is_identity:
        return np.ascontiguousarray(image)
    out = image
    if edits.crop is not None:
        out = _crop(out, edits.crop)
    if edits.rotate_degrees:
        out = _rotate(out, edits.rotate_degrees)
    if edits.flip_horizontal:
        out = out[:, ::-1]
    if edits.flip_vertical:
        out = out[::-1]
    if edits.brightness != 0.0 or edits.contrast != 1.0:
        out = _tone_table(edits.brightness, edits.contrast)[out]
    if edits.greyscale:
        out = _greyscale(out)  # stays one channel through the blur
    if edits.blur_radius > 0.0:
        out = _blur(out, edits.blur_radius)
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    # The result must be the caller's to keep: never a view of (or Pillow's read-only
    # buffer behind) someone else's pixels.
    if np.may_share_memory(out, image) or not out.flags.c_contiguous or not out.flags.writeable:
        out = np.array(out, dtype=np.uint8, order="C", copy=True)
    if edits.occluder is not None:
        left, top, right, bottom = occluder_rect(out.shape, edits.occluder)
        out[top:bottom, left:right] = occluder_colour()
    return out
