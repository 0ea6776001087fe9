"""Shared support for the inspect and export window tests: a window whose engine stand-in
exposes the loaded model (the formula view needs it), a picture shown in it, and clicks."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPointF

from tests.qt.conftest import RecordingFactory, wait_for_frame
from tests.qt.panel_results import gradient_image


def with_model(engine_wrapper):
    """The test stand-in engine, plus the real engine's ``loaded`` (read-only looks only)."""
    engine_wrapper.loaded = engine_wrapper.engine.loaded
    return engine_wrapper


def gradient_picture(folder: Path, name: str = "gradient.png", phase: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.fromarray(gradient_image(phase=phase)).save(path)
    return path


def open_window(make_window, qtbot, shared_engine, picture: Path, **kwargs):
    """A shown window with the picture on screen; returns (window, result)."""
    window = make_window(factory=RecordingFactory(shared_engine, wrap=with_model), **kwargs)
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    frame = window.open_path(picture)
    return window, wait_for_frame(qtbot, window, frame)


def next_result(qtbot, window, after_frame: int, condition=lambda result, job: True, timeout: int = 30000):
    """The first result shown after frame ``after_frame`` for which ``condition`` holds."""
    qtbot.waitUntil(
        lambda: window.current_job is not None and window.current_job.frame_id > after_frame
        and condition(window.current_result, window.current_job),
        timeout=timeout,
    )
    return window.current_result


def show_layer(qtbot, window, layer: str):
    """Switch the window to ``layer`` and wait until its mosaic is on screen."""
    window.set_layer(layer)
    qtbot.waitUntil(lambda: window.feature_maps_panel.shown_layer == layer, timeout=30000)
    return window.current_result


def mosaic_scene_pos(window, channel: int, y: int, x: int) -> QPointF:
    """The scene position of cell (y, x) of ``channel``'s tile in the mosaic on screen."""
    panel = window.feature_maps_panel
    top, left = panel.mosaic.tile_origin(channel)
    return panel.canvas.pixel_to_scene(top + y + 0.5, left + x + 0.5)


def detail_scene_pos(window, y: int, x: int) -> QPointF:
    """The scene position of cell (y, x) of the channel detail's map."""
    item = window.feature_maps_panel.channel_detail.overlay_item
    return item.mapToScene(QPointF(x + 0.5, y + 0.5))
