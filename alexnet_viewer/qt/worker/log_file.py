"""The window's log file, and the messages that point to it.

The window writes its log (warnings and every unexpected error with its traceback) to a
file in the user's state folder; a message that says "see the log" names that file. Without
a log file (tests, ``bench``) the messages do not mention one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alexnet_viewer.core import user_folders

LOG_NAME = "alexnet-viewer.log"
MAX_LOG_BYTES = 1_000_000  # the previous run's log is kept as .1; the app stays small

# Tests point this at a temporary folder; None means the platform's usual place.
LOG_FOLDER: Path | None = None
_installed: Path | None = None


def log_folder() -> Path:
    if LOG_FOLDER is not None:
        return Path(LOG_FOLDER)
    return user_folders.log_folder()


def install_log_file() -> Path | None:
    """Send this process's log records to the log file; its path, or None if it cannot be written."""
    global _installed
    if _installed is not None:
        return _installed
    path = log_folder() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_suffix(".log.1"))
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    _installed = path
    return path


def uninstall_log_file() -> None:
    """Close the log file (tests)."""
    global _installed
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler) and _installed is not None \
                and Path(handler.baseFilename) == _installed.absolute():
            root.removeHandler(handler)
            handler.close()
    _installed = None


def log_path() -> Path | None:
    return _installed


def with_log_hint(sentence: str) -> str:
    """``sentence`` plus where the details are, when there is a log file to look in."""
    path = _installed
    return f"{sentence} The details are in the log: {path}" if path is not None else sentence


def frame_error() -> str:
    return with_log_hint("Something went wrong while running the network on this picture.")


def picture_error() -> str:
    return with_log_hint("This picture could not be opened.")


def weights_error() -> str:
    return with_log_hint("The weights could not be loaded.")
