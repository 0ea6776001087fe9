"""Accuracy on a labelled folder in the window: core's figures next to the published ones,
and a list of the mistakes that opens each picture on Enter or a double-click."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from alexnet_viewer.core.atlas import pictures as atlas_pictures
from alexnet_viewer.core.evaluate import evaluate_folder
from tests.atlas_fixtures import write_picture
from tests.qt.units_helpers import units_window, wait_for_picture


@pytest.fixture
def window(make_window, qtbot, shared_engine, tmp_path, monkeypatch):
    return units_window(make_window, qtbot, shared_engine, tmp_path, monkeypatch)

CLASSES = ("tench", "goldfish", "great white shark")


def labelled_folder(root):
    folder = root / "labelled"
    for index, name in enumerate(CLASSES):
        for k in range(2):
            write_picture(folder / name / f"{name.split()[0]}-{k}.png", seed=10 * index + k)
    (folder / "goldfish" / "damaged.jpg").write_bytes(b"\xff\xd8 not a JPEG")
    (folder / "empty").mkdir()  # not a category name: refused below
    return folder


def test_a_labelled_folder_shows_its_figures_and_the_mistakes_open_their_pictures(
        window, qtbot, tmp_path, loaded_model):
    folder = labelled_folder(tmp_path)
    panel = window.units.evaluate_panel
    panel.set_folder(folder)
    refused = []
    panel.evaluated.connect(lambda *args: refused.append(args))
    panel.run()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30000)
    assert not refused
    assert "Folder 'empty'" in panel.figures.text() and "is not one of the weights' category names" in panel.figures.text()

    (folder / "empty").rmdir()
    with qtbot.waitSignal(panel.evaluated, timeout=120000) as done:
        assert panel.run()
    report = done.args[0]
    direct = evaluate_folder(loaded_model, folder)
    assert (report.count, report.top1, report.top5) == (direct.count, direct.top1, direct.top5) and report.count == 6
    text = panel.figures.text()
    assert f"<b>{direct.top1:.1%}</b>" in text and f"<b>{direct.top5:.1%}</b>" in text
    assert "56.5%" in text and "79.1%" in text  # torchvision's published figures
    assert "62.5%" in text and "83.0%" in text  # the paper's
    assert "Untrained weights" in text and "damaged.jpg" in text

    model = panel.mistakes
    assert model.rowCount() == len(direct.mistakes) >= 1
    first = direct.mistakes[0]
    assert model.data(model.index(0, 0)) == first.path.name
    assert model.data(model.index(0, 1)) == direct.categories[first.true]
    assert model.data(model.index(0, 2)) == ", ".join(direct.categories[i] for i in first.top5)
    assert f"{len(direct.mistakes)} mistake(s)" in panel.mistakes_label.text()

    table = panel.table
    table.setFocus()
    table.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    wait_for_picture(qtbot, window, first.path)
    last = model.rowCount() - 1
    if last > 0:
        rect = table.visualRect(model.index(last, 1))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        wait_for_picture(qtbot, window, direct.mistakes[last].path)


def test_stop_ends_an_evaluation_with_a_sentence(window, qtbot, tmp_path, monkeypatch):
    folder = labelled_folder(tmp_path)
    (folder / "empty").rmdir()
    real = atlas_pictures.load_picture
    loaded, clicked = [], threading.Event()

    def slow(*args, **kwargs):
        loaded.append(1)
        if len(loaded) > 1:
            clicked.wait(30)  # later pictures wait for Stop: it lands mid-way, not by timing
        return real(*args, **kwargs)

    monkeypatch.setattr(atlas_pictures, "load_picture", slow)
    monkeypatch.setattr("alexnet_viewer.qt.units.evaluate_panel.CPU_BATCH", 1)
    panel = window.units.evaluate_panel
    panel.set_folder(folder)
    assert panel.run()
    qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=60000)
    panel.stop_button.click()
    clicked.set()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30000)
    assert panel.figures.text().startswith("Stopped after") and panel.report is None
    assert panel.mistakes.rowCount() == 0 and panel.run_button.isEnabled()
