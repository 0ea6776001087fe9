"""The bundled resources: sample photos (see ``resources/LICENSES.md``) and the icon."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from alexnet_viewer.core.pictures.images import SUPPORTED_SUFFIXES

ICON_NAME = "alexnet-viewer.png"


def _candidates() -> list[Path]:
    # An installed wheel carries resources/ inside the package (pyproject.toml maps it there);
    # a source checkout or an editable install keeps it at the top of the repository.
    package = resources.files("alexnet_viewer")
    found = [Path(str(package / "resources"))] if isinstance(package, Path) else []
    return [*found, Path(__file__).resolve().parents[3] / "resources"]


def resources_dir() -> Path | None:
    return next((folder for folder in _candidates() if (folder / "samples").is_dir()), None)


def icon_path() -> Path | None:
    folder = resources_dir()
    icon = folder / "icons" / ICON_NAME if folder is not None else None
    return icon if icon is not None and icon.is_file() else None


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
