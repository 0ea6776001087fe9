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
