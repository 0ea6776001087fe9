"""Atomic writes shared by every headless command: a reader never sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary sibling and rename, so a reader never sees half a file."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(descriptor)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, payload: object) -> None:
    """Strict JSON (no NaN or Infinity), written atomically."""
    text = json.dumps(payload, indent=2, allow_nan=False) + "\n"
    write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))


def write_png(path: Path, pixels: np.ndarray) -> None:
    write_atomically(path, lambda target: Image.fromarray(pixels).save(target, format="PNG"))
