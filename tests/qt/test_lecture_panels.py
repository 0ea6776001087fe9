"""The Architecture panel shows the core's table and selects layers both ways; About
AlexNet lists the core's facts with their sources, the weights' accuracy included."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from torchvision.models import AlexNet_Weights

from alexnet_viewer.core.lecture.about import about_facts
from alexnet_viewer.core.inspect.architecture import architecture
from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.lecture.about_view import show_about_alexnet
from alexnet_viewer.qt.lecture.architecture_panel import COLUMNS, HEADER_CHOICES, compact_count, row_texts
from tests.qt.conftest import EngineWrapper, RecordingFactory, wait_for_frame


class LoadedEngine(EngineWrapper):
    """The shared engine as the worker sees a real one: with the model it runs."""

    @property
    def loaded(self):
        return self.engine.loaded


def ready(make_window, qtbot, picture, shared_engine, size=(1280, 800)):
    factory = RecordingFactory(shared_engine, wrap=lambda stand_in: LoadedEngine(stand_in.engine))
    window = make_window(factory=factory, size=size)
    wait_for_frame(qtbot, window, window.open_path(picture))
    qtbot.waitUntil(lambda: window.architecture_panel.architecture is not None, timeout=30000)
    return window


def table_texts(table) -> list[list[str]]:
    return [[table.item(row, column).text() for column in range(table.columnCount())]
            for row in range(table.rowCount())]


def test_the_rows_are_the_cores_table_with_a_totals_row(make_window, qtbot, picture, shared_engine):
    window = ready(make_window, qtbot, picture, shared_engine)
    expected = architecture(shared_engine.loaded.model)
    table = window.architecture_panel.table
    rows = table_texts(table)
    assert rows[:-1] == [list(row_texts(row)) for row in expected.layers]
    assert [row[0] for row in rows[:-1]] == list(LAYER_NAMES)
    params, macs = COLUMNS.index("parameters"), COLUMNS.index("MACs")
    assert rows[-1][0] == "total" and rows[-1][params] == "61.1 M" and rows[-1][macs] == "714 M"
    totals = table.rowCount() - 1
    assert table.item(totals, params).toolTip() == "61,100,840 parameters"
    assert table.item(totals, macs).toolTip() == "714,188,480 multiply-accumulates"
    conv1 = rows[0]
    assert conv1[params] == "23.3 k" and table.item(0, params).toolTip() == "23,296 parameters"
    assert conv1[COLUMNS.index("output")] == "64×55²"
    assert table.item(0, COLUMNS.index("output")).toolTip() == "64 × 55 × 55 = 193,600 values"
    assert conv1[COLUMNS.index("RF size")] == "11"
    assert rows[LAYER_NAMES.index("pool5")][COLUMNS.index("RF size")] == "195"
    assert table.item(0, params).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert not table.item(table.rowCount() - 1, 0).flags() & Qt.ItemFlag.ItemIsSelectable
    assert "61,100,840 parameters" in window.architecture_panel.summary.text()


@pytest.mark.parametrize("count, text", [
    (0, "0"), (999, "999"), (1000, "1 k"), (23_296, "23.3 k"), (307_392, "307 k"), (999_950, "1 M"),
    (4_097_000, "4.1 M"), (70_276_800, "70.3 M"), (714_188_480, "714 M"), (61_100_840, "61.1 M"),
    (2_500_000_000, "2.5 G"),
])
def test_counts_are_written_in_three_significant_digits(count, text):
    assert compact_count(count) == text


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_table_fits_the_inside_workspace_without_scrolling_sideways(make_window, qtbot, picture, shared_engine,
                                                                        size):
    window = ready(make_window, qtbot, picture, shared_engine, size=size)
    window.state.select_workspace("inside")
    table = window.architecture_panel.table
    header = table.horizontalHeader()

    def fits() -> bool:
        columns = range(table.columnCount())
        return (table.isVisible() and table.horizontalScrollBar().maximum() == 0
                and all(header.sectionSize(column) >= max(table.sizeHintForColumn(column),
                                                          header.sectionSizeFromContents(column).width())
                        for column in columns)
                and sum(header.sectionSize(column) for column in columns) <= table.viewport().width())

    qtbot.waitUntil(lambda: (window.width(), window.height()) == size and fits())
    panel = window.architecture_panel
    # The most informative headers that fit: shorter ones only where the full words do not.
    shown = HEADER_CHOICES.index(panel.headers)
    assert all(panel.columns_width(labels) > table.viewport().width() for labels in HEADER_CHOICES[:shown])
    if size == (1920, 1080):
        assert shown == 0


def test_selecting_a_row_selects_the_layer_everywhere_and_back(make_window, qtbot, picture, shared_engine):
    window = ready(make_window, qtbot, picture, shared_engine)
    panel = window.architecture_panel
    panel.table.selectRow(LAYER_NAMES.index("conv3"))
    assert window.layer == "conv3" and window.feature_maps_panel.layer == "conv3"
    assert window.stats_panel.layer == "conv3"
    window.set_layer("fc7")
    assert panel.table.currentRow() == LAYER_NAMES.index("fc7") and panel.current_layer == "fc7"
    panel.table.selectRow(panel.table.rowCount() - 1)  # the totals row is no layer
    assert window.layer == "fc7"


def test_about_lists_every_fact_with_its_source_and_the_weights_accuracy(make_window, qtbot, picture,
                                                                          shared_engine):
    window = ready(make_window, qtbot, picture, shared_engine)
    facts = about_facts(shared_engine.loaded)
    view = window.presentation.about_view
    qtbot.waitUntil(lambda: view.facts == facts, timeout=10000)
    text = view.browser.toPlainText()
    for fact in facts:
        assert fact.text in text and fact.source in text
    metrics = AlexNet_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]
    assert f"{metrics['acc@1']:g} % top-1" in text and f"{metrics['acc@5']:g} % top-5" in text
    html = view.browser.toHtml()
    assert all(f'href="{fact.url}"' in html for fact in facts if fact.url)
    assert view.browser.openExternalLinks()
    dialog = show_about_alexnet(window)
    try:
        assert dialog.isVisible() and dialog.view.facts == facts
    finally:
        dialog.close()


def test_help_menu_opens_about_alexnet(make_window, qtbot):
    window = make_window(start=False)
    titles = [action.text() for action in window.menuBar().actions()]
    assert "&Lecture" in titles
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text().replace("&", "") == "About AlexNet…")
    about.trigger()
    dialog = next(d for d in window.findChildren(QDialog) if d.windowTitle() == "About AlexNet")
    assert dialog.isVisible() and "appear once the model is loaded" in dialog.view.browser.toPlainText()
    dialog.close()


def test_about_alexnet_is_a_slide_one_fact_a_line_and_the_sources_in_a_footer(qtbot):
    """Not a wall of links: each fact on a line of its own with its source's number, every
    source once, numbered, in a footer under the facts; the links are only there."""
    from alexnet_viewer.qt.lecture.about_view import AboutView

    facts = about_facts(None)
    view = AboutView()
    qtbot.addWidget(view)
    view.show_facts(facts)
    sources = list(dict.fromkeys((fact.source, fact.url) for fact in facts))
    assert len(sources) < len(facts)  # shared sources are listed once
    lines = [line.replace("\xa0", " ").strip() for line in view.browser.toPlainText().splitlines() if line.strip()]
    assert lines[:len(facts)] == [f"{fact.text} [{sources.index((fact.source, fact.url)) + 1}]" for fact in facts]
    assert lines[len(facts):] == [f"{number}  {source}" for number, (source, _url) in enumerate(sources, start=1)]
    body, footer = view.browser.toHtml().split("<hr", 1)
    assert "<a " not in body and footer.count("<a ") == sum(1 for _source, url in sources if url)
