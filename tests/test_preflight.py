"""The check, before any QApplication, that Qt's xcb plugin will find its system libraries."""

import os
import subprocess
import sys

import pytest

from alexnet_viewer.cli import qt_preflight
from alexnet_viewer.cli.qt_preflight import check_platform_libraries, elf_needed, missing_libraries, uses_xcb

X11_DESKTOP = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}


def _without(*absent):
    return lambda soname: soname not in absent


def test_a_missing_xcb_cursor_names_its_package_and_the_apt_line():
    message = check_platform_libraries(X11_DESKTOP, "linux", can_load=_without("libxcb-cursor.so.0"))
    assert message is not None
    lines = message.splitlines()
    assert "libxcb-cursor.so.0" in lines[0] and "Reinstalling" not in message
    assert "    sudo apt install libxcb-cursor0" in lines
    assert "    (Fedora: sudo dnf install xcb-util-cursor)" in lines


def test_several_missing_libraries_make_one_install_line(tmp_path):
    missing = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libxcb-xinerama.so.0")
    # An empty Qt folder: the known list stands in, and Qt 6 no longer links xinerama.
    message = check_platform_libraries(X11_DESKTOP, "linux", can_load=_without(*missing), qt_dir=tmp_path)
    assert "    sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in message.splitlines()
    assert "libxcb-xinerama" not in message


def test_nothing_is_said_when_every_library_loads():
    assert check_platform_libraries(X11_DESKTOP, "linux", can_load=lambda soname: True) is None


@pytest.mark.parametrize(
    "environ, platform",
    [
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux"),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux"),
        ({"DISPLAY": ":0"}, "darwin"),
        ({}, "win32"),
    ],
)
def test_the_check_is_skipped_where_qt_will_not_use_xcb(environ, platform):
    def must_not_be_asked(soname):
        raise AssertionError(f"looked for {soname}")

    assert not uses_xcb(environ, platform)
    assert check_platform_libraries(environ, platform, can_load=must_not_be_asked) is None


@pytest.mark.parametrize("environ", [{"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "xcb:nograb"}, X11_DESKTOP, {}])
def test_the_check_runs_where_qt_starts_on_xcb(environ):
    assert uses_xcb(environ, "linux")


def test_the_needed_list_is_read_from_pysides_xcb_plugin():
    qt_dir = qt_preflight._pyside_qt_dir()
    if qt_dir is None:
        pytest.skip("PySide6 is not installed")
    needed = elf_needed(qt_dir / "plugins" / "platforms" / "libqxcb.so")
    assert "libxcb-cursor.so.0" in needed and "libxcb.so.1" in needed
    asked = []
    missing_libraries(lambda soname: asked.append(soname) or True, qt_dir)
    assert "libxcb-cursor.so.0" in asked
    assert not any(name.startswith(("libQt6", "libc.so")) for name in asked)  # bundled / always there


def test_an_unreadable_plugin_falls_back_to_the_known_list(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "plugins" / "platforms" / "libqxcb.so").write_bytes(b"\x7fELF" + b"\0" * 20)
    assert elf_needed(tmp_path / "plugins" / "platforms" / "libqxcb.so") == []
    assert missing_libraries(_without("libxcb-cursor.so.0"), tmp_path) == ["libxcb-cursor.so.0"]


def test_the_app_exits_with_the_apt_line_instead_of_qts_abort(tmp_path):
    """End to end, when this machine lacks one of the libraries (else there is nothing to see)."""
    if qt_preflight._pyside_qt_dir() is None or not sys.platform.startswith("linux"):
        pytest.skip("needs PySide6 on Linux")
    missing = missing_libraries()
    if not missing:
        pytest.skip("every library the xcb plugin links is installed here")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    completed = subprocess.run(
        [sys.executable, "-m", "alexnet_viewer", "--random-weights"],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )
    assert completed.returncode == qt_preflight.EXIT_MISSING_LIBRARIES == 3, completed.stderr
    assert "sudo apt install" in completed.stderr and missing[0] in completed.stderr
    assert "Reinstalling" not in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.parametrize("environ", [{"XDG_SESSION_TYPE": "tty"}, {"QT_QPA_PLATFORM": "xcb", "DISPLAY": " "}, {}])
def test_no_display_is_one_sentence_even_with_every_library_present(environ):
    message = check_platform_libraries(environ, "linux", can_load=lambda soname: True)
    assert message == qt_preflight.NO_DISPLAY
    assert "\n" not in message and "DISPLAY is not set" in message and message.endswith(".")


def test_the_app_without_a_display_exits_3_with_one_sentence(tmp_path):
    """End to end: Qt would abort (exit 134); the preflight answers first."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb platform is Linux's")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY")}
    completed = subprocess.run(
        [sys.executable, "-m", "alexnet_viewer", "--random-weights"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert completed.returncode == qt_preflight.EXIT_MISSING_LIBRARIES == 3, completed.stderr
    assert completed.stderr.strip() == qt_preflight.NO_DISPLAY
