"""Finished pictures on disk, keyed by the weights' contents and what was asked for.

One ``.npz`` per picture in the user's cache folder (core/user_folders.py:
``$XDG_CACHE_HOME/alexnet-viewer/visualize`` on Linux, ``~/Library/Caches/...`` on macOS,
``%LOCALAPPDATA%/alexnet-viewer/Cache/...`` on Windows). A damaged or foreign entry is
deleted and counts as a miss (the picture is computed again); a cache that cannot be written
costs the next call its speed, never the picture.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from pathlib import Path

import numpy as np
from torch import nn

from alexnet_viewer.core.npz_files import DamagedArchive, Want, read_arrays
from alexnet_viewer.core.output_files import write_atomically
from alexnet_viewer.core.user_folders import cache_folder
from alexnet_viewer.core.atlas.identity import state_dict_sha256

# Bump when the optimisation changes, so old pictures are not served for new settings.
ALGORITHM_VERSION = 2
MAX_SIDE = 1024  # of a cached picture
MAX_STEPS = 1_000_000

_FINGERPRINTS: "weakref.WeakKeyDictionary[nn.Module, str]" = weakref.WeakKeyDictionary()


def default_cache_dir() -> Path:
    return cache_folder("visualize")


def weights_fingerprint(model: nn.Module) -> str:
    """The atlas's SHA-256 of the state dict, memoised per model (hashing 233 MB takes a while)."""
    known = _FINGERPRINTS.get(model)
    if known is None:
        known = _FINGERPRINTS[model] = state_dict_sha256(model)
    return known


def entry_path(folder: Path, fingerprint: str, layer: str, channel: int, steps: int, seed: int) -> Path:
    request = {"v": ALGORITHM_VERSION, "w": fingerprint, "l": layer, "c": channel, "n": steps, "s": seed}
    key = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:32]
    return folder / f"{layer}-{channel}-{key}.npz"


_WANTED = {
    "image": Want("u", 3, MAX_SIDE * MAX_SIDE * 3),
    "activation": Want("f", 0, 1),
    "history": Want("f", 1, MAX_STEPS),
}


def read_entry(path: Path, steps: int | None = None) -> tuple[np.ndarray, float, tuple[float, ...]] | None:
    """(image, activation, history) or None when absent; a damaged entry (unreadable, wrong
    shapes or kinds, not finite, a history not ``steps`` long) is deleted and counts as a miss."""
    if not path.is_file():
        return None
    try:
        arrays = read_arrays(path, _WANTED)
    except DamagedArchive:
        arrays = None
    image, activation, history = (None, None, None) if arrays is None else (arrays["image"], arrays["activation"], arrays["history"])
    if (
        arrays is None
        or image.dtype != np.uint8
        or image.shape[2] != 3
        or not (np.isfinite(activation) and np.all(np.isfinite(history)))
        or (steps is not None and history.shape != (steps,))
    ):
        path.unlink(missing_ok=True)
        return None
    return image, float(activation), tuple(float(v) for v in history)


def write_entry(path: Path, image: np.ndarray, activation: float, history: tuple[float, ...]) -> bool:
    def save(target: Path) -> None:
        with open(target, "wb") as stream:
            np.savez(stream, image=image, activation=np.float64(activation), history=np.asarray(history))

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, save)
    except OSError:
        return False
    return True
