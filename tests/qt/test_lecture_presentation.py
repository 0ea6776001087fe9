"""Presentation mode: every key of the one keyboard map does what the ? overlay says, and
leaving gives the normal window back exactly."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.app import GuiOptions, create_app
from alexnet_viewer.qt.lecture import scenes as lecture_scenes
from alexnet_viewer.qt.lecture.shortcut_overlay import overlay_rows
from alexnet_viewer.qt.lecture.shortcuts import SHORTCUTS, shortcut_label
from alexnet_viewer.qt.lecture.stage import Stage
from alexnet_viewer.qt.panels.top5_panel import BANNER_POINT_SIZE
from tests.qt.conftest import wait_for_frame, write_picture
from tests.qt.live_helpers import ManualSource, frame


def press(qtbot, window, key: str) -> None:
    combination = QKeySequence(key)[0]
    qtbot.keyClick(window, combination.key(), combination.keyboardModifiers())


def shown(window, picture, qtbot):
    frame_id = window.open_path(picture)
    wait_for_frame(qtbot, window, frame_id)
    return window


def docks_of(window) -> dict:
    return {dock.objectName(): (dock.widget(), dock.isVisible()) for dock in window.findChildren(QDockWidget)}


def layout_of(window) -> dict:
    """Where each dock is and how big, and the window's size: what a person sees of the layout
    (compared as a dict, a failure names the dock that moved)."""
    layout = {dock.objectName(): (dock.isVisible(), window.dockWidgetArea(dock).name, dock.isFloating(),
                                  dock.size().toTuple(), sorted(d.objectName() for d in window.tabifiedDockWidgets(dock)))
              for dock in window.findChildren(QDockWidget)}
    layout["window"] = window.size().toTuple()
    return layout


def settled_layout(window, qtbot) -> dict:
    """The layout once pending layout passes are done: the same in two polls in a row."""
    seen = []

    def steady() -> bool:
        QApplication.sendPostedEvents()
        seen.append(layout_of(window))
        return len(seen) > 1 and seen[-1] == seen[-2]

    qtbot.waitUntil(steady)
    return seen[-1]


@pytest.fixture
def presenting(make_window, qtbot, picture):
    window = shown(make_window(), picture, qtbot)
    window.activateWindow()
    window.presentation.enter(full_screen=False)
    qtbot.waitUntil(lambda: window.presentation.active)
    return window


def test_f11_enters_presentation_and_esc_gives_the_docks_back_exactly(make_window, qtbot, picture):
    window = shown(make_window(), picture, qtbot)
    window.activateWindow()
    layout = settled_layout(window, qtbot)
    central, docks = window.centralWidget(), docks_of(window)
    press(qtbot, window, "F11")
    assert window.presentation.active and window.isFullScreen()
    assert isinstance(window.centralWidget(), Stage)
    assert not any(visible for _panel, visible in docks_of(window).values())
    assert window.menuBar().isHidden() and window.statusBar().isHidden()
    stage = window.centralWidget()
    assert window.input_panel.parentWidget() is stage and window.top5_panel.parentWidget() is stage
    assert stage.view_widget is window.feature_maps_panel
    press(qtbot, window, "Esc")
    assert not window.presentation.active and not window.isFullScreen()
    assert window.centralWidget() is central
    assert docks_of(window) == docks
    assert window.feature_maps_panel.parentWidget() is central
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    # The second restore runs once the window has its size back.
    qtbot.waitUntil(lambda: window.isVisible())
    assert window.top5_panel.name_labels[0].font().pointSize() == 18  # the panel's own type size again
    # The docks get their sizes back in a later layout pass, once the window has its size back.
    def same_layout() -> None:  # an assertion, so that a timeout shows what differs
        assert layout_of(window) == layout

    qtbot.waitUntil(same_layout)
    window.presentation.enter(full_screen=False)
    window.presentation.leave()
    qtbot.waitUntil(same_layout)


def test_the_stage_shows_the_workspace_and_leaving_keeps_the_one_shown_last(make_window, qtbot, picture):
    window = shown(make_window(), picture, qtbot)
    window.state.select_workspace("units")
    window.presentation.enter(full_screen=False)
    stage = window.centralWidget()
    assert stage.view_widget is window.units.atlas_panel  # the view in front in Units
    assert stage.view_title.text() == "Unit atlas" and stage.footer.text().startswith("Units")
    press(qtbot, window, "W")
    assert stage.view_widget is window.workspaces.panels["view_fc7_neighbours"]  # Papers
    press(qtbot, window, "Esc")
    qtbot.waitUntil(lambda: window.state.workspace == "papers")  # the lecture left off there
    assert window.units.atlas_panel.parentWidget() is window.atlas_dock  # every panel given back
    assert window.workspaces.panels["view_fc7_neighbours"].parentWidget().isVisible()
    assert not window.atlas_dock.isVisible()
    window.presentation.enter(full_screen=False)  # and comes back to what it showed
    assert window.centralWidget().view_widget is window.workspaces.panels["view_fc7_neighbours"]
    window.presentation.show_view("dock:view_occlusion")  # a scene's view, by its dock's name
    assert window.centralWidget().view_widget is window.workspaces.panels["view_occlusion"]
    window.presentation.leave()


def test_the_normal_size_comes_back_after_the_window_manager_leaves_full_screen(make_window, qtbot, picture):
    """X11 window managers leave full screen after leave() returns and put back a size of their
    own (1280x919 for a 1280x800 window, seen in a real X window): the window takes its size
    back when the state change arrives."""
    from PySide6.QtCore import QRect, QTimer

    window = shown(make_window(), picture, qtbot)
    normal = window.geometry()
    press(qtbot, window, "F11")
    assert window.isFullScreen()
    asked = []  # the window manager has not answered yet: nothing changes
    real_state, real_geometry = window.setWindowState, window.setGeometry
    window.setWindowState, window.setGeometry = asked.append, asked.append
    press(qtbot, window, "Esc")
    settled = []
    QTimer.singleShot(0, lambda: settled.append(True))  # after every zero timer leave() started
    qtbot.waitUntil(lambda: bool(settled))
    window.setWindowState, window.setGeometry = real_state, real_geometry
    assert asked and not window.presentation.active and window.isFullScreen()
    window.setWindowState(Qt.WindowState.WindowNoState)  # now it answers, with a size of its own
    window.setGeometry(QRect(normal.x(), normal.y(), normal.width(), normal.height() + 119))

    def back() -> None:
        assert window.geometry() == normal

    qtbot.waitUntil(back)


def test_large_type_on_the_stage_and_back(presenting):
    window = presenting
    name = window.top5_panel.name_labels[0]
    assert name.font().pointSizeF() > 18
    bar = window.top5_panel.bars[0]
    assert bar.height() >= bar.fontMetrics().height()  # the bar grew with its type
    banner = window.top5_panel.untrained_banner  # the audience must read that the weights are untrained
    assert banner.isVisible() and banner.font().pointSizeF() > BANNER_POINT_SIZE
    window.presentation.leave()
    assert name.font().pointSizeF() == 18
    assert banner.font().pointSizeF() == BANNER_POINT_SIZE
    assert bar.height() == bar.fontMetrics().height() + 6


def test_plot_axes_grow_with_the_type_and_shrink_back(presenting, qtbot):
    """pyqtgraph draws tick labels in its scene, where no widget font reaches: the stage
    scales them with the text around them, and leaving gives the plots their own type back."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFontInfo

    window = presenting
    plot = window.stats_panel.findChildren(pg.GraphicsView)[0]
    axes = [item for item in plot.scene().items() if isinstance(item, pg.AxisItem)]
    before = {axis: axis.style.get("tickFont") for axis in axes}
    window.presentation.show_view("statistics")
    # Lent to the stage from a hidden dock, the statistics are drawn: every row filled.
    table = window.stats_panel.table
    qtbot.waitUntil(lambda: all(table.item(row, 2) is not None and table.item(row, 2).text()
                                for row in range(table.rowCount())))
    text_px = QFontInfo(plot.font()).pixelSize()
    assert axes and all(QFontInfo(axis.style["tickFont"]).pixelSize() == text_px for axis in axes)
    assert text_px > QFontInfo(window.font()).pixelSize()
    window.presentation.leave()
    assert {axis: axis.style.get("tickFont") for axis in axes} == before


@pytest.mark.parametrize("view", ["explain", "statistics", "maps"])
def test_at_1080_lines_plot_axes_and_colour_bars_are_20_px_and_not_cut(make_window, qtbot, picture, view):
    """Nothing under 20 px on a projector, ticks and colour bars included, each colour bar
    as wide as its labels (pyqtgraph's fixed 45 px left only "0" on the Explain map)."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFontInfo, QFontMetrics

    window = shown(make_window(size=(1920, 1080)), picture, qtbot)
    window.presentation.enter(full_screen=False, size=(1920, 1080))
    window.presentation.show_view(view)
    window.explain_panel.color_bar.setLevels(values=(0.0, 4.3e-5))  # an untrained Grad-CAM's range
    widget = window.centralWidget().view_widget
    axes = [item for plot in widget.findChildren(pg.GraphicsView) for item in plot.scene().items()
            if isinstance(item, pg.AxisItem) and item.style["showValues"] and item.isVisible()]
    assert axes
    for axis in axes:
        assert QFontInfo(axis.style["tickFont"]).pixelSize() >= 20
    bars = [axis for axis in axes if isinstance(axis.parentItem(), pg.ColorBarItem)]

    def bars_fit() -> None:
        for axis in bars:
            metrics = QFontMetrics(axis.style["tickFont"])
            levels = axis.tickValues(*axis.range, axis.geometry().height())
            labels = [text for step, values in levels for text in axis.tickStrings(values, 1.0, step)]
            assert labels and axis.width() >= max(metrics.horizontalAdvance(text) for text in labels)

    qtbot.waitUntil(bars_fit)
    window.presentation.leave()


def test_every_key_of_the_map_does_what_the_overlay_says(presenting, qtbot, monkeypatch, tmp_path):
    window = presenting
    presentation = window.presentation
    done = set()

    def key(row_command, *args, key_index=0):
        rows = [row for row in SHORTCUTS if row.command == row_command and row.args == args]
        assert rows, (row_command, args)
        for row in rows:
            press(qtbot, window, row.keys[key_index])
            done.add(row)

    def single(row_command, *args, scope):
        row = next(row for row in SHORTCUTS if row.command == row_command and row.args == args and row.scope == scope)
        press(qtbot, window, row.keys[0])
        done.add(row)

    # ←/→ layer
    single("step_layer", +1, scope="presentation")
    assert window.layer == "relu1"
    single("step_layer", -1, scope="presentation")
    assert window.layer == "conv1"
    # ↑/↓ channel
    wait_for_frame(qtbot, window, window.current_job.frame_id)
    start = window.feature_maps_panel.selected_channel[1]
    single("step_channel", +1, scope="presentation")
    assert window.feature_maps_panel.selected_channel == ("conv1", start + 1)
    single("step_channel", -1, scope="presentation")
    assert window.feature_maps_panel.selected_channel == ("conv1", start)
    # views
    stage = window.centralWidget()
    for view, widget in (("filters", window.filters_panel), ("statistics", window.stats_panel),
                         ("architecture", window.architecture_panel), ("about", presentation.about_view),
                         ("maps", window.feature_maps_panel)):
        single("show_view", view, scope="presentation")
        assert stage.view_widget is widget and presentation.view_key == view
    assert window.filters_panel.parentWidget() is window.filters_dock  # lent and given back
    # W / Shift+W: round the workspaces, each with its own view
    single("step_workspace", +1, scope="presentation")
    assert presentation.workspace == "why" and stage.view_widget is window.explain_panel
    assert stage.footer.text().startswith("Why")
    single("step_workspace", -1, scope="presentation")
    assert presentation.workspace == "look" and stage.view_widget is window.feature_maps_panel
    press(qtbot, window, "Shift+W")  # from the first round to the last
    assert presentation.workspace == "papers" and window.workspaces.panels["view_fc7_neighbours"] is stage.view_widget
    press(qtbot, window, "W")
    assert presentation.workspace == "look" and stage.view_widget is window.feature_maps_panel
    # E and 1–5 without an Explain panel: a message, nothing else changes
    window.explain_panel = None  # the real panel's keys are tested in test_explain_panel.py
    single("show_view", "explain", scope="presentation")
    assert stage.view_widget is window.feature_maps_panel
    assert "Explain is not available" in window.messages.text
    assert "Explain is not available" in stage.footer.text()
    for rank in range(1, 6):
        single("explain_rank", rank, scope="presentation")
    # Space: nothing live, then a live source frozen and resumed
    single("toggle_freeze", scope="presentation")
    assert "Nothing live to freeze" in window.messages.text
    source = ManualSource()
    window.live.use_source(source)
    source.push(frame(50))
    press(qtbot, window, "Space")
    assert source.frozen and window.live.freeze_action.isChecked()
    press(qtbot, window, "Space")
    assert not source.frozen
    # Ctrl+D saves a scene; Page Down/Up and Ctrl+Page Down/Up step the lecture
    names = iter(["first", "second"])
    monkeypatch.setattr(lecture_scenes, "ask_scene_name", lambda parent, default: next(names))
    single("save_scene", scope="window")
    window.set_layer("conv3")
    press(qtbot, window, "Ctrl+D")
    assert [scene.name for scene in presentation.lecture.lecture.scenes] == ["first", "second"]
    assert presentation.lecture.index == 1
    single("previous_scene", scope="presentation")
    assert presentation.lecture.index == 0 and window.layer == "conv1"
    single("next_scene", scope="presentation")
    assert presentation.lecture.index == 1 and window.layer == "conv3"
    single("previous_scene", scope="window")
    assert presentation.lecture.index == 0
    single("next_scene", scope="window")
    assert presentation.lecture.index == 1
    # ? shows the overlay, written from the table; Esc closes it, then leaves (live input goes on)
    single("toggle_overlay", scope="presentation")
    assert stage.overlay.isVisible() and stage.overlay.texts == overlay_rows()
    press(qtbot, window, "?")
    assert not stage.overlay.isVisible()
    press(qtbot, window, "?")
    single("escape", scope="presentation")
    assert not stage.overlay.isVisible() and presentation.active
    press(qtbot, window, "Esc")
    assert not presentation.active and window.live.running
    # F11 toggles in from the normal window
    single("toggle", scope="window")
    assert presentation.active
    press(qtbot, window, "F11")
    assert not presentation.active
    assert done == set(SHORTCUTS), sorted(row.description for row in set(SHORTCUTS) - done)


def test_outside_presentation_page_keys_browse_the_folder_and_esc_stops_live(make_window, qtbot, tmp_path):
    first = write_picture(tmp_path / "folder" / "a.png")
    second = write_picture(tmp_path / "folder" / "b.png", colour=(10, 10, 200))
    window = shown(make_window(), first, qtbot)
    window.activateWindow()
    press(qtbot, window, "PgDown")
    qtbot.waitUntil(lambda: window.current_path == second.absolute(), timeout=30000)
    window.presentation.enter(full_screen=False)
    posted = window.worker.mailbox.counts().posted
    press(qtbot, window, "PgUp")  # in presentation it steps scenes (none yet), not pictures
    assert "No scenes yet" in window.messages.text
    # One more frame of the picture on screen, through the same path: whatever the key set
    # off, at once or queued behind it, has happened by the time this one is drawn.
    wait_for_frame(qtbot, window, window.post_current())
    assert window.worker.mailbox.counts().posted == posted + 1  # that frame only: no picture was opened
    assert window.current_path == second.absolute()
    window.presentation.leave()
    source = ManualSource()
    window.live.use_source(source)
    press(qtbot, window, "Esc")
    assert not window.live.running


def test_explain_plugs_in_and_the_class_keys_ask_for_it(presenting, qtbot):
    window = presenting
    window.explain_panel = QLabel("explain stand-in")
    asked = []
    window.presentation.explain_class_requested.connect(asked.append)
    press(qtbot, window, "3")
    assert asked == [3] and window.centralWidget().view_widget is window.explain_panel
    press(qtbot, window, "E")
    assert window.centralWidget().view_widget is window.explain_panel


def test_the_overlay_lists_every_row_of_the_table(presenting):
    rows = overlay_rows()
    assert len(rows) == len(SHORTCUTS)
    assert ("→", "Next layer") in rows and ("Page Down", "Next scene of the lecture") in rows
    assert all(keys == shortcut_label(row) for (keys, _), row in zip(rows, SHORTCUTS))
    assert "About AlexNet" in presenting.centralWidget().overlay.note.text()


def test_the_ends_of_the_network_are_said_not_passed(presenting, qtbot):
    window = presenting
    window.presentation.step_layer(-1)
    assert window.layer == "conv1" and "first layer" in window.messages.text


def test_closing_in_presentation_mode_saves_the_normal_layout(make_window, qtbot, picture, settings_path):
    from alexnet_viewer.qt.settings import ViewerSettings

    window = shown(make_window(), picture, qtbot)
    window.presentation.enter(full_screen=False)
    window.close()
    again = make_window(start=False)
    assert again.settings.window_state() is not None
    assert again.input_dock.isVisible() and again.top5_dock.isVisible()
    assert ViewerSettings(settings_path).window_state() is not None


@pytest.mark.parametrize("size", [(1280, 720)])
def test_presentation_screenshot_has_the_given_size(qtbot, tmp_path, settings_path, engine_factory, size):
    out = tmp_path / "slide.png"
    options = GuiOptions(image=write_picture(tmp_path / "in.png"), weights=WeightsSpec.random(0), screenshot=out,
                         settings_path=settings_path, screenshot_size=size, presentation=True)
    window = create_app(options, exec_app=False, engine_factory=engine_factory)
    qtbot.addWidget(window)
    assert window.presentation.active and not window.isFullScreen()
    with qtbot.waitSignal(window.screenshot_run.finished, timeout=30000) as finished:
        pass
    window.close()
    assert finished.args == [0]
    with Image.open(out) as shot:
        assert shot.size == size


def test_the_command_line_passes_presentation_to_the_window(monkeypatch, tmp_path):
    from alexnet_viewer.cli import dispatch as cli
    from alexnet_viewer.qt import app

    seen = []
    monkeypatch.setattr(app, "run_gui", lambda options: seen.append(options) or 0)
    argv = [str(tmp_path / "cat.png"), "--random-weights", "--screenshot", str(tmp_path / "out.png"),
            "--presentation", "--window-size", "1920x1080"]
    assert cli.main(argv) == 0
    assert seen[0].presentation and seen[0].screenshot_size == (1920, 1080)
    assert cli.main(argv[:2]) == 0 and not seen[1].presentation


def cut_labels(root) -> list[str]:
    """The labels under ``root`` whose text does not fit: one-line ones cut or elided in their
    width, wrapped ones given less height than their lines need."""
    cut = []
    for label in root.findChildren(QLabel):
        text = label.text()
        if not label.isVisible() or not text:
            continue
        if label.wordWrap():
            if label.height() < label.heightForWidth(label.width()):
                cut.append(text)
            continue
        if "<" in text:
            continue
        needed = max(label.fontMetrics().horizontalAdvance(line) for line in text.splitlines())
        if needed > label.contentsRect().width() + 1:
            cut.append(text)
    return cut


def test_a_banner_that_arrives_on_the_stage_is_whole(make_window, qtbot, picture):
    """Presentation mode entered before the weights came (a lecture's start, --presentation):
    the picture above the top-5 held its preferred height as its least, and the untrained
    banner's last line was cut."""
    window = make_window(size=(1920, 1080), start=False)
    window.presentation.enter(full_screen=False, size=(1920, 1080))
    window.start()
    wait_for_frame(qtbot, window, window.open_path(picture))

    def whole() -> None:  # an assertion, so that a timeout names the labels
        QApplication.sendPostedEvents()
        assert window.top5_panel.banner_visible and cut_labels(window.centralWidget()) == []

    qtbot.waitUntil(whole)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("workspace", ["look", "why", "inside", "units", "papers"])
def test_on_a_projector_no_label_of_a_workspace_is_cut(make_window, qtbot, picture, workspace, size):
    window = shown(make_window(size=size), picture, qtbot)
    window.state.select_workspace(workspace)
    window.presentation.enter(full_screen=False, size=size)
    stage = window.centralWidget()

    def nothing_cut() -> None:  # an assertion, so that a timeout names the labels
        QApplication.sendPostedEvents()
        assert stage.size().toTuple() == size and cut_labels(stage) == []

    qtbot.waitUntil(nothing_cut)
    window.presentation.leave()
