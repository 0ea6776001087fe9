"""Finished pictures on disk, keyed by the weights' contents and what was asked for.

One ``.npz`` per picture under ``$XDG_CACHE_HOME/alexnet-viewer/visualize`` (default
``~/.cache/...``). A damaged or foreign entry counts as a miss; a cache that cannot be
written costs the next call its speed, never the picture.
"""

from __future__ import annotations

import hashlib
import json
import os
import weakref
from pathlib import Path

import numpy as np
from torch import nn

from alexnet_viewer.core.output_files import write_atomically
from alexnet_viewer.core.atlas.identity import state_dict_sha256

# Bump when the optimisation changes, so old pictures are not served for new settings.
ALGORITHM_VERSION = 2

_FINGERPRINTS: "weakref.WeakKeyDictionary[nn.Module, str]" = weakref.WeakKeyDictionary()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alexnet-viewer" / "visualize"


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


def read_entry(path: Path) -> tuple[np.ndarray, float, tuple[float, ...]] | None:
    """(image, activation, history) or None when absent or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            image, activation, history = data["image"], data["activation"], data["history"]
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or activation.shape != ():
                return None
            return np.array(image), float(activation), tuple(float(v) for v in history.reshape(-1))
    except (OSError, ValueError, KeyError, EOFError):
        return None


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
