"""Export for slides, read back: PNG at 1× and 2×, statistics CSV (spreadsheet-safe) and JSON,
activations .npz, and animated GIF / WebP with the frames asked for; all written atomically."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QLabel

from pathlib import Path

from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS
from alexnet_viewer.qt.export import slides
from alexnet_viewer.qt.export.dialog import NO_RESULT, ExportDialog, show_export_dialog
from tests.qt.inspect_helpers import gradient_picture, next_result, open_window


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path / "in"))


def _dialog(window, path):
    asked = []

    def choose(caption, suggested, filters):
        asked.append(suggested)
        return str(path) if path is not None else ""

    return ExportDialog(window, choose_path=choose), asked


def _no_leftovers(folder):
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("scale", [1, 2])
def test_a_panel_as_png_at_scale(shown, tmp_path, scale):
    window, _ = shown
    dialog, asked = _dialog(window, tmp_path / "maps.png")
    dialog.target_combo.setCurrentText("Feature maps")
    dialog.scale_combo.setCurrentIndex(slides.SCALES.index(scale))
    assert dialog.export("png") == tmp_path / "maps.png"
    assert asked == [f"gradient-feature-maps-{scale}x.png"]
    panel = window.feature_maps_panel
    with Image.open(tmp_path / "maps.png") as picture:
        assert picture.format == "PNG"
        assert picture.size == (panel.width() * scale, panel.height() * scale)
        pixels = np.asarray(picture.convert("RGB"))
    assert pixels.std() > 10  # the mosaic, not a blank page
    assert _no_leftovers(tmp_path)


def test_the_whole_window_at_2x(shown, tmp_path):
    window, _ = shown
    image = slides.save_png(window, tmp_path / "window.png", 2)
    with Image.open(tmp_path / "window.png") as picture:
        assert picture.size == (window.width() * 2, window.height() * 2) == (image.width(), image.height())


def test_statistics_csv_reads_back_and_is_spreadsheet_safe(shown, tmp_path):
    window, result = shown
    dialog, asked = _dialog(window, tmp_path / "stats.csv")
    dialog.export("csv")
    assert asked == ["gradient-statistics.csv"]
    with open(tmp_path / "stats.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["layer"] for row in rows] == list(LAYER_NAMES)
    for row in rows:
        stats = result.stats[row["layer"]]
        assert float(row["mean"]) == pytest.approx(stats.mean)
        assert float(row["min"]) == pytest.approx(stats.min)
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r"))
    assert "Saved" in dialog.status_label.text()


def test_statistics_json_is_valid_and_records_the_ablation(shown, tmp_path, qtbot):
    window, _ = shown
    frame = window.current_job.frame_id
    window.inspect.ablation.toggle("conv4", 2)
    next_result(qtbot, window, frame, lambda _r, job: job.view.ablations == (("conv4", (2,)),))
    dialog, _ = _dialog(window, tmp_path / "stats.json")
    dialog.export("json")
    document = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert document["ablations"] == [{"layer": "conv4", "channels": [2]}]
    assert document["picture"] == "gradient.png"
    assert [p["index"] for p in document["top5"]] == [p.index for p in window.current_result.top5]
    assert [layer["layer"] for layer in document["layers"]] == list(LAYER_NAMES)


def test_activations_npz_equal_the_result(shown, tmp_path):
    window, result = shown
    dialog, _ = _dialog(window, tmp_path / "acts.npz")
    dialog.export("npz")
    with np.load(tmp_path / "acts.npz") as archive:
        for name in LAYER_NAMES:
            assert np.array_equal(archive[name], result.activations[name])
        assert np.array_equal(archive["crop"], result.crop)
        assert archive["top5_classes"].tolist() == [p.index for p in result.top5]


@pytest.mark.parametrize("suffix, kind", [(".gif", "GIF"), (".webp", "WEBP")])
def test_an_animation_has_the_frames_asked_for(qtbot, tmp_path, suffix, kind):
    label = QLabel("frame 0")
    qtbot.addWidget(label)
    label.resize(160, 60)
    label.show()
    recorder = slides.AnimationRecorder()
    recorder.progress.connect(lambda done, _wanted: label.setText(f"frame {done} " + "#" * done))  # a live panel
    path = tmp_path / f"live{suffix}"
    with qtbot.waitSignal(recorder.finished, timeout=20000) as finished:
        recorder.start(label, path, frames=6, interval_ms=30, scale=2)
    assert finished.args == [str(path)]
    with Image.open(path) as animation:
        assert animation.format == kind
        assert animation.n_frames == 6
        assert animation.size == (320, 120)
    assert _no_leftovers(tmp_path)


def test_bad_requests_say_why_and_leave_nothing(shown, tmp_path, qtbot):
    window, _ = shown
    dialog, _ = _dialog(window, tmp_path / "missing" / "folder" / "x.png")
    assert dialog.export("png") is None
    assert dialog.status_label.text().startswith("Could not write x.png: ")
    assert not (tmp_path / "missing").exists()
    dialog, _ = _dialog(window, tmp_path / "live.mp4")
    dialog.export("animation")
    assert dialog.status_label.text() == "an animation is saved as .gif or .webp, not '.mp4'"
    dialog, _ = _dialog(window, None)  # cancelled: nothing happens
    assert dialog.export("csv") is None and dialog.status_label.text() == ""
    assert _no_leftovers(tmp_path)


def test_nothing_to_export_before_a_picture(make_window, tmp_path):
    window = make_window(start=False)
    dialog, asked = _dialog(window, tmp_path / "stats.csv")
    assert dialog.export("csv") is None
    assert dialog.status_label.text() == NO_RESULT and asked == []


def test_the_file_menu_opens_the_dialog(shown, qtbot):
    window, _ = shown
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Export for slides…")
    window.bring_up(window.formula_dock)  # the Inside workspace, the formula's tab in front
    qtbot.waitUntil(lambda: not window.inspect.formula_view.visibleRegion().isEmpty())
    action.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert show_export_dialog(window) is dialog  # one dialog, kept
    names = [dialog.target_combo.itemText(i) for i in range(dialog.target_combo.count())]
    assert names[:2] == ["Whole window", "Feature maps"] and "Formula" in names
    assert "Explain (not on screen)" in names  # in another workspace, and still offered
    dialog.close()


def _hidden_view(window):
    dock = next(dock for dock in window.docks if dock.widget() is window.stats_panel)
    dock.hide()
    return dock.windowTitle(), window.stats_panel


@pytest.mark.parametrize("scale", [1, 2])
def test_a_view_not_on_screen_exports_at_scale(shown, tmp_path, scale):
    window, _ = shown
    title, panel = _hidden_view(window)
    assert not panel.isVisible()
    dialog, _ = _dialog(window, tmp_path / "hidden.png")
    dialog.target_combo.setCurrentText(f"{title} (not on screen)")
    assert dialog.target is panel
    dialog.scale_combo.setCurrentIndex(slides.SCALES.index(scale))
    assert dialog.export("png") == tmp_path / "hidden.png"
    with Image.open(tmp_path / "hidden.png") as picture:
        assert picture.width >= slides.HIDDEN_SIZE.width() * scale and picture.height >= slides.HIDDEN_SIZE.height() * scale
        pixels = np.asarray(picture.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # text and plots, not an empty page
    assert not panel.isVisible()  # exporting it did not put it on screen


def test_save_dialogs_start_in_the_folder_used_last(shown, tmp_path, monkeypatch):
    from alexnet_viewer.qt.export import dialog as export_dialog
    from alexnet_viewer.qt.settings import ViewerSettings

    window, _ = shown
    starts, answers = [], iter([tmp_path / "talk" / "a.csv", tmp_path / "talk" / "b.json"])

    def save_dialog(parent, caption, start, filters):
        starts.append(Path(start))
        return str(next(answers)), filters

    monkeypatch.setattr(export_dialog.QFileDialog, "getSaveFileName", save_dialog)
    (tmp_path / "talk").mkdir()
    dialog = ExportDialog(window)
    assert dialog.export("csv") == tmp_path / "talk" / "a.csv"
    assert dialog.export("json") == tmp_path / "talk" / "b.json"
    assert starts[0].parent != tmp_path / "talk"
    assert starts[1] == tmp_path / "talk" / "gradient-statistics.json"
    window.settings.sync()
    assert ViewerSettings(window.settings.path).export_folder() == tmp_path / "talk"


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_an_animation_of_a_still_picture_sweeps_through_the_layers(shown, tmp_path, qtbot, suffix):
    window, result = shown
    dialog, _ = _dialog(window, tmp_path / f"still{suffix}")
    dialog.target_combo.setCurrentText("Feature maps")
    dialog.frames_spin.setValue(3)
    dialog.interval_spin.setValue(20)
    with qtbot.waitSignal(dialog.recorder.finished, timeout=30000):
        dialog.export("animation")
    assert "sweeps through the layers" in dialog.status_label.text()
    with Image.open(tmp_path / f"still{suffix}") as animation:
        assert animation.n_frames == len(SPATIAL_LAYERS) > 1
        frames = []
        for index in range(animation.n_frames):
            animation.seek(index)
            frames.append(np.asarray(animation.convert("RGB")))
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:]))


def test_a_still_view_with_nothing_to_sweep_saves_nothing(qtbot, tmp_path):
    label = QLabel("still")
    qtbot.addWidget(label)
    label.show()
    recorder = slides.AnimationRecorder()
    with qtbot.waitSignal(recorder.failed, timeout=20000) as failed:
        recorder.start(label, tmp_path / "still.gif", frames=3, interval_ms=20)
    assert "did not change" in failed.args[0] and not (tmp_path / "still.gif").exists()
