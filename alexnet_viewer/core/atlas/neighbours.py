"""A picture's nearest atlas pictures by Euclidean distance: in relu7 (Krizhevsky et al. 2012,
Fig. 4 right) or between the 224x224 RGB crops with values in 0-1.

``load_codes`` joins an atlas's manifest with its codes (every picture needs one: otherwise one
sentence says to run ``atlas build`` again). Crops stay memory-mapped and are compared in
chunks, so the pixel space costs memory per chunk, not per atlas. Ties keep the atlas's path
order; an atlas picture asked about unchanged uses its stored code and crop, so it is its own
nearest at exactly 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from alexnet_viewer.core.atlas.codes import CODE_WIDTH, CodeCapture, open_shard, read_index
from alexnet_viewer.core.atlas.lookup import open_atlas
from alexnet_viewer.core.atlas.pictures import load_picture
from alexnet_viewer.core.atlas.store import AtlasError, Manifest
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.model.device_gate import device_work

SPACES = ("relu7", "pixels")
RECODE = "run 'alexnet-viewer atlas build' on its folders again to code them again"
_CHUNK = 256


@dataclass(frozen=True)
class Neighbour:
    rank: int  # 1 = nearest
    index: int  # into AtlasCodes.paths
    path: str
    distance: float

    def to_json(self) -> dict:
        return {"rank": self.rank, "path": self.path, "distance": self.distance}


class AtlasCodes:
    """An atlas's pictures (path order) with their relu7 codes and (memory-mapped) crops."""

    def __init__(self, folder: Path, manifest: Manifest, codes: np.ndarray, crops: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.folder, self.manifest = Path(folder), manifest
        self.paths = tuple(entry.path for entry in manifest.files)
        self.codes = codes  # (N, 4096) float32
        self._crops = crops  # per shard: (memory-mapped crops, atlas indices, their rows)
        self._where = {int(i): (shard, int(row)) for shard, (_, indices, rows) in enumerate(crops) for i, row in zip(indices, rows)}

    def __len__(self) -> int:
        return len(self.paths)

    def crop(self, index: int) -> np.ndarray:
        shard, row = self._where[int(index)]
        return np.asarray(self._crops[shard][0][row])

    def stored(self, path: Path) -> int | None:
        """The index of ``path`` when it is an atlas picture unchanged since its build."""
        name = os.path.abspath(path)
        for i, entry in enumerate(self.manifest.files):
            if entry.path == name:
                try:
                    stat = os.stat(name)
                except OSError:
                    return None
                return i if (stat.st_size, stat.st_mtime_ns) == (entry.size, entry.mtime_ns) else None
        return None

    def distances(self, space: str, query: np.ndarray, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
        """(N,) float64 Euclidean distances to a relu7 code (4096,) or a uint8 crop (H, W, 3)."""
        if space == "relu7":
            diff = self.codes - np.asarray(query, np.float32)[None]
            return np.sqrt(np.einsum("ij,ij->i", diff, diff, dtype=np.float64))
        if space != "pixels":
            raise ValueError(f"the space is one of {', '.join(SPACES)}, not {space!r}")
        target = np.asarray(query, np.float32).reshape(-1) / 255.0
        out = np.zeros(len(self.paths))
        for mapped, indices, rows in self._crops:
            for start in range(0, len(rows), _CHUNK):
                if should_stop is not None and should_stop():
                    raise AtlasError("Stopped.")
                chunk = np.asarray(mapped[rows[start : start + _CHUNK]], np.float32).reshape(-1, target.size) / 255.0
                diff = chunk - target[None]
                out[indices[start : start + _CHUNK]] = np.sqrt(np.einsum("ij,ij->i", diff, diff, dtype=np.float64))
        return out

    def nearest(self, space: str, query: np.ndarray, k: int, should_stop=None) -> list[Neighbour]:
        distances = self.distances(space, query, should_stop)
        order = np.argsort(distances, kind="stable")[: max(0, k)]
        return [Neighbour(rank + 1, int(i), self.paths[i], float(distances[i])) for rank, i in enumerate(order)]


def no_codes(folder: Path) -> AtlasError:
    return AtlasError(
        f"The atlas '{folder}' has no relu7 codes for all its pictures; run 'alexnet-viewer atlas build' "
        "on its folders again to add them."
    )


def load_codes(folder: Path) -> AtlasCodes:
    """The atlas with every picture's code; AtlasError (one sentence) otherwise."""
    folder = Path(folder)
    manifest = open_atlas(folder)
    if not manifest.files:
        raise AtlasError(f"The atlas '{folder}' holds no pictures.")
    index = read_index(folder)
    if index is None or index.weights_sha256 != manifest.weights.get("sha256") or index.preprocess != manifest.preprocess:
        raise no_codes(folder)
    wanted: dict[int, list[tuple[int, int]]] = {}
    for i, entry in enumerate(manifest.files):
        code = index.files.get(entry.path)
        if code is None or (code.size, code.mtime_ns) != (entry.size, entry.mtime_ns):
            raise no_codes(folder)
        wanted.setdefault(code.shard, []).append((i, code.row))
    codes = np.zeros((len(manifest.files), CODE_WIDTH), np.float32)
    crops = []
    for shard, pairs in sorted(wanted.items()):
        try:
            stored, mapped = open_shard(folder, index, shard)
        except ValueError as error:
            raise AtlasError(f"The codes of the atlas '{folder}' are damaged: {error}; {RECODE}.") from None
        indices = np.array([i for i, _ in pairs], np.int64)
        rows = np.array([row for _, row in pairs], np.int64)
        if rows.max() >= len(stored):
            raise AtlasError(f"The codes of the atlas '{folder}' are damaged: a shard holds fewer pictures than its index; {RECODE}.")
        codes[indices] = stored[rows]
        crops.append((mapped, indices, rows))
    return AtlasCodes(folder, manifest, codes, crops)


def picture_query(atlas: AtlasCodes, path: Path, loaded) -> tuple[np.ndarray, np.ndarray]:
    """(relu7 code, uint8 crop) of the picture at ``path`` as the atlas's build saw its pictures."""
    index = atlas.stored(path)
    if index is not None:
        return atlas.codes[index], atlas.crop(index)
    draft = atlas.manifest.preprocess.get("jpeg_draft")
    batch, crop = load_picture(Path(path), Preprocessor(loaded.transforms, torch.device("cpu")), None if draft is None else tuple(draft))
    return code_of(loaded, batch.unsqueeze(0)), crop.permute(1, 2, 0).numpy()


def code_of(loaded, batch: torch.Tensor) -> np.ndarray:
    """The relu7 code of a normalised (1, 3, H, W) batch."""
    capture = CodeCapture(loaded.model)
    try:
        with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py)
            return capture.codes_of(batch.to(loaded.device))[0]
    finally:
        capture.remove()


def result_query(atlas: AtlasCodes, result, path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(relu7 code, crop) of a Result on screen; an unchanged atlas picture's own (``path``,
    given when the picture is a file shown unedited and unablated) so it lands at 0."""
    index = None if path is None else atlas.stored(path)
    if index is not None:
        return atlas.codes[index], atlas.crop(index)
    return np.asarray(result.activations["relu7"], np.float32).reshape(-1), np.asarray(result.crop)
