"""Before the QApplication exists: are the system libraries Qt's xcb platform plugin links
present? Without one (most often libxcb-cursor0) Qt aborts the process (exit 134) with
"Reinstalling the application may fix this problem"; this names the packages instead.
With no display at all Qt aborts the same way; this says so in one sentence.

Imports no Qt: it finds PySide6 on disk, reads the NEEDED entries of the xcb plugin's ELF
files and tries to load each library that PySide6 does not bundle.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import struct
import sys
from pathlib import Path
from typing import Callable, Mapping

EXIT_MISSING_LIBRARIES = 3  # also: no display to open the window on
NO_DISPLAY = (
    "alexnet-viewer: there is no display to open the window on (DISPLAY is not set); start it in a desktop "
    "session, or use --screenshot FILE or 'alexnet-viewer export', which need none."
)

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}
# What PySide6 6.11's libqxcb.so and libQt6XcbQpa.so.6 link (besides GL and GLib, which
# QtGui needs anyway), used when those files cannot be read.
_FALLBACK_NEEDED = tuple(
    name for name in PACKAGES if name.startswith(("libxcb", "libX11", "libxkbcommon")) and "xin" not in name
)
# Part of every C/C++ installation; never worth a look.
_ALWAYS_THERE = ("libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "libdl.so", "libpthread.so", "librt.so")


def uses_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will try the xcb plugin first here (Linux, no other platform asked for)."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    # Unset: Qt 6 starts on Wayland in a Wayland session, else on X11 (xcb).
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE", "").lower() == "wayland")


def missing_libraries(can_load: Callable[[str], bool] | None = None, qt_dir: Path | None = None) -> list[str]:
    """The sonames the xcb plugin needs that cannot be loaded here, in link order."""
    can_load = can_load or _can_load
    qt_dir = qt_dir or _pyside_qt_dir()
    needed = _xcb_plugin_needs(qt_dir) if qt_dir is not None else []
    needed = needed or list(_FALLBACK_NEEDED)
    libraries = qt_dir / "lib" if qt_dir is not None else None
    bundled = {p.name for p in libraries.iterdir()} if libraries is not None and libraries.is_dir() else set()
    wanted = [name for name in needed if name not in bundled and not name.startswith(_ALWAYS_THERE)]
    return [name for name in wanted if not can_load(name)]


def install_message(missing: list[str]) -> str:
    debian = sorted({PACKAGES[name][0] for name in missing if name in PACKAGES})
    fedora = sorted({PACKAGES[name][1] for name in missing if name in PACKAGES})
    unknown = [name for name in missing if name not in PACKAGES]
    lines = [
        "alexnet-viewer: Qt's X11 (xcb) platform plugin needs system libraries that are missing here: "
        f"{', '.join(missing)}. Install them, then start again:"
    ]
    if debian:
        lines.append(f"    sudo apt install {' '.join(debian)}")
        lines.append(f"    (Fedora: sudo dnf install {' '.join(fedora)})")
    if unknown:
        lines.append(f"    and the package that provides {', '.join(unknown)}")
    return "\n".join(lines)


def check_platform_libraries(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    can_load: Callable[[str], bool] | None = None,
    qt_dir: Path | None = None,
) -> str | None:
    """None when Qt can start its platform plugin as far as can be told, else the message."""
    if not uses_xcb(environ, platform):
        return None
    if not environ.get("DISPLAY", "").strip():
        return NO_DISPLAY
    missing = missing_libraries(can_load, qt_dir)
    return install_message(missing) if missing else None


def _can_load(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _pyside_qt_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec("PySide6")  # finds without importing
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    return folder if folder.is_dir() else None


def _xcb_plugin_needs(qt_dir: Path) -> list[str]:
    needed: list[str] = []
    for path in (qt_dir / "plugins" / "platforms" / "libqxcb.so", qt_dir / "lib" / "libQt6XcbQpa.so.6"):
        for name in elf_needed(path):
            if name not in needed:
                needed.append(name)
    return needed


def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED sonames of an ELF shared object; [] if it is missing or unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    try:
        return _parse_needed(data)
    except (struct.error, IndexError, ValueError):
        return []


def _parse_needed(data: bytes) -> list[str]:
    if data[:4] != b"\x7fELF":
        return []
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        section, entry = order + "IIQQQQIIQQ", order + "qQ"
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
        section, entry = order + "IIIIIIIIII", order + "iI"
    headers = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    for header in headers:
        if header[1] != 6:  # SHT_DYNAMIC
            continue
        offset, size, link = header[4], header[5], header[6]
        strings = headers[link][4]
        names = []
        for position in range(offset, offset + size, struct.calcsize(entry)):
            tag, value = struct.unpack_from(entry, data, position)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                end = data.index(b"\0", strings + value)
                names.append(data[strings + value : end].decode())
        return names
    return []
