"""Workspaces: the views grouped by task, switched by one click or one key, the picture and
the top-5 always in view, no tab group over four tabs, and one function to add a view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from alexnet_viewer.core.session import WORKSPACES
from alexnet_viewer.qt.window.docks import MAX_TABS
from tests.qt.conftest import wait_for_frame


def _tab_groups(window, docks):
    groups = []
    for dock in docks:
        if dock.isVisible() and not any(dock in group for group in groups):
            groups.append({dock, *[d for d in window.tabifiedDockWidgets(dock) if d.isVisible()]})
    return groups


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_each_workspace_shows_its_views_with_the_picture_and_top5(make_window, qtbot, size, picture):
    window = make_window(size=size)
    wait_for_frame(qtbot, window, window.open_path(picture))  # filled panels need their room too
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    order = [*enumerate(WORKSPACES, start=1)][1:] + [(1, WORKSPACES[0])]  # 2–5, then back to 1
    for number, name in order:
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number))  # keys 1–5
        assert window.state.workspace == name
        qtbot.waitUntil(lambda: window.input_dock.isVisible() and window.top5_dock.isVisible(), timeout=3000)
        own = window.workspaces.of(name)
        assert own and all(dock.isVisible() for dock in own)
        others = [d for d in window.docks if d not in own and d not in window.workspaces.always]
        assert not [d.objectName() for d in others if d.isVisible()], name
        assert all(len(group) <= MAX_TABS for group in _tab_groups(window, own))
        assert window.feature_maps_panel.isVisible() == (name in ("look", "inside"))
        assert window.workspaces.actions[name].isChecked()
        # Nothing needs more room than the screen: the window keeps (or gets back) its size.
        qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)


def test_no_tab_bar_of_another_workspace_stays_on_screen(make_window, qtbot):
    """Qt left the tab bar of a replaced layout drawn: after Papers, "fc7 neighbours | Atlas
    map | …" hung over Inside at 1280x800. Only the tab groups of the docks shown are drawn."""
    from PySide6.QtWidgets import QApplication, QTabBar

    window = make_window(size=(1280, 800), start=False)
    for name in ("papers", "inside", "units", "inside", "why", "look"):
        window.state.select_workspace(name)
        QApplication.sendPostedEvents()
        shown = {dock.windowTitle() for dock in window.docks if dock.isVisible()}
        bars = [bar for bar in window.findChildren(QTabBar) if bar.parentWidget() is window and bar.isVisible()]
        tabs = [{bar.tabText(i) for i in range(bar.count())} for bar in bars]
        assert [t for t in tabs if t - shown] == [], name
        grouped = {dock.windowTitle() for dock in window.workspaces.of(name) if window.tabifiedDockWidgets(dock)}
        assert grouped <= set().union(*tabs), name  # the workspace's own tabs are drawn


def test_a_view_brought_up_switches_to_its_workspace(make_window):
    window = make_window(start=False)
    window.bring_up(window.compare_dock)
    assert window.state.workspace == "inside" and window.compare_dock.isVisible()
    # Ablation and A/B sit side by side, not in one tab group.
    assert window.ablation_dock.isVisible() and window.compare_dock not in window.tabifiedDockWidgets(window.ablation_dock)


def test_add_view_puts_a_widget_in_a_workspace(make_window):
    window = make_window(start=False)
    label = QLabel("Figure 3")
    dock = window.add_view("papers", "Figure 3: occlusion", label)
    assert dock.widget() is label and dock.windowTitle() == "Figure 3: occlusion"
    assert not dock.isVisible()  # "look" is shown
    window.state.select_workspace("papers")
    assert dock.isVisible()
    with pytest.raises(ValueError, match="unknown workspace"):
        window.add_view("nowhere", "x", QLabel())


def test_an_arrangement_is_kept_per_workspace(make_window):
    window = make_window(start=False)
    window.state.select_workspace("units")
    window.evaluate_dock.hide()  # the user closes a view
    window.state.select_workspace("look")
    window.state.select_workspace("units")
    assert not window.evaluate_dock.isVisible() and window.atlas_dock.isVisible()
    window.reset_layout()
    assert window.evaluate_dock.isVisible()


def test_the_first_run_says_where_the_workspaces_are(make_window, settings_path):
    from alexnet_viewer.qt.window.main_window import FIRST_RUN_HINT

    window = make_window(start=False)
    assert window.workspaces.hint.text() == FIRST_RUN_HINT
    window.state.select_workspace("why")  # the first switch: the bar names the workspace
    assert window.workspaces.hint.text() != FIRST_RUN_HINT
    window.close()
    again = make_window(start=False)  # the layout was kept: no pointer this time
    assert again.workspaces.hint.text() != FIRST_RUN_HINT


def test_the_tool_views_join_their_workspaces_and_stop_with_the_window(make_window):
    window = make_window(start=False)
    home = {dock.windowTitle(): window.workspaces.workspace_of.get(dock) for dock in window.docks}
    for title in ("Every method", "Sanity check", "Fool it"):
        assert home[title] == "why"
    papers = [title for title, workspace in home.items() if workspace == "papers"]
    assert sorted(papers) == ["Atlas map", "Invariance", "Occlusion", "Ten crops", "fc7 neighbours"]
    window.state.select_workspace("papers")
    shown = [dock for dock in window.workspaces.of("papers") if dock.isVisible()]
    assert shown and all(len(window.tabifiedDockWidgets(dock)) < 4 for dock in shown)
    assert len(window.tool_views) == 8


def test_the_first_run_is_maximised_on_a_screen_smaller_than_the_layout_needs(make_window, monkeypatch):
    from alexnet_viewer.qt.window import docks

    window = make_window(start=False)
    maximised = Qt.WindowState.WindowMaximized
    assert window.settings.window_geometry() is None  # nothing saved yet: a first run
    monkeypatch.setattr(docks, "fitting_size", lambda: docks.DEFAULT_SIZE)  # a screen with room
    window.workspaces.restore(window.settings)
    assert not window.windowState() & maximised and window.size().toTuple() == docks.DEFAULT_SIZE
    monkeypatch.setattr(docks, "fitting_size", lambda: (1024, 600))  # a small laptop screen
    window.workspaces.restore(window.settings)
    assert window.windowState() & maximised
