"""Pictures of explanations (no Qt): gradient images as the Deep Visualization Toolbox drew
them, and heat maps over a picture through a numpy colour table.

- ``gradient_image(grad, mode)``: a (3, H, W) input-space gradient as (H, W, 3) uint8 RGB.
  DVT's four views: ``raw`` (each channel, 0 at mid-grey, scaled by the largest magnitude),
  ``gray`` (the channel mean, the same way), ``norm`` (the per-pixel L2 norm over channels,
  stretched 0..1) and ``normblur`` (that norm blurred with a Gaussian, sigma 4 px, then
  stretched).
- ``heat_rgb`` / ``heat_overlay``: a (h, w) map through a lookup table, alone or blended
  over a picture (the map is upsampled bilinearly to the picture's size).
- ``occlusion_drop`` / ``heat_levels``: an occlusion map as a heat map (how much the class
  probability fell with the square there) and where on the crop it lies; a heat map's range.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

GRADIENT_MODES = ("raw", "gray", "norm", "normblur")
BLUR_SIGMA = 4.0  # pixels, DVT's default for the blurred norm
_TINY = 1e-10


def jet_lut(size: int = 256) -> np.ndarray:
    """The classic jet colour table (blue, cyan, yellow, red) as (size, 3) uint8."""
    t = np.linspace(0.0, 1.0, size)[:, None]
    centres = np.array([[0.75, 0.5, 0.25]])  # red, green, blue peak positions
    rgb = np.clip(1.5 - np.abs(4.0 * (t - centres)), 0.0, 1.0)
    return np.round(rgb * 255).astype(np.uint8)


HEAT_LUT = jet_lut()


def gradient_image(grad: np.ndarray, mode: str = "raw") -> np.ndarray:
    grad = np.asarray(grad, dtype=np.float32)
    if grad.ndim != 3 or grad.shape[0] != 3:
        raise ValueError(f"expected a (3, H, W) gradient, got {grad.shape}")
    hwc = np.moveaxis(grad, 0, -1)
    if mode == "raw":
        unit = _centred(hwc)
    elif mode == "gray":
        unit = _centred(hwc.mean(axis=2))
    elif mode == "norm":
        unit = _stretched(np.linalg.norm(hwc, axis=2))
    elif mode == "normblur":
        unit = _stretched(gaussian_blur(np.linalg.norm(hwc, axis=2), BLUR_SIGMA))
    else:
        raise ValueError(f"gradient display must be one of {GRADIENT_MODES}, not {mode!r}")
    if unit.ndim == 2:
        unit = np.repeat(unit[:, :, None], 3, axis=2)
    return np.round(unit * 255).astype(np.uint8)


def _centred(values: np.ndarray) -> np.ndarray:
    """0 -> 0.5; the largest magnitude (either sign) -> 0 or 1."""
    return values / (2 * max(float(values.max()), -float(values.min())) + _TINY) + 0.5


def _stretched(values: np.ndarray) -> np.ndarray:
    low = float(values.min())
    return (values - low) / (float(values.max()) - low + _TINY)


def gaussian_blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of a 2-D array, edges mirrored (without repeating the edge)."""
    radius = max(1, int(np.ceil(4 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = np.asarray(values, dtype=np.float64)
    for axis in (0, 1):
        if out.shape[axis] <= radius:
            raise ValueError(f"a {out.shape} map is too small for a blur of sigma {sigma}")
        padding = [(0, 0), (0, 0)]
        padding[axis] = (radius, radius)
        padded = np.pad(out, padding, mode="reflect")
        out = np.apply_along_axis(lambda line: np.convolve(line, taps, mode="valid"), axis, padded)
    return out.astype(np.float32)


def heat_rgb(values: np.ndarray, levels: tuple[float, float] | None = None, lut: np.ndarray = HEAT_LUT) -> np.ndarray:
    """(h, w) values through the table; levels default to the map's own min..max."""
    values = np.asarray(values, dtype=np.float32)
    low, high = (float(values.min()), float(values.max())) if levels is None else levels
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    index = np.clip(np.round(scaled * (len(lut) - 1)), 0, len(lut) - 1).astype(np.intp)
    return lut[index]


def upsample(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) float map resized bilinearly to (height, width)."""
    height, width = size
    image = Image.fromarray(np.asarray(values, dtype=np.float32))
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)


def heat_overlay(
    picture: np.ndarray,
    values: np.ndarray,
    opacity: float = 0.5,
    levels: tuple[float, float] | None = None,
    lut: np.ndarray = HEAT_LUT,
) -> np.ndarray:
    """The heat map (upsampled to the picture) blended over an (H, W, 3) uint8 picture."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be between 0 and 1, not {opacity}")
    values = np.asarray(values, dtype=np.float32)
    if levels is None:
        levels = (float(values.min()), float(values.max()))
    heat = heat_rgb(upsample(values, picture.shape[:2]), levels, lut).astype(np.float32)
    blended = (1.0 - opacity) * picture.astype(np.float32) + opacity * heat
    return np.round(blended).astype(np.uint8)


def occlusion_drop(occlusion) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """(rows, cols) float32 baseline - probability of a single-class ``OcclusionMap`` (high where
    covering the picture cost the class most), and the (top, left, bottom, right) box on the crop
    its cells tile: cell (i, j) is centred on the square's centre, one stride on a side."""
    drop = (np.asarray(occlusion.baseline, np.float32) - np.asarray(occlusion.probability, np.float32))
    if drop.ndim != 2:
        raise ValueError(f"expected the map of one class, got an array of shape {drop.shape}")
    offsets, half, step = occlusion.offsets, occlusion.window / 2, occlusion.stride / 2
    first, last = offsets[0] + half - step, offsets[-1] + half + step
    return drop.astype(np.float32), (float(first), float(first), float(last), float(last))


def heat_levels(values: np.ndarray) -> tuple[float, float]:
    """The range to colour a heat map over: from 0 (or its minimum, if negative) to its maximum,
    never empty, so an all-zero map reads as cold rather than as noise stretched to full range."""
    values = np.asarray(values, dtype=np.float32)
    low = min(0.0, float(values.min())) if values.size else 0.0
    high = float(values.max()) if values.size else 1.0
    return low, high if high > low else low + 1e-6
