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


@lru_cache(maxsize=None)
def mosaic_lookup_table(name: str, background: str) -> np.ndarray:
    """For Mosaic images: entry 0 (the gaps and empty cells) is the background, 1..255 the map.

    A mosaic maps its values onto 1..255 and keeps 0 for the space between tiles, so the
    tiles stand apart however dark the colour map starts.
    """
    table = np.empty((256, 3), dtype=np.uint8)
    table[0] = pg.mkColor(background).getRgb()[:3]
    table[1:] = colormap(name).getLookupTable(nPts=255, alpha=False)
    table.flags.writeable = False
    return table
