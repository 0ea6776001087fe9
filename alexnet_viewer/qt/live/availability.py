"""Whether Qt Multimedia (camera and video playback) can be used on this machine.

PySide6.QtMultimedia is a separate shared library with system dependencies of its own
(on Linux libpulse.so.0 among them). No module imports it at the top: the window asks
``multimedia_status()`` once when it is built (which tries the import) and greys out the
camera and video actions with the reason instead of failing at startup.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

_MODULE = "PySide6.QtMultimedia"

# Known missing system libraries and the package that provides each (Debian/Ubuntu names).
_LIBRARY_PACKAGES = {
    "libpulse.so.0": "libpulse0",
    "libpulse-mainloop-glib.so.0": "libpulse-mainloop-glib0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libva.so.2": "libva2",
}


class MultimediaUnavailable(RuntimeError):
    """Raised by ``import_multimedia``; its text is the human reason."""


def _import_module() -> ModuleType:
    # Separate so tests can make the import fail the way a broken install does.
    return importlib.import_module(_MODULE)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    match = re.search(r"(lib[\w.+-]+\.so(?:\.\d+)*)", text)
    if match:
        library = match.group(1)
        package = _LIBRARY_PACKAGES.get(library)
        advice = f" — install {package}" if package else " — install the package that provides it"
        return f"Qt Multimedia is unavailable: {library} missing{advice}"
    return f"Qt Multimedia is unavailable: {text}"


def import_multimedia() -> ModuleType:
    """The PySide6.QtMultimedia module, or MultimediaUnavailable with a human reason."""
    try:
        return _import_module()
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError from the loader, ...
        raise MultimediaUnavailable(_reason(exc)) from exc


def multimedia_status() -> tuple[bool, str]:
    """(True, "") when cameras and videos can be used, else (False, one-line reason)."""
    try:
        import_multimedia()
    except MultimediaUnavailable as exc:
        return False, str(exc)
    return True, ""
