"""Shared support for the Units tests (atlas, visualisation, evaluation in the window): a
window whose engine stand-in exposes the loaded model, with every folder these panels
write to (atlases, the visualisation cache) inside the test's temporary folder."""

from __future__ import annotations

from pathlib import Path

from tests.qt.conftest import RecordingFactory
from tests.qt.inspect_helpers import with_model


def units_window(make_window, qtbot, shared_engine, tmp_path, monkeypatch):
    """A shown window with random weights loaded; its Units controller writes under tmp_path
    (each test module's ``window`` fixture calls this)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    window = make_window(factory=RecordingFactory(shared_engine, wrap=with_model), size=(1600, 1000))
    qtbot.waitUntil(lambda: window.worker.has_engine and window.units.visualize_panel.loaded is not None,
                    timeout=30000)
    window.units.atlas.root = tmp_path / "atlases"
    return window


def wait_for_picture(qtbot, window, path: Path, timeout: int = 30000) -> None:
    """Until the window shows the picture file at ``path``."""
    path = Path(path).absolute()
    qtbot.waitUntil(lambda: window.current_path == path, timeout=timeout)
