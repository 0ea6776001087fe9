"""The Architecture panel shows the core's table and selects layers both ways; About
AlexNet lists the core's facts with their sources, the weights' accuracy included."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from torchvision.models import AlexNet_Weights

from alexnet_viewer.core.lecture.about import about_facts
from alexnet_viewer.core.inspect.architecture import architecture
from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.qt.lecture.about_view import show_about_alexnet
from alexnet_viewer.qt.lecture.architecture_panel import COLUMNS, row_texts
from tests.qt.conftest import EngineWrapper, RecordingFactory, wait_for_frame


class LoadedEngine(EngineWrapper):
    """The shared engine as the worker sees a real one: with the model it runs."""

    @property
    def loaded(self):
        return self.engine.loaded


def ready(make_window, qtbot, picture, shared_engine):
    factory = RecordingFactory(shared_engine, wrap=lambda stand_in: LoadedEngine(stand_in.engine))
    window = make_window(factory=factory)
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
    assert rows[-1][0] == "total" and rows[-1][params] == "61,100,840" and rows[-1][macs] == "714,188,480"
    conv1 = rows[0]
    assert conv1[params] == "23,296" and conv1[COLUMNS.index("RF size")] == "11"
    assert rows[LAYER_NAMES.index("pool5")][COLUMNS.index("RF size")] == "195"
    assert table.item(0, params).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert not table.item(table.rowCount() - 1, 0).flags() & Qt.ItemFlag.ItemIsSelectable
    assert "61,100,840 parameters" in window.architecture_panel.summary.text()


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
