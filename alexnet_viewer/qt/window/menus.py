"""The menu bar; every action calls a method of the window or of one of its controllers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from alexnet_viewer.core.pictures.samples import list_samples
from alexnet_viewer.qt.export.dialog import show_export_dialog
from alexnet_viewer.qt.lecture.about_view import show_about_alexnet
from alexnet_viewer.qt.window.about import show_about
from alexnet_viewer.qt.window.keys_help import show_keys_and_gestures
from alexnet_viewer.qt.window.screenshot import save_screenshot_dialog


def build_menus(window) -> None:
    """File, Samples, View, Live, Lecture, Units, Settings and Help; the actions the tests and
    other parts reach (open, paste, previous/next, recent, samples, view) are kept on the window."""
    self = window  # the menus set the actions the window keeps
    opening = window.opening
    _action = _action_maker(window)
    menu_bar = self.menuBar()
    file_menu = menu_bar.addMenu("&File")
    self.open_action = _action(file_menu, "&Open picture or video…", opening.open_dialog, QKeySequence.StandardKey.Open)
    self.paste_action = _action(file_menu, "&Paste picture", opening.paste, QKeySequence.StandardKey.Paste)
    self.recent_menu = file_menu.addMenu("Open &recent")
    self.recent_menu.aboutToShow.connect(opening.fill_recent_menu)
    opening.fill_recent_menu()
    file_menu.addSeparator()
    self.previous_action = _action(file_menu, "Pre&vious picture in folder", opening.previous_picture,
                                        QKeySequence(Qt.Key.Key_PageUp))
    self.next_action = _action(file_menu, "&Next picture in folder", opening.next_picture,
                                    QKeySequence(Qt.Key.Key_PageDown))
    file_menu.addSeparator()
    _action(file_menu, "Save window &screenshot…", lambda: save_screenshot_dialog(self),
                 QKeySequence("Ctrl+Shift+S"))
    _action(file_menu, "&Export for slides…", lambda: show_export_dialog(self), QKeySequence("Ctrl+Shift+E"))
    file_menu.addSeparator()
    _action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

    self.samples_menu = menu_bar.addMenu("&Samples")
    samples = list_samples()
    for title, path in samples:
        action = self.samples_menu.addAction(title)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _=False, p=path: self.open_path(p, remember=False))
    if not samples:
        self.samples_menu.addAction("(no sample pictures installed)").setEnabled(False)

    self.view_menu = menu_bar.addMenu("&View")
    for action in self.workspaces.actions.values():
        self.view_menu.addAction(action)
    self.view_menu.addSeparator()
    for dock in self.docks:
        self.view_menu.addAction(dock.toggleViewAction())
    self.view_menu.addSeparator()
    _action(self.view_menu, "&Reset layout", self.reset_layout)
    _action(self.view_menu, "Freeze A/B re&ference", self.inspect.freeze_reference)
    _action(self.view_menu, "Switch every channel back &on", self.inspect.ablation.reset)
    self.view_menu.addAction(self.presentation.action("toggle"))

    self.live.build_menu(menu_bar)
    self.presentation.build_lecture_menu(menu_bar)
    self.units.build_menu(menu_bar)

    settings_menu = menu_bar.addMenu("Se&ttings")
    _action(settings_menu, "&Weights…", self.weights_dialog)

    help_menu = menu_bar.addMenu("&Help")
    _action(help_menu, "&Keys and gestures…", lambda: show_keys_and_gestures(self), QKeySequence.StandardKey.HelpContents)
    _action(help_menu, "About Alex&Net…", lambda: show_about_alexnet(self))
    _action(help_menu, "&About AlexNet Viewer", lambda: show_about(self))





def _action_maker(window):
    def make(menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    return make

