"""The bundled sample photos in ``resources/samples`` (see ``resources/LICENSES.md``)."""

from __future__ import annotations

from pathlib import Path

from .images import SUPPORTED_SUFFIXES

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
SAMPLES_DIR = RESOURCES_DIR / "samples"


def sample_title(path: Path) -> str:
    """'01-cat.png' -> 'Cat'."""
    stem = path.stem.split("-", 1)[-1] if path.stem[:2].isdigit() else path.stem
    return stem.replace("_", " ").replace("-", " ").capitalize()


def list_samples(folder: Path = SAMPLES_DIR) -> list[Path]:
    """Sample pictures in name order; the first is what the app shows when given nothing."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
