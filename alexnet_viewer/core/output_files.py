"""Atomic writes shared by every headless command: a reader never sees half a file, and a
failed write (a full disk) leaves no half-written file or folder behind."""

from __future__ import annotations

import json
import os
import secrets
import shutil
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


def write_folder_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a hidden sibling ``.<name>.partial-XXXXXXXX``, then rename it to
    ``folder``, replacing an older folder of that name. On any failure the sibling is removed
    and ``folder`` stays as it was: a reader sees the old folder or the new one, never half."""
    staging = _fresh_sibling(folder, "partial", create=True)
    try:
        write(staging)
        _replace_folder(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace_folder(staging: Path, folder: Path) -> None:
    if not os.path.lexists(folder):
        os.rename(staging, folder)
        return
    aside = _fresh_sibling(folder, "old", create=False)
    os.rename(folder, aside)
    try:
        os.rename(staging, folder)
    except BaseException:
        os.rename(aside, folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _fresh_sibling(folder: Path, tag: str, *, create: bool) -> Path:
    """An unused hidden name beside ``folder``; created (with the usual permissions) if asked."""
    while True:
        candidate = folder.with_name(f".{folder.name}.{tag}-{secrets.token_hex(4)}")
        if not create:
            if not os.path.lexists(candidate):
                return candidate
            continue
        try:
            os.mkdir(candidate)
            return candidate
        except FileExistsError:
            continue


def os_reason(error: OSError) -> str:
    """'No space left on device' for ENOSPC, even when the error carries only the number."""
    if error.strerror:
        return error.strerror
    if error.errno:
        return os.strerror(error.errno)
    return str(error) or type(error).__name__


def unusable_folder_reason(folder: Path, *, create: bool = True) -> str | None:
    """None when files can be written into ``folder`` (created if missing), else why not.

    Checked up front so a command can refuse a bad output folder before it does any work;
    with ``create=False`` only what can be told without creating anything.
    """
    for ancestor in (folder, *folder.parents):
        if ancestor.exists() and not ancestor.is_dir():
            return "it is a file" if ancestor == folder else f"'{ancestor}' is a file, not a folder"
    if not create:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".write-test-", dir=folder))
    except OSError as error:
        return os_reason(error)
    return None
