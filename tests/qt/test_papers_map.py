"""The Map view: the atlas's t-SNE map as thumbnails, the picture on screen placed on it."""

import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image

import alexnet_viewer.core.atlas.embedding as embedding
from alexnet_viewer.core.atlas.embedding import Placer, embed
from alexnet_viewer.core.atlas.neighbours import load_codes
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.papers.map_view import MapView
from tests.photo_fixtures import photo_atlas

@pytest.fixture(scope="module")
def atlas_folder(tmp_path_factory, loaded_model):
    return photo_atlas(tmp_path_factory.mktemp("papers-map"), loaded_model)


@pytest.fixture
def view(qtbot, loaded_model):
    state, opened = ViewerState(), []
    widget = MapView(state, lambda: loaded_model, opened.append)
    qtbot.addWidget(widget)
    widget.opened = opened
    return widget


def test_the_map_shows_every_picture_and_places_the_one_on_screen(qtbot, view, engine, atlas_folder, tmp_path):
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.map is not None, timeout=60000)
    atlas = load_codes(atlas_folder)
    xy = embed(atlas)  # from the cache the view made
    np.testing.assert_array_equal(view.map["xy"], xy)
    path = Path(next(p for p in atlas.paths if p.endswith("coffee-whole.png")))
    view.state.picture = PictureRef(1, path.name, path=path)
    view.state.result = engine.process(Image.open(path).convert("RGB"))
    qtbot.waitUntil(lambda: view.placed is not None, timeout=30000)
    np.testing.assert_array_equal(view.placed, xy[atlas.paths.index(str(path))])  # an atlas picture: its own place
    view.state.picture = PictureRef(2, "camera", live=True)
    frame = np.asarray(Image.open(path).convert("RGB"))[::-1].copy()
    live = engine.process(frame)
    view.state.result = live
    expected = Placer(atlas, xy).place(np.asarray(live.activations["relu7"]))
    qtbot.waitUntil(lambda: view.placed != tuple(xy[atlas.paths.index(str(path))]), timeout=30000)
    np.testing.assert_allclose(view.placed, expected, rtol=1e-6, atol=1e-9 * view.extent)
    view.resize(1920, 1080)
    view.show()
    qtbot.waitExposed(view)
    assert view.grab().save(str(tmp_path / "map_view.png"))  # drawn at 1920×1080 without a fault
    index = atlas.paths.index(str(path))
    assert view.picture_at(*xy[index]) == str(path)
    assert view.picture_at(xy[:, 0].max() + view.extent, 0.0) is None
    box = view.plot.getViewBox()
    thumbs = [item for item in box.addedItems if isinstance(item, pg.ImageItem)]
    assert len(thumbs) == len(atlas)

    def drawn_sides() -> set[int]:  # each thumbnail's shorter side in screen pixels
        rects = [thumb.deviceTransform(view.plot.viewportTransform()).mapRect(thumb.boundingRect()) for thumb in thumbs]
        return {round(min(rect.width(), rect.height())) for rect in rects}

    assert drawn_sides() == {PICTURE_MIN_SIDE}
    box.scaleBy((4, 4))  # zoomed out: the map shrinks, the thumbnails do not
    assert drawn_sides() == {PICTURE_MIN_SIDE} and view.picture_at(*xy[index]) == str(path)


def test_a_click_on_a_thumbnail_opens_it_and_hover_names_it(qtbot, view, atlas_folder):
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.map is not None, timeout=60000)
    view.resize(1200, 900)
    view.show()
    qtbot.waitExposed(view)
    view.plot.autoRange()
    box = view.plot.getViewBox()
    x, y = view.map["xy"][3]
    scene = box.mapViewToScene(pg_point(x, y))
    view._on_move(scene)
    assert view.hover_label.text() == view.map["atlas"].paths[3]

    class Click:
        def scenePos(self):
            return scene

    view._on_click(Click())
    assert view.opened == [Path(view.map["atlas"].paths[3])]


def pg_point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))


def test_making_the_map_can_be_cancelled(qtbot, view, atlas_folder, monkeypatch):
    started = []

    def slow_embed(atlas, progress=None, should_stop=None):
        started.append(True)
        while not should_stop():  # until Cancel: a job that is still running
            os.sched_yield()
        raise embedding.MapCancelled("Stopped.")

    monkeypatch.setattr(embedding, "embed", slow_embed)  # map_view imports it when it builds
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: bool(started), timeout=30000)
    assert not view.cancel_button.isHidden()
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not view._builder.busy, timeout=30000)
    assert view.map is None and "Stopped" in view.status.text() and view.cancel_button.isHidden()


def test_an_atlas_without_codes_is_one_sentence(qtbot, view, tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    view.state.atlas = tmp_path
    qtbot.waitUntil(lambda: not view._builder.busy and "Making" not in view.status.text(), timeout=30000)
    assert view.map is None and view.status.text().endswith(".") and view.cancel_button.isHidden()


def test_the_picture_on_screen_is_drawn_over_its_neighbours(qtbot, view, engine, atlas_folder):
    """Where thumbnails overlap, the ring's own picture is on top (it was hidden under a
    neighbour's at 1920x1080), and the pointer over it names it; a live frame raises none."""
    view.state.atlas = atlas_folder
    qtbot.waitUntil(lambda: view.map is not None, timeout=60000)
    atlas = view.map["atlas"]
    index = next(i for i, p in enumerate(atlas.paths) if p.endswith("chelsea-flip.png"))
    path = Path(atlas.paths[index])
    view.state.picture = PictureRef(1, path.name, path=path)
    view.state.result = engine.process(Image.open(path).convert("RGB"))
    qtbot.waitUntil(lambda: view.raised == index, timeout=30000)
    others = [thumb.zValue() for i, thumb in enumerate(view.thumbs) if i != index]
    assert max(others) < view.thumbs[index].zValue() < view.marker.zValue()
    x, y = view.map["xy"][index]
    assert view.picture_at(x, y) == str(path)
    view.state.picture = PictureRef(2, "camera", live=True)
    view.state.result = engine.process(np.asarray(Image.open(path).convert("RGB"))[::-1].copy())
    qtbot.waitUntil(lambda: view.raised is None and not view._placer.busy, timeout=30000)
    assert len({thumb.zValue() for thumb in view.thumbs}) == 1
