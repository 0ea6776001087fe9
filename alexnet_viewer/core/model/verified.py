"""A record of weights files already verified, so each launch need not hash 233 MB again.

The record (JSON under the platformdirs user cache) keeps each verified file's size,
modification time (ns) and SHA-256. A file whose size and mtime still match is taken as
verified; any change (a new download, a damaged or replaced file) hashes it again. The
record is only ever a shortcut: unreadable or missing, everything is hashed as before.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from alexnet_viewer.core.output_files import write_json

RECORD_NAME = "verified-weights.json"
MAX_RECORD_BYTES = 1 << 20  # a few hundred weights files
RECORD_DIR: Path | None = None  # None: platformdirs' user cache (tests point it elsewhere)
_LOCK = threading.Lock()


def record_path() -> Path:
    if RECORD_DIR is not None:
        return Path(RECORD_DIR) / RECORD_NAME
    import platformdirs

    return platformdirs.user_cache_path("alexnet-viewer", appauthor=False) / RECORD_NAME


def _stamp(path: Path) -> dict | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _read() -> dict:
    try:
        if record_path().stat().st_size > MAX_RECORD_BYTES:  # not ours: ignored before it is read
            return {}
        record = json.loads(record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return {}
    return record if isinstance(record, dict) else {}


def known_hash(path: Path) -> str | None:
    """The SHA-256 recorded for ``path`` if the file is unchanged since; else None."""
    entry = _read().get(str(Path(path).resolve()))
    stamp = _stamp(path)
    if not isinstance(entry, dict) or stamp is None or any(entry.get(k) != v for k, v in stamp.items()):
        return None
    digest = entry.get("sha256")
    return digest if isinstance(digest, str) else None


def remember(path: Path, sha256: str) -> None:
    """Record ``path`` (as it is now) as having ``sha256``; a cache that cannot be written is skipped."""
    stamp = _stamp(path)
    if stamp is None:
        return
    with _LOCK:
        record = _read()
        record[str(Path(path).resolve())] = {**stamp, "sha256": sha256}
        try:
            record_path().parent.mkdir(parents=True, exist_ok=True)
            write_json(record_path(), record)
        except OSError:
            pass
