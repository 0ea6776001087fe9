"""The immutable per-frame result that the engine hands to views and exporters.

Arrays inside are CPU numpy arrays marked read-only, so a view cannot change what
another view shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def frozen_array(array: np.ndarray) -> np.ndarray:
    """A read-only, C-contiguous view (a copy only if needed); the caller's array is untouched."""
    view = np.ascontiguousarray(array).view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Prediction:
    index: int
    label: str
    probability: float


@dataclass(frozen=True)
class LayerStats:
    """Summary of one layer's output for one frame.

    ``std`` and ``zero_fraction`` (only the Statistics view shows them) come from ``spread``:
    the pair itself, or a function that reduces the layer once, when either is first read.
    """

    shape: tuple[int, ...]  # (C, H, W) for spatial layers, (N,) for fully connected ones
    mean: float
    min: float
    max: float
    channel_means: np.ndarray  # (C,) float32; for fc layers the unit values themselves
    spread: tuple[float, float] | Callable[[], tuple[float, float]] = field(compare=False, repr=False)

    @cached_property
    def _spread(self) -> tuple[float, float]:
        return self.spread() if callable(self.spread) else self.spread

    @property
    def std(self) -> float:
        return self._spread[0]

    @property
    def zero_fraction(self) -> float:
        """Fraction of values exactly 0.0."""
        return self._spread[1]


@dataclass(frozen=True)
class Histogram:
    counts: np.ndarray  # (64,) int64
    edges: np.ndarray  # (65,) float32, edges[0] == layer min, edges[-1] == layer max


GAP_VALUE = 0


@dataclass(frozen=True)
class Mosaic:
    """Every channel of a layer tiled into one uint8 image.

    Pixel value v in 1..255 stands for the activation
    ``levels[0] + (v - 1) / 254 * (levels[1] - levels[0])``; 0 (GAP_VALUE) marks the gaps
    between tiles and empty grid cells, so a lookup table can paint them apart from the
    data. ``order[k]`` is the channel shown in tile k (row-major).
    """

    image: np.ndarray  # (rows*(tile_h+gap)-gap, cols*(tile_w+gap)-gap) uint8
    levels: tuple[float, float]
    grid: tuple[int, int]  # (rows, cols)
    tile: tuple[int, int]  # (tile_h, tile_w)
    gap: int
    order: tuple[int, ...]

    def channel_at(self, row: float, col: float) -> tuple[int, int, int] | None:
        """(channel, y, x) under image pixel (row, col), or None over a gap or outside."""
        r, c = int(row), int(col)
        if row < 0 or col < 0:
            return None
        step_h, step_w = self.tile[0] + self.gap, self.tile[1] + self.gap
        tile_r, y = divmod(r, step_h)
        tile_c, x = divmod(c, step_w)
        if y >= self.tile[0] or x >= self.tile[1] or tile_r >= self.grid[0] or tile_c >= self.grid[1]:
            return None
        k = tile_r * self.grid[1] + tile_c
        if k >= len(self.order):
            return None
        return self.order[k], y, x

    def tile_origin(self, channel: int) -> tuple[int, int]:
        """Top-left (row, col) in the image of the tile showing ``channel``."""
        k = self.order.index(channel)
        tile_r, tile_c = divmod(k, self.grid[1])
        return tile_r * (self.tile[0] + self.gap), tile_c * (self.tile[1] + self.gap)


@dataclass(frozen=True)
class FilterTiles:
    """The conv1 kernels as one RGB image: 8x8 tiles of 11x11, gap between tiles."""

    global_norm: np.ndarray  # (H, W, 3) uint8, one scale for all filters
    per_filter_norm: np.ndarray  # (H, W, 3) uint8, each filter stretched on its own
    grid: tuple[int, int]
    tile: tuple[int, int]
    gap: int

    def filter_at(self, row: float, col: float) -> int | None:
        if row < 0 or col < 0:
            return None
        tile_r, y = divmod(int(row), self.tile[0] + self.gap)
        tile_c, x = divmod(int(col), self.tile[1] + self.gap)
        if y >= self.tile[0] or x >= self.tile[1] or tile_r >= self.grid[0] or tile_c >= self.grid[1]:
            return None
        return tile_r * self.grid[1] + tile_c


@dataclass(frozen=True)
class WeightsInfo:
    """What the user must know about the weights behind a prediction."""

    source: str  # "pretrained", "file" or "random"
    description: str  # e.g. "ImageNet (IMAGENET1K_V1)", "my.pth", "random, seed 0"
    trained: bool


@dataclass(frozen=True)
class Result:
    frame_id: int
    image: np.ndarray  # (H, W, 3) uint8, the picture as given to the engine
    crop: np.ndarray  # (224, 224, 3) uint8, what the network saw (before normalisation)
    top5: tuple[Prediction, ...]
    activations: Mapping[str, np.ndarray]  # canonical name -> float32 (C,H,W) or (N,)
    stats: Mapping[str, LayerStats]
    histograms: Mapping[str, Histogram]  # only for requested layers
    mosaics: Mapping[str, Mosaic]  # only for requested layers
    filters: FilterTiles
    weights: WeightsInfo
    device: str
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    # The engine's kept activations (kept.KeptActivations), from which rerender.py draws
    # another layer or order without a forward; None for results made by hand.
    kept: Any = field(default=None, compare=False, repr=False)
    # ``image`` reduced to a screen's size by a whole factor (core/pictures/display.py);
    # None: draw ``image`` itself.
    display: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def shown_picture(self) -> np.ndarray:
        """What a panel draws for ``image``: its display copy, k times smaller, or itself."""
        return self.display if self.display is not None else self.image

    def __post_init__(self) -> None:
        for name in ("activations", "stats", "histograms", "mosaics", "timings_ms"):
            value = getattr(self, name)
            # Read-only mappings (the engine's lazy ones) are kept as they are: copying
            # them into a dict would compute what nobody asked for.
            if isinstance(value, dict) or not isinstance(value, Mapping):
                object.__setattr__(self, name, MappingProxyType(dict(value)))
