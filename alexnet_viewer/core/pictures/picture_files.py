"""The picture files in a folder, found by suffix, optionally through its sub-folders."""

from __future__ import annotations

import os
from pathlib import Path

from alexnet_viewer.core.pictures.images import SUPPORTED_SUFFIXES


def is_picture_name(name: str) -> bool:
    """A visible file name with a picture suffix (the loader checks the contents later)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES


def list_pictures(folder: str | os.PathLike, recursive: bool = False) -> list[Path]:
    """Picture files under ``folder``, in case-insensitive path order.

    Hidden files and folders are skipped; symbolic links to folders are not followed (no
    cycles). A sub-folder that cannot be read is skipped; ``folder`` itself must be readable
    (else OSError).
    """
    root = Path(folder)
    found: list[Path] = []
    with os.scandir(root) as entries:  # raises for a missing or unreadable folder
        top = list(entries)
    pending = [(root, top)]
    while pending:
        directory, listing = pending.pop()
        for entry in listing:
            if entry.name.startswith("."):
                continue
            if recursive and _is_real_dir(entry):
                sub = _scan(Path(entry.path))
                if sub is not None:
                    pending.append((Path(entry.path), sub))
            elif is_picture_name(entry.name) and _is_file(entry):
                found.append(directory / entry.name)
    return sorted(found, key=lambda path: _order_key(path, root))


def _scan(directory: Path) -> list[os.DirEntry] | None:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except OSError:
        return None


def _is_real_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _order_key(path: Path, root: Path) -> tuple:
    parts = path.relative_to(root).parts
    return tuple(part.casefold() for part in parts), parts
