"""Help › Keys and gestures: written from the window's own actions and the one table of keys
and gestures, so every key a menu holds and every gesture a view names is listed."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel

from alexnet_viewer.qt.lecture.gestures import GESTURES, described, hint
from alexnet_viewer.qt.lecture.shortcuts import SHORTCUTS, shortcut_label
from alexnet_viewer.qt.window.keys_help import keys_and_gestures_html, menu_keys


def test_help_lists_every_key_and_every_gesture(make_window):
    window = make_window(start=False)
    html = keys_and_gestures_html(window)
    for shortcut in SHORTCUTS:
        assert escape(shortcut_label(shortcut)) in html and escape(shortcut.description) in html
    for gesture in GESTURES:
        assert escape(f"{gesture.view}: {described(gesture)}") in html
    rows = menu_keys(window.menuBar())
    open_keys = window.open_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    assert (open_keys, "File › Open picture or video") in rows
    assert all(escape(keys) in html and escape(where) in html for keys, where in rows)
    for number in range(1, 6):  # the workspace keys
        assert f"<b>{number}</b>" in html


def test_f1_opens_it_and_a_views_hint_comes_from_the_same_table(make_window, qtbot):
    window = make_window(start=False)
    help_action = next(action for action in window.findChildren(type(window.open_action))
                       if action.text() == "&Keys and gestures…")
    help_action.trigger()
    dialog = next(child for child in window.children() if child.metaObject().className() == "QDialog")
    assert dialog.isVisible() and dialog.windowTitle() == "Keys and gestures"
    dialog.close()
    assert window.feature_maps_panel.hover_label.text() == hint("Feature maps")
    assert "Ctrl-click" in hint("Feature maps") and hint("conv1 filters").startswith("Click: ")


def _view(window, title: str):
    """The widget of the view titled ``title``: its dock's, or the feature maps (the central
    widget) and the channel detail inside them."""
    if title == "Feature maps":
        return window.centralWidget()
    if title == "Channel detail":
        return window.feature_maps_panel.channel_detail
    docks = [dock for dock in window.findChildren(QDockWidget) if dock.windowTitle() == title]
    assert len(docks) == 1, f"no one view titled {title!r}"
    return docks[0].widget()


def test_every_view_with_gestures_shows_its_line_of_them(make_window):
    window = make_window(start=False)
    for title in dict.fromkeys(gesture.view for gesture in GESTURES):
        view = _view(window, title)
        shown = [label for label in view.findChildren(QLabel) if label.text() == hint(title)]
        assert shown and shown[0].isVisibleTo(view), f"{title} does not show {hint(title)!r}"
