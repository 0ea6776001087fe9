"""The per-user folders, found one way on every platform (platformdirs): the log, the
visualisation cache and the unit atlases.

Linux follows the XDG variables ($XDG_STATE_HOME, $XDG_CACHE_HOME, $XDG_DATA_HOME); macOS
uses ~/Library (Logs, Caches, Application Support); Windows %LOCALAPPDATA%.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "alexnet-viewer"


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def cache_folder(*parts: str) -> Path:
    return Path(platformdirs.user_cache_dir(APP, appauthor=False), *parts)


def data_folder(*parts: str) -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False), *parts)
