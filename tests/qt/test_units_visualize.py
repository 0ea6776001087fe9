"""Activation maximisation in the window: in the background with progress, cancellable,
served from core's per-weights cache the second time, compared with real photos."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.lookup import channel_top
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.visualize import measure_activations
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.units.visualize_panel import VisualizePanel
from tests.atlas_fixtures import make_folder, write_picture
from tests.qt.units_helpers import units_window, wait_for_picture


@pytest.fixture
def window(make_window, qtbot, shared_engine, tmp_path, monkeypatch):
    return units_window(make_window, qtbot, shared_engine, tmp_path, monkeypatch)

STEPS = 3


@pytest.fixture
def panel(window, tmp_path):
    panel = window.units.visualize_panel
    panel.cache_dir = tmp_path / "visualize-cache"
    panel.steps_spin.setValue(STEPS)
    return panel


def _visualise(qtbot, panel, text: str):
    panel.set_target(text)
    with qtbot.waitSignal(panel.visualised, timeout=120000) as done:
        assert panel.run()
        assert panel.busy and not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    return done.args[0]


def test_the_selected_channel_is_visualised_shown_and_then_served_from_the_cache(
        window, panel, qtbot, tmp_path, loaded_model):
    picture = write_picture(tmp_path / "pictures" / "photo.png", seed=4, size=(96, 80))
    window.open_path(picture)
    wait_for_picture(qtbot, window, picture)
    window.feature_maps_panel.select_channel("conv4", 9)
    window.units.take_selected_channel()
    assert panel.target_edit.text() == "conv4:9"

    first = _visualise(qtbot, panel, panel.target_edit.text())
    result = first.result
    assert (result.layer, result.channel, result.steps, result.cached) == ("conv4", 9, STEPS, False)
    assert result.image.shape == (224, 224, 3)
    np.testing.assert_array_equal(panel.canvas.image_item.image, result.image)
    assert len(list((tmp_path / "visualize-cache").iterdir())) == 1
    [photo] = measure_activations(loaded_model, "conv4", 9, [image_to_array(load_image(picture))])
    assert first.photos == 1 and first.best_photo.path == picture.absolute()
    assert first.best_photo.activation == pytest.approx(photo, rel=1e-4, abs=1e-5)
    text = panel.result_label.text()
    assert f"mean activation <b>{result.activation:.4g}</b>" in text and f"{STEPS} steps in" in text
    assert "photo.png" in text and "Best real photo of 1" in text
    assert not panel.busy and panel.run_button.isEnabled() and not panel.stop_button.isEnabled()

    second = _visualise(qtbot, panel, "conv4:9")
    assert second.result.cached and "from the cache" in panel.result_label.text()
    np.testing.assert_array_equal(second.result.image, result.image)

    with qtbot.waitSignal(window.result_shown, timeout=30000,
                          check_params_cb=lambda _result, job: job.source.label == "visualisation of conv4:9"):
        panel.viewer_button.click()  # the picture goes through the network like any other


def test_a_class_name_means_its_fc8_logit_and_a_bad_target_is_one_sentence(panel, qtbot):
    assert "tench" in panel.completions.stringList()
    shown = _visualise(qtbot, panel, "Tench")
    assert (shown.result.layer, shown.result.channel) == ("fc8", 0)
    assert shown.label == "fc8:0 (tench)" and "fc8:0 (tench)" in panel.result_label.text()
    panel.set_target("conv9:1")
    panel.run()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30000)
    message = panel.result_label.text()
    assert message.startswith("Unknown layer 'conv9'") and message.endswith(".") and "\n" not in message


def test_the_best_photo_comes_from_the_open_atlas(window, panel, qtbot, tmp_path, loaded_model):
    folder = make_folder(tmp_path, count=4)
    out = tmp_path / "atlas"
    build_atlas(loaded_model, [folder], out, BuildOptions(top_k=3, batch_size=4), spec=WeightsSpec.random(0))
    with qtbot.waitSignal(window.units.atlas.opened, timeout=30000):
        window.units.atlas.open(out)
    shown = _visualise(qtbot, panel, "relu2:5")
    atlas = window.units.atlas.current
    top = [unit.path for unit in channel_top(atlas.folder, atlas.manifest, "relu2", 5, atlas.crop)]
    values = dict(zip(top, measure_activations(loaded_model, "relu2", 5, [image_to_array(load_image(p)) for p in top])))
    best = max(values, key=values.get)
    assert shown.photos == 3 and str(shown.best_photo.path) == best
    assert shown.best_photo.activation == pytest.approx(values[best], rel=1e-4, abs=1e-5)
    ratio = shown.result.activation / values[best]
    assert f"reaches {ratio:.1f}× that" in panel.result_label.text()


def test_stop_cancels_the_optimisation_and_caches_nothing(panel, qtbot, tmp_path):
    panel.steps_spin.setValue(4000)
    panel.set_target("conv2:1")
    stopped, never = [], []
    panel.visualised.connect(lambda *args: never.append(args))
    assert panel.run()
    qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=60000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=30000)
    stopped.append(panel.result_label.text())
    assert not never
    assert stopped[0].startswith("Stopped after") and "of 4000 steps" in stopped[0]
    assert panel.canvas.image_item.image is None
    cache = tmp_path / "visualize-cache"
    assert not cache.exists() or not any(cache.iterdir())
    assert panel.run_button.isEnabled()


def test_the_units_menu_visualises_the_selected_channel(window, panel, qtbot):
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Units")
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["&Build atlas from folder…", "&Open atlas…", "&Visualise selected unit…",
                     "&Evaluate labelled folder…"]
    window.feature_maps_panel.select_channel("pool1", 2)
    with qtbot.waitSignal(panel.visualised, timeout=120000) as done:
        next(action for action in menu.actions() if action.text() == "&Visualise selected unit…").trigger()
    assert (done.args[0].result.layer, done.args[0].result.channel) == ("pool1", 2)
    assert window.visualize_dock.isVisible() and panel.target_edit.text() == "pool1:2"


def test_the_picture_keeps_its_least_side_in_a_narrow_dock(qtbot):
    panel = VisualizePanel()
    qtbot.addWidget(panel)
    panel.canvas.set_image(np.zeros((224, 224, 3), np.uint8))
    panel.resize(240, 200)  # narrower and shorter than the panel can be: it keeps its minimum
    panel.show()

    def drawn() -> QRectF:  # in the canvas's pixels, once the canvas has fitted the picture
        return panel.canvas.image_item.sceneBoundingRect()

    qtbot.waitUntil(lambda: panel.canvas.isVisible() and drawn().height() <= panel.canvas.height(), timeout=5000)
    assert min(drawn().width(), drawn().height()) >= PICTURE_MIN_SIDE
