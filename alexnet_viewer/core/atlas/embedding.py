"""A 2-D map of an atlas's relu7 codes (t-SNE, openTSNE), cached per atlas and weights.

The cache ``<atlas>/codes/map-<key>.npz`` holds the positions and the key they were made for
(the weights' hash, every picture's path, size and mtime, and the settings); one that does not
read back whole and for this key is recomputed. New pictures (the one on screen, a camera's
frame) are placed on the fixed map with openTSNE's ``transform``; ``draw_map`` paints the map
as thumbnails of the atlas's crops.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from alexnet_viewer.core.atlas.codes import FOLDER
from alexnet_viewer.core.atlas.manifest import MAX_PICTURES
from alexnet_viewer.core.atlas.neighbours import AtlasCodes
from alexnet_viewer.core.atlas.store import AtlasError
from alexnet_viewer.core.npz_files import DamagedArchive, Want, read_arrays
from alexnet_viewer.core.output_files import write_atomically

MIN_PICTURES = 5
SEED = 0
EARLY_ITERATIONS, ITERATIONS = 250, 500
Progress = Callable[[int, int], None]
_CACHED = {"key": Want("U", 0, 1), "xy": Want("f", 2, 2 * MAX_PICTURES)}


class MapCancelled(AtlasError):
    """The embedding was stopped."""


def perplexity_for(count: int) -> float:
    return float(min(30.0, max(2.0, (count - 1) / 3.0)))


def map_key(atlas: AtlasCodes) -> str:
    files = [(entry.path, entry.size, entry.mtime_ns) for entry in atlas.manifest.files]
    text = json.dumps({"weights": atlas.manifest.weights.get("sha256"), "files": files, "seed": SEED,
                       "iterations": [EARLY_ITERATIONS, ITERATIONS]})
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cache_path(atlas: AtlasCodes) -> Path:
    return atlas.folder / FOLDER / f"map-{map_key(atlas)}.npz"


def read_cached(atlas: AtlasCodes) -> np.ndarray | None:
    try:
        arrays = read_arrays(cache_path(atlas), _CACHED)
    except DamagedArchive:
        return None
    key, xy = str(arrays["key"]), np.asarray(arrays["xy"], np.float64)
    if key != map_key(atlas) or xy.shape != (len(atlas), 2) or not np.isfinite(xy).all():
        return None
    return xy


def embed(atlas: AtlasCodes, progress: Progress | None = None, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """(N, 2) positions of the atlas's pictures, from the cache or computed (and cached)."""
    cached = read_cached(atlas)
    if cached is not None:
        return cached
    if len(atlas) < MIN_PICTURES:
        raise AtlasError(f"A map needs at least {MIN_PICTURES} pictures; the atlas '{atlas.folder}' holds {len(atlas)}.")
    from openTSNE import TSNE

    total, done = EARLY_ITERATIONS + ITERATIONS, [0]

    def step(_iteration, _error, _embedding) -> None:
        done[0] += 25
        if should_stop is not None and should_stop():
            raise MapCancelled("Stopped.")
        if progress is not None:
            progress(min(done[0], total), total)

    tsne = TSNE(
        perplexity=perplexity_for(len(atlas)), random_state=SEED, n_jobs=1, early_exaggeration_iter=EARLY_ITERATIONS,
        n_iter=ITERATIONS, callbacks=step, callbacks_every_iters=25,
    )
    xy = np.asarray(tsne.fit(atlas.codes), np.float64)
    key = map_key(atlas)

    def write(target: Path) -> None:
        with open(target, "wb") as stream:
            np.savez(stream, key=np.array(key), xy=xy)

    try:
        write_atomically(cache_path(atlas), write)
        for old in cache_path(atlas).parent.glob("map-*.npz"):
            if old != cache_path(atlas):
                old.unlink()
    except OSError:
        pass  # a read-only atlas still gets its map, only not cached
    return xy


class Placer:
    """Puts new relu7 codes on a fixed map (openTSNE's ``transform``)."""

    def __init__(self, atlas: AtlasCodes, xy: np.ndarray) -> None:
        from openTSNE import TSNEEmbedding, affinity

        affinities = affinity.PerplexityBasedNN(atlas.codes, perplexity=perplexity_for(len(atlas)), random_state=SEED, n_jobs=1)
        self._embedding = TSNEEmbedding(np.asarray(xy, np.float64), affinities, random_state=SEED)
        self._xy = np.asarray(xy, np.float64)
        self._k = max(1, min(10, len(atlas) - 1))  # the start is the median of these neighbours

    def place(self, code: np.ndarray, index: int | None = None) -> tuple[float, float]:
        """Where ``code`` lands; an atlas picture's own place when ``index`` says which it is."""
        if index is not None:
            return float(self._xy[index, 0]), float(self._xy[index, 1])
        point = self._embedding.transform(np.asarray(code, np.float32)[None], perplexity=min(5.0, self._k / 3), k=self._k)
        return float(point[0, 0]), float(point[0, 1])


def layout(xy: np.ndarray, size: int, thumb: int) -> np.ndarray:
    """Top-left pixel of each thumbnail on a ``size`` square canvas, keeping the map's aspect."""
    low, high = xy.min(axis=0), xy.max(axis=0)
    scale = (size - thumb) / max(float((high - low).max()), 1e-12)
    return np.round((xy - low) * scale).astype(np.int64)


def draw_map(atlas: AtlasCodes, xy: np.ndarray, size: int = 2048, thumb: int = 96) -> np.ndarray:
    """The map as an RGB picture ``size`` wide (its longer side), as tall or wide as the map
    needs: each crop shrunk to ``thumb`` px at its position (later ones on top)."""
    from PIL import Image

    corners = layout(xy, size, thumb)
    height, width = int(corners[:, 1].max()) + thumb, int(corners[:, 0].max()) + thumb
    canvas = np.full((height, width, 3), 255, np.uint8)
    for i, (x, y) in enumerate(corners):
        small = np.asarray(Image.fromarray(atlas.crop(i)).resize((thumb, thumb), Image.Resampling.BILINEAR))
        canvas[y : y + thumb, x : x + thumb] = small
    return canvas
