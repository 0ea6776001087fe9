"""Receptive fields on the picture: hovering or clicking a map cell outlines what it sees on the
input and the crop; clicking the picture lights the cells that see that point."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from alexnet_viewer.core.inspect.receptive_field import (
    cells_seeing,
    layer_geometry,
    receptive_field,
)
from alexnet_viewer.qt.inspect.geometry import (
    crop_box_on_picture,
    crop_frame,
    picture_point_on_crop,
)
from alexnet_viewer.qt.inspect.rf_overlay import OUTSIDE_CROP
from tests.qt.inspect_helpers import (
    detail_scene_pos,
    gradient_picture,
    mosaic_scene_pos,
    open_window,
    show_layer,
)


@pytest.fixture
def shown(make_window, qtbot, shared_engine, tmp_path):
    return open_window(make_window, qtbot, shared_engine, gradient_picture(tmp_path))


def _scene_rect(item) -> QRectF:
    return item.mapRectToScene(item.rect())


def _crop_rect(box) -> QRectF:
    top, left, bottom, right = box
    return QRectF(left, top, right - left, bottom - top)


def test_crop_frame_matches_the_network_preprocessing(shared_engine):
    """A horizontal ramp through the real preprocessing: crop column c shows the picture at the
    column crop_box_on_picture says, so the outline on the picture sits where the crop came from."""
    height, width = 300, 700
    ramp = np.tile((np.arange(width) * 255 / (width - 1)).astype(np.float64), (height, 1))
    picture = np.repeat(np.round(ramp).astype(np.uint8)[:, :, None], 3, axis=2)
    crop = shared_engine.prepare(picture).crop.numpy()[..., 0]  # (224, 224) red channel
    slope = 255 / (width - 1)
    for column in (5, 100, 200):
        centre = crop_box_on_picture((0, column + 0.5, 0, column + 0.5), (height, width))[1]
        assert float(crop[112, column]) == pytest.approx(slope * (centre - 0.5), abs=1.0)
    top, _left, scale_y, scale_x = crop_frame((height, width))
    assert (top, scale_y) == (16.0, height / 256) and scale_x == pytest.approx(width / 597)


def test_picture_point_and_crop_box_are_inverse():
    shape = (240, 320)
    box = crop_box_on_picture((10.0, 20.0, 10.0, 20.0), shape)
    assert picture_point_on_crop(box[0], box[1], shape) == pytest.approx((10.0, 20.0))
    assert picture_point_on_crop(120, 2, shape) is None  # cut off at the left by the centre crop


def test_hovering_a_mosaic_cell_outlines_its_field_on_the_crop_and_the_picture(shown, qtbot):
    window, _ = shown
    show_layer(qtbot, window, "conv2")
    overlay = window.inspect.overlay
    panel = window.feature_maps_panel
    panel.canvas.handle_mouse_moved(mosaic_scene_pos(window, 17, 5, 9))
    field = receptive_field("conv2", 5, 9)
    assert overlay.hovered == field
    on_input, on_detail = overlay._hover_items
    detail = panel.channel_detail
    box = field.clipped()
    # In scene coordinates: exactly where the crop's own pixels of that box are drawn.
    assert on_detail.isVisible()
    assert _scene_rect(on_detail) == detail.crop_item.mapRectToScene(_crop_rect(box))
    shape = window.input_panel.picture_shape
    assert _scene_rect(on_input) == window.input_panel.image_item.mapRectToScene(
        _crop_rect(crop_box_on_picture(box, shape)))
    window.input_panel.set_showing_crop(True)
    assert _scene_rect(on_input) == window.input_panel.image_item.mapRectToScene(_crop_rect(box))
    # Leaving the mosaic takes the hover outline away.
    panel.canvas.pixel_left.emit()
    assert overlay.hovered is None and not on_detail.isVisible() and not on_input.isVisible()


def test_a_field_reaching_into_the_padding_is_clipped_to_the_crop(shown, qtbot):
    window, _ = shown
    overlay = window.inspect.overlay
    window.feature_maps_panel.canvas.handle_mouse_moved(mosaic_scene_pos(window, 0, 0, 0))
    assert overlay.hovered == receptive_field("conv1", 0, 0)
    assert overlay._hover_items[1].rect() == QRectF(0, 0, 9, 9)  # conv1 cell 0 sees [-2, 9)


def test_clicking_a_cell_pins_its_field_until_clicked_again(shown, qtbot):
    window, _ = shown
    overlay = window.inspect.overlay
    canvas = window.feature_maps_panel.canvas
    with qtbot.waitSignal(overlay.cell_chosen) as chosen:
        canvas.handle_click(mosaic_scene_pos(window, 3, 10, 20))
    assert chosen.args == ["conv1", 3, 10, 20]
    assert overlay.pinned == receptive_field("conv1", 10, 20)
    canvas.pixel_left.emit()  # the pin outlasts the hover
    pin_input, pin_detail = overlay._pin_items
    assert pin_detail.isVisible() and pin_input.isVisible()
    assert pin_detail.rect() == _crop_rect(receptive_field("conv1", 10, 20).clipped())
    canvas.handle_click(mosaic_scene_pos(window, 3, 10, 20))
    assert overlay.pinned is None and not pin_detail.isVisible()


def test_hovering_and_clicking_the_channel_detail(shown, qtbot):
    window, _ = shown
    show_layer(qtbot, window, "pool2")
    overlay = window.inspect.overlay
    detail = window.feature_maps_panel.channel_detail
    layer, channel = detail.selection
    assert layer == "pool2"
    scene = detail.plot_widget.scene()
    overlay._on_detail_moved(detail_scene_pos(window, 4, 11))
    assert overlay.hovered == receptive_field("pool2", 4, 11)
    assert overlay.detail_cell(detail_scene_pos(window, 12, 0)) == ("pool2", channel, 12, 0)
    with qtbot.waitSignal(overlay.cell_chosen) as chosen:
        overlay._on_cell_clicked(*overlay.detail_cell(detail_scene_pos(window, 2, 3)))
    assert chosen.args == ["pool2", channel, 2, 3]
    assert overlay.pinned == receptive_field("pool2", 2, 3)
    assert scene is detail.plot_widget.scene()


def test_clicking_the_crop_lights_the_cells_that_see_it(shown, qtbot):
    window, _ = shown
    show_layer(qtbot, window, "conv3")
    window.input_panel.set_showing_crop(True)
    overlay = window.inspect.overlay
    window.input_panel.canvas.handle_click(window.input_panel.canvas.pixel_to_scene(50.25, 180.75))
    rows, cols = cells_seeing("conv3", 50.25, 180.75)
    assert overlay.lit == ("conv3", rows, cols)
    # Every tile of the mosaic has that block of cells outlined ...
    mosaic = window.feature_maps_panel.mosaic
    path = overlay._lit_mosaic.path()
    expected = QRectF()
    for channel in mosaic.order:
        top, left = mosaic.tile_origin(channel)
        expected = expected.united(QRectF(left + cols.start, top + rows.start, cols.stop - cols.start,
                                          rows.stop - rows.start))
    assert path.boundingRect() == expected
    assert path.elementCount() == 5 * len(mosaic.order)  # one closed rectangle per tile
    # ... and the detail outlines the same cells where they sit on the crop.
    _size, stride, first_centre = layer_geometry("conv3")
    corner = first_centre - stride / 2
    assert overlay._lit_detail.rect() == QRectF(corner + cols.start * stride, corner + rows.start * stride,
                                                (cols.stop - cols.start) * stride, (rows.stop - rows.start) * stride)
    # A new layer lights its own cells.
    show_layer(qtbot, window, "conv1")
    qtbot.waitUntil(lambda: overlay.lit is not None and overlay.lit[0] == "conv1")
    assert overlay.lit == ("conv1", *cells_seeing("conv1", 50.25, 180.75))


def test_clicking_the_picture_maps_the_point_onto_the_crop(shown, qtbot):
    window, _ = shown
    overlay = window.inspect.overlay
    canvas = window.input_panel.canvas
    on_input, on_detail = overlay._markers
    assert not on_input.isVisible() and not on_detail.isVisible()  # no point: nothing to paint per frame
    canvas.handle_click(canvas.pixel_to_scene(100.0, 160.0))
    expected = picture_point_on_crop(100.0, 160.0, window.input_panel.picture_shape)
    assert overlay.point == pytest.approx(expected)
    assert overlay.lit == ("conv1", *cells_seeing("conv1", *expected))
    assert on_detail.isVisible() and on_input.isVisible()
    assert (on_detail.data["y"][0], on_detail.data["x"][0]) == pytest.approx(expected)  # the crop's own point
    canvas.handle_click(canvas.pixel_to_scene(100.0, 3.0))  # left of the centre crop
    assert overlay.point is None and overlay.lit is None
    assert not on_input.isVisible() and not on_detail.isVisible()
    assert window.messages.text == OUTSIDE_CROP
