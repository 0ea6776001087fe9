"""Window settings of the wrong type (a hand edit, another version) fall back to their
defaults with a note in the log; the window starts as usual."""

from __future__ import annotations

import logging

from alexnet_viewer.qt.settings import ViewerSettings

DAMAGED = """[pictures]
last_folder=1, 2
recent=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x6QPoint\\0\\0\\0\\0\\x1\\0\\0\\0\\x2)

[view]
layer=conv9

[window]
geometry=not window data
state=@ByteArray()

[weights]
kind=pretrained, file

[atlas]
folders=/a
paths=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x6QPoint\\0\\0\\0\\0\\x1\\0\\0\\0\\x2)

[export]
last_folder=a, b
"""


def test_wrong_types_fall_back_to_the_defaults_with_a_note_in_the_log(tmp_path, caplog):
    path = tmp_path / "alexnet-viewer.ini"
    path.write_text(DAMAGED, encoding="utf-8")
    settings = ViewerSettings(path)
    with caplog.at_level(logging.WARNING, logger="alexnet_viewer.qt.settings"):
        assert settings.last_folder() is None
        assert settings.recent_files() == []
        assert settings.layer() is None
        assert settings.window_geometry() is None and settings.window_state() is None
        assert settings.weights() is None
        assert settings.atlas_for_folder(tmp_path) is None
        assert settings.export_folder() is None
    noted = " ".join(record.getMessage() for record in caplog.records)
    for key in ("pictures/last_folder", "pictures/recent", "view/layer", "window/geometry", "weights/kind",
                "atlas/paths", "export/last_folder"):
        assert key in noted, key
    assert "the default is used" in noted


def test_good_values_read_back(tmp_path):
    settings = ViewerSettings(tmp_path / "s.ini")
    settings.set_last_folder(tmp_path)
    settings.set_layer("conv3")
    settings.set_export_folder(tmp_path / "out")
    settings.add_recent_file(tmp_path / "a.png")
    settings.sync()
    again = ViewerSettings(tmp_path / "s.ini")
    assert again.last_folder() == tmp_path and again.layer() == "conv3"
    assert again.export_folder() == tmp_path / "out" and again.recent_files() == [tmp_path / "a.png"]


def test_the_window_starts_with_damaged_settings(make_window, settings_path):
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_text(DAMAGED, encoding="utf-8")
    window = make_window()
    assert window.layer == "conv1"
