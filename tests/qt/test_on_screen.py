"""Views that work only while a person can see them: a dock tabbed behind another is still
"visible" to Qt, so the papers' experiments, the every-method view and A/B would compute
for nobody; they wait until their tab is raised, then catch up with the picture on screen."""

from PySide6.QtWidgets import QDockWidget

from alexnet_viewer.qt.panels.on_screen import on_screen
from alexnet_viewer.qt.papers.tencrop_view import TenCropView
from tests.qt.conftest import wait_for_frame


def test_an_experiment_behind_another_tab_waits_until_its_tab_is_raised(make_window, qtbot, picture, shared_engine):
    window = make_window(factory=lambda *_args: shared_engine)  # the real engine: the views read its model
    window.state.select_workspace("papers")
    ten_crops = next(view for view in window.tool_views if isinstance(view, TenCropView))
    window.findChild(QDockWidget, "view_fc7_neighbours").raise_()
    qtbot.waitUntil(lambda: ten_crops.isVisible() and not on_screen(ten_crops))  # Qt: "visible"
    wait_for_frame(qtbot, window, window.open_path(picture))
    # A view on screen starts its job as the result arrives (PaperView._on_result): not this one.
    assert window.state.result is not None and ten_crops.outcome is None and not ten_crops.busy
    window.findChild(QDockWidget, "view_ten_crops").raise_()
    qtbot.waitUntil(lambda: on_screen(ten_crops))
    qtbot.waitUntil(lambda: ten_crops.outcome is not None and not ten_crops.busy, timeout=60000)


def test_a_watch_follows_the_docks_holding_its_view_but_not_the_busy_window(qtbot):
    from PySide6.QtWidgets import QLabel, QMainWindow, QWidget
    from PySide6.QtCore import Qt

    from alexnet_viewer.qt.panels.on_screen import ScreenWatch

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QLabel("centre"))
    docks = []
    for name in ("first", "second"):
        dock = QDockWidget(name, window)
        dock.setWidget(QWidget())
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        docks.append(dock)
    window.tabifyDockWidget(*docks)
    seen = []
    watch = ScreenWatch(docks[0].widget(), seen.append)
    assert docks[0] in watch._holders and window not in watch._holders  # its paints cost no Python call
    window.resize(600, 400)
    window.show()
    docks[1].raise_()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] is False)
    docks[0].raise_()  # the tab raised: told through the dock's own move back onto the window
    qtbot.waitUntil(lambda: seen[-1] is True)
