"""FeatureMapsPanel and ChannelDetail against real engine results (random weights)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.panels.colormaps import colormap, lookup_table, mosaic_lookup_table
from alexnet_viewer.qt.panels import FeatureMapsPanel
from alexnet_viewer.qt.panels.feature_maps_panel import SWITCH_MARGIN
from alexnet_viewer.qt.panels.style import PLOT_BACKGROUND
from tests.qt.panel_results import process


@pytest.fixture(scope="module")
def conv1_result(engine):
    return process(engine, "conv1")


@pytest.fixture(scope="module")
def conv2_result(engine):
    return process(engine, "conv2", "fc6", frame_id=1)


@pytest.fixture
def panel(qtbot, conv1_result):
    widget = FeatureMapsPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    widget.show_result(conv1_result)
    return widget


def _pixel_of(mosaic, channel, y, x):
    top, left = mosaic.tile_origin(channel)
    return top + y + 0.5, left + x + 0.5


def test_defaults_and_choices(panel, conv1_result):
    assert [panel.layer_combo.itemText(i) for i in range(panel.layer_combo.count())] == list(LAYER_NAMES)
    assert panel.layer == "conv1"
    assert panel.shown_layer == "conv1"
    assert np.array_equal(panel.canvas.image_item.image, conv1_result.mosaics["conv1"].image)
    assert np.array_equal(panel.canvas.image_item.lut, mosaic_lookup_table("viridis", PLOT_BACKGROUND))
    assert panel.title.text() == "conv1 · 64 channels · 55×55"


def test_colormap_choice_changes_lookup_tables(panel):
    panel.colormap_combo.setCurrentText("inferno")
    assert np.array_equal(panel.canvas.image_item.lut, mosaic_lookup_table("inferno", PLOT_BACKGROUND))
    assert np.array_equal(panel.channel_detail.overlay_item.lut, lookup_table("inferno"))


def test_layer_change_waits_for_a_result_with_that_mosaic(qtbot, panel, conv1_result, conv2_result):
    with qtbot.waitSignal(panel.layer_changed) as blocker:
        panel.select_layer("conv2")
    assert blocker.args == ["conv2"]
    # A frame requested before the switch has no conv2 mosaic: keep conv1 and say so.
    panel.show_result(conv1_result)
    assert panel.shown_layer == "conv1"
    assert panel.title.text().startswith("conv1")
    assert np.array_equal(panel.canvas.image_item.image, conv1_result.mosaics["conv1"].image)

    panel.show_result(conv2_result)
    assert panel.shown_layer == "conv2"
    assert panel.title.text() == "conv2 · 192 channels · 27×27"
    assert np.array_equal(panel.canvas.image_item.image, conv2_result.mosaics["conv2"].image)


def test_a_layer_change_leaves_the_detail_alone_until_the_new_layer_arrives(panel, conv2_result, monkeypatch):
    """Nothing of the old layer is drawn again meanwhile: the GUI thread stays free for the result."""
    shown = []
    monkeypatch.setattr(panel.channel_detail, "show_channel", lambda *args, **kwargs: shown.append(args[1]))
    panel.select_layer("conv2")
    assert shown == [] and panel.title.text() == "conv1 (loading conv2…)"
    panel.show_result(conv2_result)
    assert shown == ["conv2"]


def test_hover_reads_out_channel_position_and_true_value(panel, conv2_result):
    panel.select_layer("conv2")
    panel.show_result(conv2_result)
    mosaic = conv2_result.mosaics["conv2"]
    row, col = _pixel_of(mosaic, 17, 5, 9)
    panel.canvas.handle_mouse_moved(panel.canvas.pixel_to_scene(row, col))
    value = float(conv2_result.activations["conv2"][17, 5, 9])
    assert panel.hover_label.text() == f"conv2 · channel 17 · (y 5, x 9) = {value:.3f}"


def test_hover_on_fc_layer_reads_unit_value(panel, conv2_result):
    panel.select_layer("fc6")
    panel.show_result(conv2_result)
    mosaic = conv2_result.mosaics["fc6"]
    row, col = _pixel_of(mosaic, 300, 0, 0)
    panel.canvas.handle_mouse_moved(panel.canvas.pixel_to_scene(row, col))
    value = float(conv2_result.activations["fc6"][300])
    assert panel.hover_label.text() == f"fc6 · unit 300 = {value:.3f}"


def test_click_selects_channel_and_shows_detail(qtbot, panel, conv2_result):
    panel.select_layer("conv2")
    panel.show_result(conv2_result)
    mosaic = conv2_result.mosaics["conv2"]
    row, col = _pixel_of(mosaic, 42, 3, 3)
    with qtbot.waitSignal(panel.channel_selected) as blocker:
        panel.canvas.handle_click(panel.canvas.pixel_to_scene(row, col))
    assert blocker.args == ["conv2", 42]
    detail = panel.channel_detail
    channel_map = conv2_result.activations["conv2"][42]
    assert detail.selection == ("conv2", 42)
    assert detail.title.text() == "conv2 · channel 42"
    assert np.array_equal(detail.overlay_item.image, channel_map)
    assert tuple(detail.overlay_item.levels) == pytest.approx(mosaic.levels)
    mean = float(conv2_result.stats["conv2"].channel_means[42])
    assert detail.stats_label.text() == (
        f"mean {mean:.3f} · min {float(channel_map.min()):.3f} · max {float(channel_map.max()):.3f}"
    )
    assert panel.selection_box.isVisible()
    assert tuple(detail.color_bar.levels()) == pytest.approx(mosaic.levels)


def test_detail_follows_new_frames(panel, engine):
    first = process(engine, "conv1", frame_id=5)
    second = process(engine, "conv1", phase=90, frame_id=6)
    panel.show_result(first)
    panel.select_channel("conv1", 3)
    panel.show_result(second)
    assert np.array_equal(panel.channel_detail.overlay_item.image, second.activations["conv1"][3])


def test_select_channel_from_elsewhere_switches_layer(qtbot, panel, conv2_result):
    with qtbot.waitSignals([panel.layer_changed, panel.channel_selected]):
        panel.select_channel("conv2", 7)
    assert panel.layer == "conv2"
    assert panel.selected_channel == ("conv2", 7)  # at once, though conv2's maps are still to come
    assert panel.channel_detail.selection[0] == "conv1"
    panel.show_result(conv2_result)
    assert panel.channel_detail.selection == ("conv2", 7)
    assert np.array_equal(panel.channel_detail.overlay_item.image, conv2_result.activations["conv2"][7])


def test_overlay_opacity_slider(panel):
    detail = panel.channel_detail
    panel.select_channel("conv1", 0)
    assert detail.overlay_opacity == 1.0  # overlay off: the map alone, fully opaque
    detail.overlay_check.setChecked(True)
    detail.opacity_slider.setValue(30)
    assert detail.overlay_item.opacity() == pytest.approx(0.30)
    assert detail.crop_item.isVisible()
    detail.opacity_slider.setValue(85)
    assert detail.overlay_item.opacity() == pytest.approx(0.85)
    assert detail.opacity_label.text() == "85 %"
    detail.overlay_check.setChecked(False)
    assert detail.overlay_item.opacity() == 1.0
    assert not detail.crop_item.isVisible()


def test_channel_order_signal(qtbot, panel):
    with qtbot.waitSignal(panel.channel_order_changed) as blocker:
        panel.set_channel_order("mean")
    assert blocker.args == ["mean"]
    assert panel.state.channel_order == "mean"


def test_mean_ordered_mosaic_reads_out_the_right_channel(panel, engine):
    result = process(engine, "conv1", order="mean", frame_id=7)
    panel.show_result(result)
    mosaic = result.mosaics["conv1"]
    strongest = mosaic.order[0]
    panel.hover_at(2.5, 2.5)  # top-left tile: the channel with the highest mean
    assert panel.hover_label.text().startswith(f"conv1 · channel {strongest} · (y 2, x 2)")


def test_fc_unit_detail_is_not_laid_over_the_picture(panel, conv2_result):
    detail = panel.channel_detail
    detail.overlay_check.setChecked(True)
    panel.select_channel("fc6", 11)
    panel.show_result(conv2_result)
    assert detail.title.text() == "fc6 · unit 11"
    assert not detail.overlay_check.isEnabled()
    assert not detail.crop_item.isVisible()
    assert detail.stats_label.text() == f"value {float(conv2_result.activations['fc6'][11]):.3f}"


def _strongest(result, layer):
    return int(np.argmax(result.stats[layer].channel_means))


def test_strongest_channel_is_shown_before_any_click(panel, conv1_result):
    strongest = _strongest(conv1_result, "conv1")
    detail = panel.channel_detail
    assert panel.selected_channel == ("conv1", strongest)
    assert panel.channel_is_automatic
    assert detail.selection == ("conv1", strongest)
    assert detail.title.text() == f"conv1 · channel {strongest} (strongest)"
    assert np.array_equal(detail.overlay_item.image, conv1_result.activations["conv1"][strongest])
    assert panel.selection_box.isVisible()


def test_layer_change_shows_the_new_layers_strongest_channel(panel, conv2_result):
    panel.select_layer("conv2")
    panel.show_result(conv2_result)
    strongest = _strongest(conv2_result, "conv2")
    assert panel.selected_channel == ("conv2", strongest)
    assert panel.channel_detail.title.text() == f"conv2 · channel {strongest} (strongest)"
    panel.select_layer("fc6")
    panel.show_result(conv2_result)
    assert panel.selected_channel == ("fc6", _strongest(conv2_result, "fc6"))


def test_users_choice_is_kept_across_frames_and_layer_switches(qtbot, panel, engine, conv1_result, conv2_result):
    strongest = _strongest(conv1_result, "conv1")
    chosen = (strongest + 5) % 64
    panel.select_channel("conv1", chosen)
    assert panel.selected_channel == ("conv1", chosen)
    assert not panel.channel_is_automatic
    assert panel.channel_detail.title.text() == f"conv1 · channel {chosen}"
    panel.show_result(process(engine, "conv1", phase=90, frame_id=8))
    assert panel.selected_channel == ("conv1", chosen)

    panel.select_layer("conv2")  # no choice made there yet: its strongest
    panel.show_result(conv2_result)
    assert panel.selected_channel == ("conv2", _strongest(conv2_result, "conv2"))
    assert panel.channel_is_automatic

    panel.select_layer("conv1")  # back: the user's channel again, not the strongest
    panel.show_result(conv1_result)
    assert panel.selected_channel == ("conv1", chosen)
    assert not panel.channel_is_automatic
    assert panel.channel_detail.selection == ("conv1", chosen)


def test_automatic_pick_follows_a_clearly_stronger_channel_only(panel, conv1_result):
    import dataclasses

    means = conv1_result.stats["conv1"].channel_means
    strongest = _strongest(conv1_result, "conv1")
    runner_up = int(np.argsort(means)[-2])
    spread = float(means.max() - means.min())

    def with_means(new_means):
        stats = dict(conv1_result.stats)
        stats["conv1"] = dataclasses.replace(stats["conv1"], channel_means=new_means.astype(np.float32))
        return dataclasses.replace(conv1_result, stats=stats)

    nearly = means.copy()
    nearly[runner_up] = means[strongest] + SWITCH_MARGIN * spread * 0.5  # a near-tie: no flicker
    panel.show_result(with_means(nearly))
    assert panel.selected_channel == ("conv1", strongest)
    clearly = means.copy()
    clearly[runner_up] = means[strongest] + SWITCH_MARGIN * spread * 4
    panel.show_result(with_means(clearly))
    assert panel.selected_channel == ("conv1", runner_up)


def test_hover_hint_fits_a_narrow_mosaic(qtbot, conv1_result):
    widget = FeatureMapsPanel()
    qtbot.addWidget(widget)
    widget.resize(360, 700)
    widget.show()
    widget.show_result(conv1_result)
    qtbot.waitExposed(widget)
    assert not widget.hover_label.elided


def test_mosaic_gaps_take_the_background_colour_not_the_map():
    table = mosaic_lookup_table("viridis", PLOT_BACKGROUND)
    assert tuple(table[0]) == (0x1E, 0x1F, 0x22)
    assert np.array_equal(table[1:], colormap("viridis").getLookupTable(nPts=255, alpha=False))
    assert not table.flags.writeable


def test_every_panel_shows_the_result_it_was_given_last(qtbot, engine):
    from alexnet_viewer.qt.panels import FiltersPanel, InputPanel, StatsPanel, Top5Panel
    from alexnet_viewer.qt.panels.stats_panel import row_texts

    panels = [InputPanel(), Top5Panel(), FiltersPanel(), FeatureMapsPanel(), StatsPanel()]
    for widget in panels:
        qtbot.addWidget(widget)
        widget.show()
    inputs, top5, _filters, maps, stats = panels
    maps.select_layer("conv2")
    stats.set_layer("conv2")
    frames = [process(engine, "conv2", phase=phase, frame_id=phase) for phase in (0, 90, 180)]
    maps.select_channel("conv2", 4)
    for frame in frames + frames[::-1]:
        for widget in panels:
            widget.show_result(frame)
        assert np.array_equal(inputs.image_item.image, frame.image)
        assert top5.name_labels[0].text() == f"1. {frame.top5[0].label}"
        assert np.array_equal(maps.canvas.image_item.image, frame.mosaics["conv2"].image)
        assert np.array_equal(maps.channel_detail.overlay_item.image, frame.activations["conv2"][4])
        row = LAYER_NAMES.index("conv2")
        assert [stats.table.item(row, c).text() for c in range(stats.table.columnCount())] == \
            list(row_texts("conv2", frame.stats["conv2"]))


def test_hover_and_detail_read_the_result_whose_mosaic_is_shown(panel, engine, conv2_result):
    panel.select_layer("conv2")
    panel.show_result(conv2_result)
    panel.select_channel("conv2", 17)
    newer = process(engine, "conv1", phase=120, frame_id=9)  # asked for before the switch: no conv2 mosaic
    assert not np.array_equal(newer.activations["conv2"], conv2_result.activations["conv2"])
    panel.show_result(newer)
    mosaic = conv2_result.mosaics["conv2"]
    assert np.array_equal(panel.canvas.image_item.image, mosaic.image)
    row, col = _pixel_of(mosaic, 17, 5, 9)
    panel.hover_at(row, col)
    value = float(conv2_result.activations["conv2"][17, 5, 9])
    assert panel.hover_label.text() == f"conv2 · channel 17 · (y 5, x 9) = {value:.3f}"
    assert np.array_equal(panel.channel_detail.overlay_item.image, conv2_result.activations["conv2"][17])


@pytest.mark.parametrize("layer", ["conv1", "pool5"])
def test_the_channel_sits_on_its_receptive_field_centres(qtbot, engine, layer):
    from alexnet_viewer.core.inspect.receptive_field import geometry_table, receptive_field

    result = process(engine, layer, frame_id=11)
    widget = FeatureMapsPanel()
    qtbot.addWidget(widget)
    widget.select_layer(layer)
    widget.show_result(result)
    overlay = widget.channel_detail.overlay_item
    rows, cols = geometry_table()[layer].cells
    assert overlay.image.shape == (rows, cols)
    for y, x in ((0, 0), (rows - 1, cols - 1), (rows // 2, 1)):
        centre = overlay.mapToParent(QPointF(x + 0.5, y + 0.5))  # cell (y, x) in crop coordinates
        expected = receptive_field(layer, y, x).centre
        assert (centre.y(), centre.x()) == pytest.approx(expected, abs=1e-6)
    assert receptive_field(layer, 0, 0).centre == {"conv1": (3.5, 3.5), "pool5": (31.5, 31.5)}[layer]


def test_mean_order_puts_ties_in_channel_order(engine):
    from alexnet_viewer.core.frame.engine import FrameRequest

    black = np.zeros((64, 64, 3), np.uint8)  # many ReLU channels are all zero: ties
    result = engine.process(black, FrameRequest(focus_layers=("relu1", "relu5"), channel_order="mean"))
    for layer in ("relu1", "relu5"):
        order = result.mosaics[layer].order
        sums = result.activations[layer].reshape(len(order), -1).sum(axis=1)
        tied = [channel for channel in order if sums[channel] == 0]
        assert len(tied) >= 2
        assert tied == sorted(tied)


@pytest.mark.parametrize("layer", ["conv1", "fc8"])
def test_the_selection_frame_sits_on_its_tile_in_every_layer(qtbot, engine, layer):
    panel = FeatureMapsPanel()
    qtbot.addWidget(panel)
    panel.select_layer(layer)
    panel.show_result(process(engine, layer))
    mosaic = panel.mosaic
    last = mosaic.order[-1]
    panel.select_channel(layer, last)
    frame = panel.selection_box.rect()
    height, width = mosaic.image.shape
    assert frame.left() >= -0.5 and frame.top() >= -0.5
    assert frame.right() <= width + 0.5 and frame.bottom() <= height + 0.5
    top, left = mosaic.tile_origin(last)
    assert frame.contains(left + 0.5, top + 0.5)  # on its own tile
    if mosaic.gap == 0:
        assert frame.width() == mosaic.tile[1] and frame.height() == mosaic.tile[0]
