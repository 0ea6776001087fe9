"""InputPanel, Top5Panel and FiltersPanel against real engine results (random weights)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel

from alexnet_viewer.qt.panels import FiltersPanel, InputPanel, Top5Panel
from alexnet_viewer.qt.panels.input_panel import NETWORK_VIEW_TEXT
from alexnet_viewer.qt.panels.style import caption_label, elide_at_word
from alexnet_viewer.qt.panels.top5_panel import format_percent
from alexnet_viewer.core.frame.engine import FrameRequest
from tests.qt.panel_results import process


@pytest.fixture(scope="module")
def result(engine):
    return process(engine, "conv1")


def test_input_panel_toggles_between_picture_and_crop(qtbot, result):
    panel = InputPanel()
    qtbot.addWidget(panel)
    panel.show_result(result)
    assert np.array_equal(panel.image_item.image, result.image)
    assert panel.network_view_button.text() == NETWORK_VIEW_TEXT
    assert "320×240" in panel.caption.text()

    panel.network_view_button.click()
    assert panel.showing_crop
    assert np.array_equal(panel.image_item.image, result.crop)
    assert panel.image_item.image.shape == (224, 224, 3)
    assert panel.view_box is panel.image_item.getViewBox()


def test_a_big_picture_is_drawn_from_its_display_copy_in_the_pictures_pixels(qtbot, engine):
    """A 3300×2400 picture: the panel draws the 1100×800 display copy, stretched over the
    picture, so the caption, the view's range and the pixel under the mouse are the picture's."""
    from tests.qt.panel_results import gradient_image

    big = engine.process(gradient_image(2400, 3300), FrameRequest())
    panel = InputPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 500)
    panel.show_result(big)
    assert big.display.shape == (800, 1100, 3) and np.array_equal(panel.image_item.image, big.display)
    assert panel.picture_shape == (2400, 3300) and "3300×2400" in panel.caption.text()
    canvas = panel.canvas
    for row, col in ((0.5, 0.5), (1200.0, 1650.0), (2399.0, 3299.0)):
        assert canvas.scene_to_pixel(canvas.pixel_to_scene(row, col)) == pytest.approx((row, col), abs=1e-6)
    corner = canvas.image_item.mapRectToView(canvas.image_item.boundingRect())
    assert (corner.width(), corner.height()) == pytest.approx((3300, 2400))
    panel.network_view_button.click()  # the crop is drawn as it is
    assert np.array_equal(panel.image_item.image, big.crop)
    assert canvas.image_item.mapRectToView(canvas.image_item.boundingRect()).width() == pytest.approx(224)


def test_top5_rows_match_predictions(qtbot, result):
    panel = Top5Panel()
    qtbot.addWidget(panel)
    panel.show_result(result)
    assert len(result.top5) == 5
    for rank, prediction in enumerate(result.top5):
        assert panel.name_labels[rank].text() == f"{rank + 1}. {prediction.label}"
        assert panel.bars[rank].text == format_percent(prediction.probability)
        assert panel.bars[rank].fraction == pytest.approx(prediction.probability)
    assert all(label.font().pointSize() >= 16 for label in panel.name_labels)  # read from the back row
    assert all(bar.font().bold() for bar in panel.bars)


def test_format_percent():
    assert format_percent(0.4123) == "41.2 %"
    assert format_percent(0.0001) == "<0.1 %"


def test_untrained_banner_only_for_untrained_weights(qtbot, result):
    panel = Top5Panel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_result(result)
    assert panel.untrained_banner.isVisible()
    assert "Untrained weights — predictions are meaningless" in panel.untrained_banner.text()
    assert "random, seed 0" in panel.untrained_banner.text()

    trained = dataclasses.replace(result, weights=dataclasses.replace(result.weights, trained=True))
    panel.show_result(trained)
    assert not panel.untrained_banner.isVisible()
    assert not panel.banner_visible


def test_top5_busy_text(qtbot, result):
    panel = Top5Panel()
    qtbot.addWidget(panel)
    panel.set_busy(True, "Loading weights…")
    panel.show_result(result)
    assert panel.status_label.text() == "Loading weights…"
    panel.set_busy(False)
    panel.show_result(result)
    assert "random, seed 0" in panel.status_label.text()


def test_the_weights_line_gives_way_to_the_hint_while_the_banner_names_the_weights(qtbot, result):
    panel = Top5Panel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.status_label.isVisible()  # "Open a picture to start"
    panel.show_result(result)  # untrained: the banner says which weights
    assert panel.banner_visible and not panel.status_label.isVisible() and panel.hint.isVisible()
    panel.set_busy(True)
    assert panel.status_label.isVisible() and panel.status_label.text() == "Working…"
    panel.set_busy(False)
    panel.show_result(dataclasses.replace(result, weights=dataclasses.replace(result.weights, trained=True)))
    assert panel.status_label.isVisible() and panel.status_label.text().startswith("Weights: ")


def _filter_centre(tiles, index):
    tile_r, tile_c = divmod(index, tiles.grid[1])
    step_h, step_w = tiles.tile[0] + tiles.gap, tiles.tile[1] + tiles.gap
    return tile_r * step_h + tiles.tile[0] / 2, tile_c * step_w + tiles.tile[1] / 2


@pytest.fixture
def filters_panel(qtbot, result):
    panel = FiltersPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 500)
    panel.show()
    panel.show_result(result)
    qtbot.waitExposed(panel)
    return panel


def test_filters_normalisation_choice(filters_panel, result):
    assert not np.array_equal(result.filters.global_norm, result.filters.per_filter_norm)
    assert np.array_equal(filters_panel.canvas.image_item.image, result.filters.global_norm)
    filters_panel.set_normalisation("per_filter")
    assert np.array_equal(filters_panel.canvas.image_item.image, result.filters.per_filter_norm)


def test_filters_hover_names_the_filter_under_the_mouse(filters_panel, result):
    row, col = _filter_centre(result.filters, 12)
    scene_pos = filters_panel.canvas.pixel_to_scene(row, col)
    filters_panel.canvas.handle_mouse_moved(scene_pos)
    assert filters_panel.hover_label.text() == "filter 12"
    assert filters_panel.highlight.isVisible()
    # Over the gap between tiles nothing is named.
    gap_row = result.filters.tile[0] + 0.5
    filters_panel.canvas.handle_mouse_moved(filters_panel.canvas.pixel_to_scene(gap_row, col))
    assert filters_panel.hover_label.text() != "filter 12"
    assert not filters_panel.highlight.isVisible()


def test_filters_click_emits_filter_index(qtbot, filters_panel, result):
    row, col = _filter_centre(result.filters, 37)
    with qtbot.waitSignal(filters_panel.filter_clicked) as blocker:
        filters_panel.canvas.handle_click(filters_panel.canvas.pixel_to_scene(row, col))
    assert blocker.args == [37]


def test_filters_real_mouse_click_goes_through_the_view(qtbot, filters_panel, result):
    row, col = _filter_centre(result.filters, 9)
    canvas = filters_panel.canvas
    view_pos = canvas.mapFromScene(canvas.pixel_to_scene(row, col))
    with qtbot.waitSignal(filters_panel.filter_clicked) as blocker:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(view_pos.x(), view_pos.y()))
    assert blocker.args == [9]


def test_filters_same_tiles_are_not_redrawn(filters_panel, result, monkeypatch):
    calls = []
    monkeypatch.setattr(filters_panel.canvas, "set_image", lambda *a, **k: calls.append(a))
    filters_panel.show_result(dataclasses.replace(result, frame_id=result.frame_id + 1))
    assert calls == []


@pytest.mark.parametrize("height", [420, 700])
def test_untrained_banner_wraps_and_is_never_cut(qtbot, result, height):
    # A ~300 px wide Top-5 dock, even a short one: the banner keeps the height its text needs.
    panel = Top5Panel()
    qtbot.addWidget(panel)
    panel.resize(300, height)
    panel.show()
    panel.show_result(result)
    qtbot.waitExposed(panel)
    QApplication.processEvents()
    banner = panel.untrained_banner
    one_line = banner.fontMetrics().height()
    assert banner.heightForWidth(banner.width()) > 2 * one_line  # it did wrap
    assert banner.height() >= banner.heightForWidth(banner.width())
    for name in panel.name_labels:
        assert name.height() >= name.heightForWidth(name.width())
    assert panel.status_label.geometry().bottom() <= panel.height()


def test_set_title_visible_hides_the_static_heading(qtbot):
    for panel in (Top5Panel(), FiltersPanel()):
        qtbot.addWidget(panel)
        panel.show()
        assert panel.title.isVisible()
        panel.set_title_visible(False)
        assert not panel.title.isVisible()
        panel.set_title_visible(True)
        assert panel.title.isVisible()


def test_filters_hint_fits_a_narrow_dock(qtbot, result):
    panel = FiltersPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 400)
    panel.show()
    qtbot.waitExposed(panel)
    assert not panel.hover_label.elided


def test_a_cut_caption_ends_between_words(qtbot):
    label = caption_label()
    qtbot.addWidget(label)
    metrics = label.fontMetrics()
    text = "Hover: value · Click: enlarge · Ctrl-click: off"
    assert elide_at_word(metrics, text, metrics.horizontalAdvance(text)) == text
    for width in range(metrics.horizontalAdvance("Hover…"), metrics.horizontalAdvance(text), 7):
        cut = elide_at_word(metrics, text, width)
        kept = cut.removesuffix("…")
        assert cut.endswith("…") and metrics.horizontalAdvance(cut) <= width
        assert text.startswith(kept) and not text[len(kept)].isalnum() and not kept.endswith(("·", ":", " "))
    one_word = "/pictures/a-very-long-file-name.png"
    assert elide_at_word(metrics, one_word, 60).endswith("…")  # nothing to cut between: cut inside


def test_long_caption_is_cut_with_its_text_as_tooltip(qtbot):
    label = caption_label("short")
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    assert not label.elided and label.toolTip() == ""
    text = "conv2 · channel 117 · (y 25, x 19) = 12.345"
    label.setText(text)
    assert label.elided
    assert label.toolTip() == text
    label.resize(2000, 30)
    assert label.toolTip() == ""


def test_a_readout_keeps_its_size_as_its_number_changes_and_refits_a_new_font(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from alexnet_viewer.qt.panels.style import Readout

    holder = QWidget()
    qtbot.addWidget(holder)
    readout = Readout("– ms", "00000 ms")
    QHBoxLayout(holder).addWidget(readout)
    holder.show()
    QApplication.processEvents()  # laid out once
    size = readout.size()
    assert readout.fontMetrics().horizontalAdvance("00000 ms") <= size.width()
    requests = []
    holder.installEventFilter(filter_ := _Recorder(requests, QEvent.Type.LayoutRequest))
    for text in ("7 ms", "1234 ms", "56 ms"):
        readout.setText(text)
        QApplication.processEvents()
    assert readout.size() == size and requests == []  # the layout around it never runs again
    big = QFont(readout.font())
    big.setPointSizeF(big.pointSizeF() * 2)
    readout.setFont(big)  # presentation mode: the number stays whole in the larger type
    assert readout.width() >= readout.fontMetrics().horizontalAdvance("00000 ms") > size.width()
    holder.removeEventFilter(filter_)


def test_a_wrapped_readout_repaints_alone_while_its_height_holds(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    label = caption_label("mean 0.100 · min 0.000 · max 1.000", wrap=True)
    column = QVBoxLayout(holder)
    column.addWidget(label)
    column.addStretch(1)  # the label keeps the height its text needs
    holder.resize(160, 600)
    holder.show()
    QApplication.processEvents()  # laid out once
    height = label.height()
    requests, paints = [], []
    holder.installEventFilter(layout_filter := _Recorder(requests, QEvent.Type.LayoutRequest))
    label.installEventFilter(paint_filter := _Recorder(paints, QEvent.Type.Paint))
    for text in ("mean 0.250 · min 0.000 · max 3.125", "mean 0.333 · min 0.000 · max 2.000"):
        label.setText(text)
        QApplication.processEvents()
        assert label.text() == text
    assert requests == [] and len(paints) >= 1 and label.height() == height  # repainted, no layout pass
    image = label.grab().toImage()
    assert any(image.pixelColor(x, y) != image.pixelColor(0, 0)  # the new text is drawn
               for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))
    longer = "mean 0.333 · min 0.000 · max 2.000 · the strongest channel of conv5 by far"
    label.setText(longer)  # needs more lines: the layout runs and the label grows
    QApplication.processEvents()
    assert requests and label.text() == longer and label.height() > height
    label.resize(label.width() + 40, label.height())  # a new width: QLabel holds the text shown
    assert QLabel.text(label) == longer
    big = label.font()
    big.setPointSizeF(big.pointSizeF() * 2)
    label.setFont(big)  # presentation mode: heights are measured again in the new type
    label.setText("mean 0.250 · min 0.000 · max 3.125")
    QApplication.processEvents()
    assert label.height() >= label.heightForWidth(label.width()) > height
    holder.removeEventFilter(layout_filter)
    label.removeEventFilter(paint_filter)


def test_a_wrapped_label_that_was_empty_is_laid_out_for_its_first_text(qtbot):
    """An empty QLabel is sized apart from any line of text (the top-5 names before the first
    result): its first text must reach QLabel, or the label stays too short and cuts it."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    label = caption_label("", wrap=True)
    column = QVBoxLayout(holder)
    column.addWidget(label)
    column.addStretch(1)
    holder.resize(300, 400)
    holder.show()
    QApplication.processEvents()
    label.setText("1. magpie")
    QApplication.processEvents()
    assert QLabel.text(label) == "1. magpie"
    assert label.height() >= label.heightForWidth(label.width()) > 0


class _Recorder(QObject):
    """Notes each event of ``kind`` a watched widget receives."""

    def __init__(self, seen: list, kind) -> None:
        super().__init__()
        self.seen, self.kind = seen, kind

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt name
        if event.type() == self.kind:
            self.seen.append(watched)
        return False


def test_a_probability_bar_repaints_only_when_a_pixel_of_it_changes(qtbot):
    from PySide6.QtCore import QEvent

    from alexnet_viewer.qt.panels.probability_bar import ProbabilityBar

    bar = ProbabilityBar()
    qtbot.addWidget(bar)
    bar.resize(200, bar.height())
    bar.show()
    bar.set_value(0.5, "50.0 %")
    QApplication.processEvents()
    paints = []
    bar.installEventFilter(recorder := _Recorder(paints, QEvent.Type.Paint))
    bar.set_value(0.5001, "50.0 %")  # a live frame's nudge: the same pixels
    QApplication.processEvents()
    assert paints == [] and bar.fraction == pytest.approx(0.5001)
    bar.set_value(0.51, "51.0 %")
    QApplication.processEvents()
    assert paints == [bar]
    bar.removeEventFilter(recorder)
