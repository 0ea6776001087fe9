"""Readable from the back row: in the window at 1280×800 and 1920×1080, every thumbnail and patch
is drawn at least PICTURE_MIN_SIDE px on its shorter side, and the views that put several in a
row show fewer per row rather than running off their dock's right edge."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtWidgets import QDockWidget, QScrollArea

from alexnet_viewer.qt.explain.fool_view import top5_text
from alexnet_viewer.qt.panels.on_screen import ScreenWatch, on_screen
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.units.atlas_panel import SLOTS
from tests.qt.conftest import RecordingFactory, wait_for_frame
from tests.qt.inspect_helpers import with_model

SIZES = [(1280, 800), (1920, 1080)]
LONG_NAMES = ("American Staffordshire terrier", "red-backed sandpiper", "long-horned beetle", "Samoyed", "buckle")


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def shown(request, make_window, qtbot, shared_engine, picture):
    window = make_window(factory=RecordingFactory(shared_engine, wrap=with_model), size=request.param)
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    wait_for_frame(qtbot, window, window.open_path(picture))
    return window


def _bring_up(qtbot, window, dock):
    window.workspaces.bring_up(dock)
    content = dock.widget()
    view = content.widget() if isinstance(content, QScrollArea) else content
    watch = view.findChild(ScreenWatch)  # then the view has caught up with what it missed behind its tab
    qtbot.waitUntil(lambda: on_screen(view) and (watch is None or watch.shown), timeout=5000)


def _tool(window, kind):
    return next(view for view in window.tool_views if type(view).__name__ == kind)


def _dock_of(view):
    widget = view
    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    return widget


def _runs_off_its_edge(view) -> bool:
    """Whether the view is wider than the scroll area it sits in (its right part hidden)."""
    area = view.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    return view.width() > area.viewport().width()


def _least_side(item) -> float:
    """The shorter side of ``item`` in screen pixels, once its view box has fitted it (0 before)."""
    rect = item.sceneBoundingRect()
    if not item.getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1).contains(rect):
        return 0.0
    return min(rect.width(), rect.height())


def test_the_units_patches_and_the_visualisation(shown, qtbot):
    window = shown
    panel = window.units.atlas_panel
    _bring_up(qtbot, window, window.atlas_dock)
    square = np.full((163, 163, 3), 200, np.uint8)
    for slot in range(SLOTS):
        panel.grid.set_patches(slot, square, square)
    drawn = [*panel.grid.crops, *panel.grid.deconvs]  # each fills the square it is fitted into
    qtbot.waitUntil(lambda: all(_least_side(item) >= PICTURE_MIN_SIDE for item in drawn), timeout=5000)

    visualise = window.units.visualize_panel
    _bring_up(qtbot, window, window.visualize_dock)
    visualise.canvas.set_image(np.zeros((224, 224, 3), np.uint8))
    qtbot.waitUntil(lambda: _least_side(visualise.canvas.image_item) >= PICTURE_MIN_SIDE, timeout=5000)


def test_the_formulas_patch_kernel_and_product(shown, qtbot):
    window = shown
    window.state.select_workspace("inside")
    _bring_up(qtbot, window, window.formula_dock)
    with qtbot.waitSignal(window.inspect.formula.computed, timeout=20000):
        window.inspect.formula.show_cell("conv1", 5, 20, 31)
    items = window.inspect.formula_view.pictures.items.values()
    qtbot.waitUntil(lambda: all(_least_side(item) >= PICTURE_MIN_SIDE for item in items), timeout=5000)


def test_the_explanations_pictures_fit_their_dock(shown, qtbot):
    window = shown
    fool, sanity = _tool(window, "FoolView"), _tool(window, "SanityView")
    guesses = [SimpleNamespace(index=index, probability=0.0123, label=name) for index, name in enumerate(LONG_NAMES)]
    fool.before_label.setText(top5_text("Before", guesses))  # the top-5 lists an attack leaves beside them
    fool.after_label.setText(top5_text("After step 10", guesses, 2))
    for view in (fool, sanity):
        _bring_up(qtbot, window, _dock_of(view))
        qtbot.waitUntil(lambda: view.width() > 0 and not _runs_off_its_edge(view), timeout=5000)
    for thumbnail in (fool.original, fool.perturbation, fool.fooled, *sanity.thumbnails):
        assert thumbnail.width() >= PICTURE_MIN_SIDE and thumbnail.height() >= PICTURE_MIN_SIDE


def test_the_papers_pictures_are_square_and_fewer_to_a_row_in_a_narrow_dock(shown, qtbot):
    window = shown
    occlusion, tencrop, neighbours = (_tool(window, kind)
                                      for kind in ("OcclusionView", "TenCropView", "NeighboursView"))

    def square(canvas) -> bool:  # no dark bands above and below the crop
        return canvas.width() >= PICTURE_MIN_SIDE and abs(canvas.height() - canvas.width()) <= 1

    for view, fits in (
        (occlusion, lambda: all(square(canvas) for canvas in occlusion.canvases.values())),
        (tencrop, lambda: all(square(canvas) for canvas in tencrop.canvases)),
        (neighbours, lambda: neighbours.query_label.width() >= PICTURE_MIN_SIDE and all(
            button.iconSize().width() >= PICTURE_MIN_SIDE for button in neighbours.buttons["relu7"])),
    ):
        _bring_up(qtbot, window, _dock_of(view))
        qtbot.waitUntil(lambda: view.width() > 0 and not _runs_off_its_edge(view) and fits(), timeout=5000)
        view.cancel()  # the experiment it started on the picture is not needed here
