"""Pictures of the occlusion experiment's grids (Zeiler & Fergus Fig. 7): a heat picture of a
value per square position, and the most-probable-label map in flat colours with its legend.

Cell (i, j) is the square's top-left corner at (offsets[i], offsets[j]); each cell becomes a
block of pixels (nearest neighbour), so a picture shows exactly the values measured.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from alexnet_viewer.core.explain.display import heat_rgb

# Twelve well-separated colours (Paul Tol's "muted" and "bright" schemes); later labels share grey.
PALETTE = np.array([
    (68, 119, 170), (238, 102, 119), (34, 136, 51), (204, 187, 68), (102, 204, 238), (170, 51, 119),
    (51, 34, 136), (221, 204, 119), (17, 119, 51), (136, 34, 85), (68, 170, 153), (153, 153, 51),
], dtype=np.uint8)
OTHER = np.array((187, 187, 187), dtype=np.uint8)


def blocks(grid: np.ndarray, size: int = 224) -> np.ndarray:
    """(rows, cols, ...) repeated into blocks so the picture is at least ``size`` pixels a side."""
    scale = max(1, -(-size // max(grid.shape[:2])))
    return np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)


def grid_picture(values: np.ndarray, size: int = 224) -> np.ndarray:
    """(rows, cols) values as an (H, W, 3) uint8 jet picture stretched from their minimum (blue)
    to their maximum (red): Fig. 7's maps differ by a few per cent of their level."""
    values = np.asarray(values, dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    return blocks(heat_rgb(values, (low, high if high > low else low + 1e-6)), size)


def label_legend(labels: np.ndarray) -> list[tuple[int, int, tuple[int, int, int]]]:
    """(class, positions, colour) of each label on the map, most positions first (ties: by
    class); the first len(PALETTE) get their own colour, the rest share grey."""
    counts = sorted(Counter(np.asarray(labels).ravel().tolist()).items(), key=lambda item: (-item[1], item[0]))
    return [
        (int(label), int(count), tuple(int(c) for c in (PALETTE[rank] if rank < len(PALETTE) else OTHER)))
        for rank, (label, count) in enumerate(counts)
    ]


def label_picture(labels: np.ndarray, size: int = 224) -> np.ndarray:
    """The label map as an (H, W, 3) uint8 picture in the legend's colours."""
    labels = np.asarray(labels)
    colours = np.empty((*labels.shape, 3), dtype=np.uint8)
    for label, _, colour in label_legend(labels):
        colours[labels == label] = colour
    return blocks(colours, size)
