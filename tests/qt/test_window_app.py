"""Settings between runs, the application factory and screenshot mode."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSettings

from alexnet_viewer.core.pictures.samples import list_samples
from alexnet_viewer.qt.window import picture_sources
from alexnet_viewer.qt.app import GuiOptions, create_app, run_gui
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.settings import MAX_RECENT, ViewerSettings
from tests.qt.conftest import wait_for_frame, write_picture

ROOT = Path(__file__).resolve().parents[2]


def test_settings_are_written_to_the_given_file(make_window, qtbot, picture, settings_path, monkeypatch):
    monkeypatch.setattr(picture_sources, "ask_open_picture", lambda parent, folder: picture)
    window = make_window()
    window.open_dialog()
    wait_for_frame(qtbot, window, 1)
    window.stats_dock.hide()
    window.set_layer("conv4")
    window.close()

    raw = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert raw.value("pictures/last_folder") == str(picture.parent.absolute())
    assert settings_path.is_file()
    settings = ViewerSettings(settings_path)
    assert settings.recent_files() == [picture.absolute()]
    assert settings.window_state() is not None and settings.window_geometry() is not None
    assert settings.layer() == "conv4"

    again = make_window(start=False)
    assert again.stats_dock.isHidden()  # the dock layout came back
    assert again.layer == "conv4"
    titles = [action.text() for action in again.recent_menu.actions()]
    assert titles[0] == picture.name


def test_recent_files_keep_the_last_ten_newest_first(tmp_path):
    settings = ViewerSettings(tmp_path / "s.ini")
    paths = [tmp_path / f"{i}.png" for i in range(MAX_RECENT + 3)]
    for path in paths:
        settings.add_recent_file(path)
    settings.add_recent_file(paths[5])
    recent = settings.recent_files()
    assert len(recent) == MAX_RECENT
    assert recent[0] == paths[5].absolute() and recent[1] == paths[-1].absolute()
    assert len(set(recent)) == MAX_RECENT


def test_samples_are_not_added_to_recent_files(make_window, qtbot):
    window = make_window()
    window.samples_menu.actions()[0].trigger()
    wait_for_frame(qtbot, window, 1)
    assert window.settings.recent_files() == []


def test_untrained_fallback_is_not_remembered_but_a_file_is(tmp_path):
    settings = ViewerSettings(tmp_path / "s.ini")
    settings.set_weights(WeightsSpec.random(4))
    assert settings.weights() is None
    settings.set_weights(WeightsSpec.from_file(tmp_path / "w.pth"))
    assert settings.weights() == WeightsSpec.from_file(tmp_path / "w.pth")


def test_create_app_without_exec_returns_the_started_window(qtbot, settings_path, engine_factory):
    window = create_app(GuiOptions(weights=WeightsSpec.random(0), settings_path=settings_path, layer="relu2",
                                   workspace="units"), exec_app=False, engine_factory=engine_factory)
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and window.worker.isRunning()
        assert window.state.workspace == "units" and window.atlas_dock.isVisible()  # --workspace units
        assert not window.filters_dock.isVisible()
        result = wait_for_frame(qtbot, window, 1)
        assert "relu2" in result.mosaics  # the layer was chosen before the first frame
        assert window.current_path == list_samples()[0][1].absolute()
    finally:
        window.close()
    assert not window.worker.isRunning()


# run_gui runs QApplication.exec(); torch CPU kernels on a later thread of the same process
# were seen to hang in pytest afterwards, so the real command-line path runs in a child.
SCREENSHOT_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from alexnet_viewer.core.model.loader import WeightsSpec
    from alexnet_viewer.qt.app import GuiOptions, run_gui

    image, out, settings = (Path(arg) for arg in sys.argv[1:4])
    layer = sys.argv[4] if len(sys.argv) > 4 else None
    options = GuiOptions(image=image, weights=WeightsSpec.random(seed=0), device="cpu", screenshot=out,
                         settings_path=settings, layer=layer)
    sys.exit(run_gui(options))
    """
)


def run_screenshot(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", SCREENSHOT_CHILD, *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def test_screenshot_mode_writes_a_png_and_exits_0(tmp_path, settings_path):
    out = tmp_path / "shot.png"
    image = write_picture(tmp_path / "in.png", size=(120, 90))
    child = run_screenshot(image, out, settings_path, "conv2")
    assert child.returncode == 0, child.stderr
    with Image.open(out) as shot:
        assert shot.format == "PNG"
        assert shot.size == (1600, 1000)
    assert not settings_path.exists() or ViewerSettings(settings_path).recent_files() == []


def test_screenshot_mode_fails_for_a_bad_image(tmp_path, settings_path):
    out = tmp_path / "shot.png"
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    child = run_screenshot(bad, out, settings_path)
    assert child.returncode == 1
    assert not out.exists()
    assert "bad.jpg" in child.stderr and "Traceback" not in child.stderr


def test_screenshot_run_reports_through_its_signal(qtbot, tmp_path, settings_path, engine_factory):
    out = tmp_path / "shot.png"
    options = GuiOptions(image=write_picture(tmp_path / "in.png"), weights=WeightsSpec.random(0), screenshot=out,
                         settings_path=settings_path, screenshot_size=(1280, 800))
    window = create_app(options, exec_app=False, engine_factory=engine_factory)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.screenshot_run.finished, timeout=30000) as finished:
        pass
    window.close()
    assert finished.args == [0]
    with Image.open(out) as shot:
        assert shot.size == (1280, 800)


def test_unknown_layer_is_refused_before_opening_a_window(capsys, settings_path):
    assert run_gui(GuiOptions(layer="conv9", settings_path=settings_path)) == 2
    assert "conv9" in capsys.readouterr().err


def test_importing_the_app_does_not_import_torch():
    code = textwrap.dedent(
        """
        import sys
        import alexnet_viewer.qt.app, alexnet_viewer.qt.window.main_window
        print("torch" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "False", out.stderr

