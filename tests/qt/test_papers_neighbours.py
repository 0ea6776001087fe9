"""The Neighbours view: the picture on screen beside its nearest atlas pictures, off the GUI thread."""

import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QScrollArea

from alexnet_viewer.core.atlas.neighbours import AtlasCodes, load_codes
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.papers.neighbours_view import NeighboursView
from tests.photo_fixtures import photo_atlas

@pytest.fixture(scope="module")
def atlas_folder(tmp_path_factory, loaded_model):
    return photo_atlas(tmp_path_factory.mktemp("papers-view"), loaded_model)


@pytest.fixture
def view(qtbot, loaded_model):
    state, opened = ViewerState(), []
    widget = NeighboursView(state, lambda: loaded_model, opened.append, k=6)
    qtbot.addWidget(widget)
    widget.opened = opened
    return widget


def show_file(view, engine, path, token=1):
    view.state.picture = PictureRef(token, path.name, path=path)
    view.state.result = engine.process(Image.open(path).convert("RGB"))


def test_an_atlas_picture_shows_itself_first_then_its_neighbours_in_both_spaces(qtbot, view, engine, atlas_folder,
                                                                                 tmp_path):
    atlas = load_codes(atlas_folder)
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.atlas is not None, timeout=30000)
    path = Path(next(p for p in atlas.paths if p.endswith("chelsea-whole.png")))
    show_file(view, engine, path)
    qtbot.waitUntil(lambda: bool(view.shown["relu7"]) and view.shown["relu7"][0].path == str(path), timeout=30000)
    qtbot.waitUntil(lambda: bool(view.shown["pixels"]) and view.shown["pixels"][0].path == str(path), timeout=30000)
    index = atlas.paths.index(str(path))
    for space, query in (("relu7", atlas.codes[index]), ("pixels", atlas.crop(index))):
        expected = atlas.nearest(space, query, 6)
        assert [(n.path, n.distance) for n in view.shown[space]] == [(n.path, n.distance) for n in expected]
        assert view.shown[space][0].distance == 0.0
    assert all(not button.isHidden() and button.iconSize().width() >= 128 for button in view.buttons["relu7"])
    view.resize(1920, 1080)
    view.show()
    assert view.grab().save(str(tmp_path / "neighbours_view.png"))  # drawn at 1920×1080 without a fault
    view.buttons["pixels"][1].click()
    assert view.opened == [Path(view.shown["pixels"][1].path)]


def test_live_frames_newest_wins_and_the_ranking_runs_off_the_gui_thread(qtbot, view, engine, atlas_folder, monkeypatch):
    threads = []
    original = AtlasCodes.nearest

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AtlasCodes, "nearest", recording)
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.atlas is not None, timeout=30000)
    view.state.picture = PictureRef(5, "camera", live=True)
    rng = np.random.default_rng(0)
    results = [engine.process(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), frame_id=i) for i in range(5)]
    for result in results:
        view.state.result = result
    last = results[-1]
    expected = original(view.atlas, "relu7", np.asarray(last.activations["relu7"]), 6)
    qtbot.waitUntil(lambda: [n.path for n in view.shown["relu7"]] == [n.path for n in expected] and not view._ranker.busy, timeout=30000)
    assert threads and not any(threads)
    assert len(threads) == 2 * 2  # two spaces for the first frame, then for the newest waiting one only


def test_an_atlas_without_codes_says_to_build_again(qtbot, view, tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    view.state.atlas = tmp_path
    qtbot.waitUntil(lambda: "atlas" in view.status.text() and "Loading" not in view.status.text(), timeout=30000)
    assert view.atlas is None and view.status.text().endswith(".")


def test_an_atlas_of_other_weights_is_said(qtbot, view, atlas_folder):
    from alexnet_viewer.core.model.weights_spec import WeightsSpec

    view.state.weights = WeightsSpec.random(7)
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.atlas is not None, timeout=30000)
    assert "other weights" in view.status.text()
    view.state.weights = WeightsSpec.random(0)  # the atlas's own
    assert "other weights" not in view.status.text()


def test_a_narrow_dock_puts_fewer_neighbours_to_a_row_never_smaller_ones(qtbot):
    view = NeighboursView(ViewerState(), lambda: None, lambda path: None, k=6)  # the scroll area owns it
    pixels = np.full((224, 224, 3), 120, np.uint8)
    found = [(SimpleNamespace(path=f"/pictures/p{rank}.png", rank=rank, distance=0.5 * rank), pixels)
             for rank in range(1, 7)]
    view._show_lists({"relu7": found, "pixels": found}, pixels)
    area = QScrollArea()  # as in the window: a view wider than its dock scrolls
    area.setWidgetResizable(True)
    area.setWidget(view)
    qtbot.addWidget(area)
    area.show()

    def shown(columns: int) -> bool:
        buttons = view.buttons["relu7"]
        return (view.columns == columns and len({button.y() for button in buttons}) == -(-len(buttons) // columns)
                and view.width() <= area.viewport().width() and view.query_label.width() >= PICTURE_MIN_SIDE
                and all(button.iconSize().width() == view.query_label.width() for button in buttons))

    area.resize(1440, 900)  # wide: all six in a row beside the picture on screen, larger than the least
    qtbot.waitUntil(lambda: shown(6) and view.query_label.width() > PICTURE_MIN_SIDE, timeout=5000)
    area.resize(460, 700)  # the dock at 1280×800: fewer to a row, none cut off at the right
    qtbot.waitUntil(lambda: shown(2), timeout=5000)
    area.resize(1440, 900)  # and back
    qtbot.waitUntil(lambda: shown(6), timeout=5000)
