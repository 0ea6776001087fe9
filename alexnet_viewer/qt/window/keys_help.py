"""Help › Keys and gestures: every key of the window and every gesture of its views.

Written when opened from what the window really has: its workspace keys, the shortcut of
every menu action, the presentation keys (qt/lecture/shortcuts.py) and the views'
gestures (gestures.py), so nothing it lists can drift from what the keys do.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout

from alexnet_viewer.qt.lecture.shortcuts import SHORTCUTS, shortcut_label
from alexnet_viewer.qt.window.docks import HINTS, TITLES
from alexnet_viewer.qt.lecture.gestures import GESTURES, described


def menu_keys(menu_bar) -> list[tuple[str, str]]:
    """(keys, "Menu › Item") for every menu action with a shortcut, in menu order."""
    rows: list[tuple[str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            text = action.text().replace("&", "").rstrip("…").strip()
            if action.menu() is not None:
                walk(action.menu(), f"{path} › {text}")
            elif action.shortcuts():
                keys = " / ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts())
                rows.append((keys, f"{path} › {text}"))

    for action in menu_bar.actions():
        if action.menu() is not None:
            walk(action.menu(), action.text().replace("&", ""))
    return rows


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td><b>{escape(keys)}</b></td><td>{escape(text)}</td></tr>" for keys, text in rows)
    return f"<h3>{escape(title)}</h3><table cellspacing='6'>{cells}</table>"


def keys_and_gestures_html(window) -> str:
    workspaces = [(action.shortcut().toString(), f"{TITLES[name]}: {HINTS[name]}")
                  for name, action in window.workspaces.actions.items()]
    everywhere = [(shortcut_label(s), s.description) for s in SHORTCUTS if s.scope == "window"]
    presenting = [(shortcut_label(s), s.description) for s in SHORTCUTS if s.scope == "presentation"]
    gestures = [(g.gesture, f"{g.view}: {described(g)}") for g in GESTURES]
    return "".join((
        _table("Workspaces", workspaces),
        _table("Menus", menu_keys(window.menuBar())),
        _table("Everywhere", everywhere),
        _table("In presentation mode (F11)", presenting),
        _table("Pointer", gestures),
    ))


def show_keys_and_gestures(window) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle("Keys and gestures")
    browser = QTextBrowser()
    browser.setHtml(keys_and_gestures_html(window))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(760, 640)
    dialog.show()
    return dialog
