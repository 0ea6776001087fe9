import sys

from alexnet_viewer.qt.live import availability
from alexnet_viewer.qt.live.availability import multimedia_status


def test_a_module_that_imports_is_available(monkeypatch):
    # The code's answer, not whether this machine has Qt Multimedia.
    import types

    monkeypatch.setattr(availability, "_import_module", lambda: types.ModuleType("PySide6.QtMultimedia"))
    assert multimedia_status() == (True, "")


def test_missing_libpulse_gives_the_package_to_install(monkeypatch):
    def broken():
        raise ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(availability, "_import_module", broken)
    assert multimedia_status() == (
        False, "Qt Multimedia is unavailable: libpulse.so.0 missing — install libpulse0")


def test_unknown_library_missing(monkeypatch):
    def broken():
        raise ImportError("libfoo.so.3: cannot open shared object file")

    monkeypatch.setattr(availability, "_import_module", broken)
    ok, reason = multimedia_status()
    assert not ok and reason.startswith("Qt Multimedia is unavailable: libfoo.so.3 missing")


def test_module_absent_from_the_install(monkeypatch):
    # What a PySide6 build without Qt Multimedia looks like to Python.
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    ok, reason = multimedia_status()
    assert not ok and reason.startswith("Qt Multimedia is unavailable: ")


def test_importing_the_live_package_does_not_load_multimedia():
    import subprocess

    code = ("import sys, alexnet_viewer.qt.live; "
            "sys.exit('PySide6.QtMultimedia' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
