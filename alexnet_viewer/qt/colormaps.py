"""Perceptual colour maps as 256-entry uint8 lookup tables, built once per process."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyqtgraph as pg

COLORMAP_NAMES: tuple[str, ...] = ("viridis", "inferno", "magma", "plasma", "cividis", "grey")
DEFAULT_COLORMAP = "viridis"


@lru_cache(maxsize=None)
def colormap(name: str) -> pg.ColorMap:
    if name not in COLORMAP_NAMES:
        raise ValueError(f"unknown colour map {name!r}; choose one of: {', '.join(COLORMAP_NAMES)}")
    if name == "grey":
        return pg.ColorMap(pos=[0.0, 1.0], color=[(0, 0, 0), (255, 255, 255)], name="grey")
    return pg.colormap.get(name)


@lru_cache(maxsize=None)
def lookup_table(name: str) -> np.ndarray:
    """(256, 3) uint8, read-only so no caller can change what another panel shows."""
    table = np.ascontiguousarray(colormap(name).getLookupTable(nPts=256, alpha=False), dtype=np.uint8)
    table.flags.writeable = False
    return table
