"""The unit atlas in the window: built in the background behind a cancellable progress
dialog, remembered per folder, the selected channel's best patches with their deconvnets,
and a click on a patch opens its picture."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from alexnet_viewer.core.atlas import pictures as atlas_pictures
from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.lookup import channel_top, open_atlas
from alexnet_viewer.core.model.loader import load_model
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.units.atlas_panel import COLUMNS, SLOTS, AtlasPanel
from tests.atlas_fixtures import make_folder, write_picture
from tests.qt.units_helpers import units_window, wait_for_picture


@pytest.fixture
def window(make_window, qtbot, shared_engine, tmp_path, monkeypatch):
    return units_window(make_window, qtbot, shared_engine, tmp_path, monkeypatch)

LAYER, CHANNEL = "conv5", 3


def _build(qtbot, window, folder: Path):
    jobs = window.units.atlas
    with qtbot.waitSignal(jobs.built, timeout=120000) as built:
        assert jobs.build(folder)
        assert jobs.dialog is not None and jobs.dialog.isVisible()
    return built.args[0]


def _shown_patches(qtbot, window, layer=LAYER, channel=CHANNEL):
    panel = window.units.atlas_panel
    with qtbot.waitSignal(panel.patches_shown, timeout=60000,
                          check_params_cb=lambda *args: args == (layer, channel)):
        window.feature_maps_panel.select_channel(layer, channel)
    return panel


def test_a_built_atlas_shows_the_channels_best_patches_in_order_and_opens_their_pictures(
        window, qtbot, tmp_path):
    folder = make_folder(tmp_path)  # 7 pictures, a damaged one and a hidden one
    outcome = _build(qtbot, window, folder)
    jobs = window.units.atlas
    assert jobs.dialog is None and not jobs.building
    assert outcome.report.pictures == 7 and len(outcome.bad) == 1 and "broken.jpg" in outcome.bad[0]
    assert window.settings.atlas_for_folder(folder) == outcome.atlas.folder
    assert outcome.atlas.folder.parent == tmp_path / "atlases"
    assert window.state.atlas == outcome.atlas.folder
    assert "could not be used" in window.messages.text
    assert window.atlas_dock.isVisible()

    panel = _shown_patches(qtbot, window)
    assert panel.shown_unit == (LAYER, CHANNEL) and not panel.busy
    expected = channel_top(outcome.atlas.folder, open_atlas(outcome.atlas.folder), LAYER, CHANNEL, (224, 224))
    assert [unit.path for unit in panel.units] == [unit.path for unit in expected]
    values = [unit.value for unit in panel.units]
    assert len(values) == 7 and values == sorted(values, reverse=True)
    for slot, unit in enumerate(panel.units):
        top, left, bottom, right = unit.box
        crop, deconv = panel.grid.crops[slot].image, panel.grid.deconvs[slot].image
        assert crop.shape == deconv.shape == (bottom - top, right - left, 3)
        assert crop.dtype == deconv.dtype == np.uint8
        assert panel.grid.labels[slot].text.startswith(f"{slot + 1} · {unit.value:.3g}")
    assert panel.grid.crops[7].image is None and panel.grid.labels[8].text == ""
    assert "7 best of 7 pictures" in panel.header.text()

    panel.grid.handle_click(panel.grid.cell_center(2))
    wait_for_picture(qtbot, window, Path(panel.units[2].path))

    panel = _shown_patches(qtbot, window, "pool2", 10)  # another channel replaces them
    assert [unit.value for unit in panel.units] == [
        unit.value for unit in channel_top(outcome.atlas.folder, open_atlas(outcome.atlas.folder), "pool2", 10, (224, 224))
    ]
    window.feature_maps_panel.select_channel("fc7", 5)
    assert "conv, ReLU and pool" in panel.header.text() and panel.units == []


def test_cancelling_a_build_mid_way_writes_no_atlas(window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "many"
    for i in range(12):
        write_picture(folder / f"p{i:02d}.png", seed=i)
    real = atlas_pictures.load_picture
    loaded, clicked = [], threading.Event()

    def slow(*args, **kwargs):
        loaded.append(1)
        if len(loaded) > 2:
            clicked.wait(30)  # later pictures wait for Cancel: the stop lands mid-way, not by timing
        return real(*args, **kwargs)

    monkeypatch.setattr(atlas_pictures, "load_picture", slow)
    jobs = window.units.atlas
    jobs.batch_size = 1
    with qtbot.waitSignal(jobs.build_stopped, timeout=60000) as stopped:
        assert jobs.build(folder)
        qtbot.waitUntil(lambda: jobs.dialog.value() >= 2, timeout=60000)
        button = next(b for b in jobs.dialog.findChildren(QPushButton) if b.text() == "Cancel")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        clicked.set()
    assert stopped.args[0] == "Stopped: no atlas was written."
    assert window.messages.text == stopped.args[0]
    assert jobs.current is None and jobs.dialog is None and not jobs.building
    root = tmp_path / "atlases"
    assert not root.exists() or not any(root.iterdir())  # the folder it made is gone too
    assert "best" not in window.units.atlas_panel.header.text()


def test_a_broken_atlas_is_one_sentence_and_the_window_keeps_working(window, qtbot, tmp_path, loaded_model):
    broken = tmp_path / "broken-atlas"
    broken.mkdir()
    (broken / "manifest.json").write_text("{ not json", encoding="utf-8")
    jobs = window.units.atlas
    with qtbot.waitSignal(jobs.failed, timeout=30000) as failed:
        jobs.open(broken)
    message = failed.args[0]
    assert message.startswith("Cannot read the atlas") and message.endswith(".") and "\n" not in message
    assert message.count(". ") == 0
    assert window.messages.isVisible() and jobs.current is None
    with qtbot.waitSignal(jobs.failed, timeout=30000) as failed:
        jobs.open(tmp_path / "no-such-atlas")
    assert "is not an atlas" in failed.args[0]
    damaged = tmp_path / "damaged-top"
    build_atlas(loaded_model, [make_folder(tmp_path, count=2)], damaged, BuildOptions(batch_size=4),
                spec=WeightsSpec.random(0))
    (damaged / open_atlas(damaged).top).write_bytes(b"PK not a zip")
    with qtbot.waitSignal(jobs.failed, timeout=30000) as failed:
        jobs.open(damaged)
    assert failed.args[0].startswith("The file 'top-") and "is damaged: it is not a NumPy archive" in failed.args[0]
    assert "atlas build" in failed.args[0] and "\n" not in failed.args[0]
    (tmp_path / "no-pictures").mkdir()
    with qtbot.waitSignal(jobs.failed, timeout=30000) as failed:
        assert jobs.build(tmp_path / "no-pictures")
    assert failed.args[0].startswith("No pictures found in") and jobs.dialog is None
    picture = write_picture(tmp_path / "after" / "fine.png", seed=3)
    window.open_path(picture)
    wait_for_picture(qtbot, window, picture)


def test_a_picture_from_a_remembered_folder_opens_its_atlas(window, qtbot, tmp_path, loaded_model):
    folder = make_folder(tmp_path)
    out = tmp_path / "made-elsewhere"
    build_atlas(loaded_model, [folder], out, BuildOptions(top_k=4, batch_size=4), spec=WeightsSpec.random(0))
    window.settings.set_atlas_for_folder(folder, out)
    jobs = window.units.atlas
    with qtbot.waitSignal(jobs.opened, timeout=30000) as opened:
        window.open_path(folder / "sub" / "p06.png")  # a sub-folder's picture finds the folder's atlas
    assert opened.args[0].folder == out.absolute() and jobs.current.manifest.top_k == 4
    assert window.state.atlas == out.absolute()  # what fc7 neighbours and the atlas map follow
    panel = _shown_patches(qtbot, window, "relu3", 7)
    assert len(panel.units) == 4 and panel.note.text() == ""


def test_rebuilding_with_other_weights_keeps_the_old_atlas(window, qtbot, tmp_path):
    """The remembered atlas was made with other weights: a build goes to a folder of its own."""
    folder = make_folder(tmp_path, count=3)
    old = tmp_path / "old-atlas"
    other = WeightsSpec.random(1)
    build_atlas(load_model(other, device="cpu"), [folder], old, BuildOptions(batch_size=4), spec=other)
    window.settings.set_atlas_for_folder(folder, old)
    outcome = _build(qtbot, window, folder)
    assert outcome.atlas.folder != old.absolute() and outcome.atlas.folder.parent == tmp_path / "atlases"
    assert open_atlas(old).weights["spec"]["seed"] == 1  # untouched
    assert window.settings.atlas_for_folder(folder) == outcome.atlas.folder
    assert outcome.atlas.manifest.weights["sha256"] == open_atlas(outcome.atlas.folder).weights["sha256"]
    assert outcome.atlas.manifest.weights["sha256"] != open_atlas(old).weights["sha256"]


def test_building_over_a_damaged_atlas_starts_it_again(window, qtbot, tmp_path, loaded_model):
    folder = make_folder(tmp_path, count=3)
    out = tmp_path / "damaged-atlas"
    build_atlas(loaded_model, [folder], out, BuildOptions(batch_size=4), spec=WeightsSpec.random(0))
    (out / "manifest.json").write_text('{"format": "alexnet-viewer atlas", "version": 1, "top_k": "nine"}')
    window.settings.set_atlas_for_folder(folder, out)
    outcome = _build(qtbot, window, folder)
    assert outcome.atlas.folder == out.absolute() and outcome.report.pictures == 3
    assert open_atlas(out).top_k == outcome.atlas.manifest.top_k


def test_patches_keep_their_least_side_in_a_narrow_or_short_dock(qtbot):
    panel = AtlasPanel()
    qtbot.addWidget(panel)
    square = np.full((163, 163, 3), 90, np.uint8)
    for slot in range(SLOTS):
        panel.grid.set_patches(slot, square, square)
    panel.show()

    def shown(columns: int) -> bool:  # each patch fitted into its cell, at least the least side
        grid = panel.grid
        drawn = [(item, box) for items in (grid.crops, grid.deconvs) for item, box in zip(items, grid.boxes)]
        return panel.grid.columns == columns and all(
            box.sceneBoundingRect().adjusted(-1, -1, 1, 1).contains(item.sceneBoundingRect())
            and min(item.sceneBoundingRect().width(), item.sceneBoundingRect().height()) >= PICTURE_MIN_SIDE
            for item, box in drawn)

    panel.resize(1440, 886)  # the dock at 1920×1080: three to a row, each patch well over the least side
    qtbot.waitUntil(lambda: shown(COLUMNS) and panel.grid.crops[0].sceneBoundingRect().height() > 1.5 * PICTURE_MIN_SIDE,
                    timeout=5000)
    panel.resize(420, 400)  # a narrow, short dock: one to a row, and the grid scrolls
    qtbot.waitUntil(lambda: shown(1) and panel.scroll.verticalScrollBar().isVisible(), timeout=5000)
    assert not panel.scroll.horizontalScrollBar().isVisible()
    with qtbot.waitSignal(panel.grid.cell_clicked, check_params_cb=lambda slot: slot == 4):
        panel.grid.handle_click(panel.grid.cell_center(4))  # rearranged, each cell is still where clicks find it
    panel.resize(1440, 886)
    qtbot.waitUntil(lambda: shown(COLUMNS) and not panel.scroll.verticalScrollBar().isVisible(), timeout=5000)


def test_a_hidden_atlas_panel_does_nothing_on_layer_changes_and_catches_up_when_shown(qtbot, monkeypatch):
    """Each layer change cleared the nine cells of the hidden panel (the Units workspace not
    shown); now it clears nothing while hidden, and shows the last word once it is shown."""
    from alexnet_viewer.core.frame.layers import LAYER_NAMES
    from alexnet_viewer.qt.units.atlas_panel import NO_ATLAS, NOT_SPATIAL

    panel = AtlasPanel()
    qtbot.addWidget(panel)
    cleared = []
    real_clear = panel.grid.clear_cell
    monkeypatch.setattr(panel.grid, "clear_cell", lambda slot, caption="": (cleared.append(slot),
                                                                            real_clear(slot, caption)))
    for layer in LAYER_NAMES:  # no atlas yet
        panel.show_unit(layer, 0, loaded=None)
    panel.set_atlas(None)
    assert cleared == []
    panel.show()
    qtbot.waitUntil(lambda: len(cleared) == SLOTS)  # once on screen (ScreenWatch)
    assert panel.header.text() == NO_ATLAS  # caught up, once
    panel.hide()
    panel.atlas = object()  # an atlas is open: fc layers are not in it
    for layer in ("fc6", "fc7", "fc8", "fc6"):
        panel.show_unit(layer, 1, loaded=None)
    assert len(cleared) == SLOTS
    panel.show()
    qtbot.waitUntil(lambda: len(cleared) == 2 * SLOTS)
    assert panel.header.text() == NOT_SPATIAL
    for layer in ("fc7", "fc8"):  # shown, the same empty cells are not cleared again
        panel.show_unit(layer, 1, loaded=None)
    assert len(cleared) == 2 * SLOTS
