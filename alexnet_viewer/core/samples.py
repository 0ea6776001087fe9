"""The bundled resources: sample photos (see ``resources/LICENSES.md``) and the icon."""

from __future__ import annotations

import re
from pathlib import Path

from .images import SUPPORTED_SUFFIXES

_PACKAGE = Path(__file__).resolve().parents[1]
# A source checkout or editable install keeps resources/ beside the package; a packaged
# build may put it inside.
_RESOURCE_CANDIDATES = (_PACKAGE / "resources", _PACKAGE.parent / "resources")


def resources_dir() -> Path | None:
    return next((folder for folder in _RESOURCE_CANDIDATES if folder.is_dir()), None)


def samples_dir() -> Path | None:
    folder = resources_dir()
    return folder / "samples" if folder is not None and (folder / "samples").is_dir() else None


def sample_title(path: Path) -> str:
    """'01-cat.png' -> 'Cat', 'motorcycle_left.jpg' -> 'Motorcycle left'."""
    stem = re.sub(r"^\d+[-_ .]*", "", path.stem) or path.stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def list_samples(folder: Path | None = None) -> list[tuple[str, Path]]:
    """(title, path) of each sample in name order; the first is shown when nothing is given."""
    folder = samples_dir() if folder is None else folder
    if folder is None or not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    return [(sample_title(p), p) for p in files]
