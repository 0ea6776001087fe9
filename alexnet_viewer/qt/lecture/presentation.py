"""Presentation mode: the window becomes a projector slide driven from the keyboard.

Entering lends the window's own panels to a ``Stage`` (the input, the top-5 and one
chosen view, in large type on black), hides the docks, tool bars, menu bar and status
bar, and goes full screen. The stage shows the workspace the window was in (the feature
maps for Look, the view in front for the others) until a key picks another view or
workspace; leaving goes back to the workspace of what was shown last. Leaving gives every panel back to its dock or layout and
restores the window's saved dock state, so the normal layout comes back exactly. Nothing
here runs per frame beyond a footer text compared with the last one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QMenu, QToolBar, QWidget

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.session import WORKSPACES
from alexnet_viewer.qt.lecture import shortcuts, views
from alexnet_viewer.qt.lecture.about_view import AboutView, facts_for
from alexnet_viewer.qt.lecture.borrow import Borrowed, FontScaler
from alexnet_viewer.qt.lecture.scenes import LectureController
from alexnet_viewer.qt.lecture.stage import Stage
from alexnet_viewer.qt.panels.style import set_text_if_changed
from alexnet_viewer.qt.window.docks import TITLES as WORKSPACE_TITLES

MESSAGE_MS = 4000
FOOTER_HINT = "? keys · Esc leaves"


def type_scale(height: int) -> float:
    """How much larger the type is on a screen ``height`` pixels tall: in proportion to the
    height, from 1.2× the panels' own sizes at 720 (the top-5 leads in 21.6 pt) to 1.65× at 1080."""
    return max(1.2, min(2.8, 1.1 * height / 720))


@dataclass
class _Saved:
    state: QByteArray
    geometry: QRect
    window_state: Qt.WindowState
    central: QWidget
    menu_bar: bool
    status_bar: bool


class PresentationController(QObject):
    # rank 1-5 of the top-5 class the lecturer asked to have explained (the Explain panel listens)
    explain_class_requested = Signal(int)
    view_changed = Signal(str)
    facts_changed = Signal(tuple)  # About AlexNet's facts for the weights now loaded
    active_changed = Signal(bool)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.view_key = "maps"
        self.workspace = window.state.workspace  # the workspace the stage shows
        self._view_chosen = False  # a key or a scene chose the view; else the workspace's own
        self.stage: Stage | None = None
        self.lecture = LectureController(window, self)
        self._saved: _Saved | None = None
        # The normal geometry to take back once the window manager has left full screen
        # (it does so after leave() returns, and would put back a size of its own).
        self._after_full_screen: _Saved | None = None  # to put back when the window manager answers
        self._lent: list[Borrowed] = []
        self._view_lent: Borrowed | None = None
        self._fonts = FontScaler()
        self._scale = 1.0
        self._suspended: list[tuple[object, list[QKeySequence]]] = []
        self._footer_state = None
        self.scenes_menu: QMenu | None = None  # Lecture › Scenes
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self._refresh_footer)
        self.actions = shortcuts.install(self, window)
        self.about_view = AboutView()
        self.about_view.set_title_visible(False)  # the stage names the view
        self.facts: tuple = ()
        self.facts_changed.connect(self.about_view.show_facts)
        window.worker.weights_ready.connect(self._on_weights_ready, Qt.ConnectionType.QueuedConnection)
        panel = window.feature_maps_panel
        panel.layer_changed.connect(lambda _name: self._refresh_footer())
        panel.channel_selected.connect(lambda _layer, _channel: self._refresh_footer())
        window.result_shown.connect(lambda _result, _job: self._refresh_footer())
        for dock in window.workspaces.workspace_of:  # every view of a workspace, also for scenes read back
            views.dock_view(window, dock)
        window.state.events.workspace.connect(self._on_workspace)
        window.installEventFilter(self)

    def _on_workspace(self, name: str) -> None:
        if not self.active:
            self.workspace, self._view_chosen = name, False

    def _on_weights_ready(self, _loaded_weights) -> None:
        # Read from the loaded modules in well under a millisecond; torch is imported by now.
        loaded = self.window.worker.loaded_model
        if loaded is not None:
            from alexnet_viewer.core.inspect.architecture import architecture

            self.window.architecture_panel.set_architecture(architecture(loaded.model))
        self.facts = facts_for(loaded)
        self.facts_changed.emit(self.facts)

    @property
    def active(self) -> bool:
        return self.stage is not None

    def action(self, command: str, *args) -> QAction:
        return shortcuts.action_for(self.actions, command, *args)

    def build_lecture_menu(self, menu_bar) -> QMenu:
        menu = menu_bar.addMenu("&Lecture")
        menu.addAction(self.action("save_scene"))
        self.scenes_menu = menu.addMenu("S&cenes")
        self.scenes_menu.aboutToShow.connect(lambda: self.lecture.fill_menu(self.scenes_menu))
        self.lecture.fill_menu(self.scenes_menu)
        menu.addAction(self.action("next_scene"))
        menu.addAction(self.action("previous_scene"))
        menu.addSeparator()
        for text, slot in (("&Open lecture…", self.lecture.open_lecture), ("Save &lecture…", self.lecture.save_lecture)):
            menu.addAction(text).triggered.connect(lambda _=False, slot=slot: slot())
        menu.addSeparator()
        menu.addAction(self.action("toggle"))
        return menu

    # Entering and leaving
    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self, full_screen: bool = True, size: tuple[int, int] | None = None) -> None:
        """Full screen, or (for a screenshot) a window of ``size``; the type is sized for its height."""
        if self.active:
            return
        window = self.window
        self._saved = _Saved(window.saveState(), window.geometry(), window.windowState(), None,
                             window.menuBar().isVisibleTo(window), window.statusBar().isVisibleTo(window))
        if full_screen:
            height = window.screen().geometry().height() if window.screen() is not None else window.height()
        else:
            height = size[1] if size is not None else window.height()
        stage = Stage(height)
        # The audience sees only the content: no messages (the top-5 keeps its own
        # untrained-weights line), no toolbars; the presenter's notes go to the footer.
        self._lend(window.input_panel)
        stage.set_input(window.input_panel)
        self._lend(window.top5_panel)
        stage.set_top5(window.top5_panel)
        self._saved.central = window.takeCentralWidget()
        window.setCentralWidget(stage)
        self.stage = stage
        window.state.presentation = True
        for widget in (*window.findChildren(QDockWidget), *window.findChildren(QToolBar)):
            widget.hide()
        window.menuBar().hide()
        window.statusBar().hide()
        self._suspend_clashing_keys()
        shortcuts.set_presenting(self.actions, True)
        if full_screen:
            window.showFullScreen()
        elif size is not None:
            window.layout().activate()  # the minimum size of the stage, not of the docks just hidden
            window.resize(*size)
        self._scale = type_scale(height)
        stage.set_type_size(13 * self._scale)
        for lent in self._lent:
            self._fonts.scale(lent.widget, self._scale)
        if self._view_chosen:
            shown = self._show_view_widget(self.view_key)
        else:
            self.workspace = window.state.workspace
            shown = self._show_view_widget(self.workspace_view(self.workspace))
        if not shown:
            self._show_view_widget("maps")
        stage.setFocus()
        self._refresh_footer()
        self.active_changed.emit(True)

    def escape(self) -> None:
        """Esc: close the list of keys if it is open, else leave presentation mode."""
        if self.stage is not None and self.stage.overlay.isVisible():
            self.stage.overlay.hide()
        else:
            self.leave()

    def leave(self) -> None:
        if not self.active:
            return
        window, saved = self.window, self._saved
        stage = window.takeCentralWidget()
        window.setCentralWidget(saved.central)
        window.menuBar().setVisible(saved.menu_bar)
        window.statusBar().setVisible(saved.status_bar)
        normal = not saved.window_state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
        if normal and window.isFullScreen():
            self._after_full_screen = saved
        window.setWindowState(saved.window_state)
        if normal:
            window.setGeometry(saved.geometry)  # restoreGeometry would fit it to the screen first
        window.restoreState(saved.state)
        # The panels go back into docks that are shown again: a dock given its panel while
        # hidden keeps a stale size.
        if self._view_lent is not None:
            self._view_lent.give_back()
            self._view_lent = None
        for lent in reversed(self._lent):
            lent.give_back()
        self._lent.clear()
        self._fonts.restore()
        stage.hide()  # taken out of the window it is a window of its own until deleted
        stage.deleteLater()
        self.stage = None
        window.state.presentation = False
        shortcuts.set_presenting(self.actions, False)
        self._restore_clashing_keys()
        self._saved = None
        # Once the window has taken its size back and its docks their panels: laid out now,
        # the docks would keep the sizes they got while empty.
        QTimer.singleShot(0, self, lambda: self._settle(saved, self.workspace))
        self.active_changed.emit(False)

    def _put_back(self, saved: _Saved, passes: int = 0) -> None:
        if self.active:
            return
        if saved.window_state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            self.window.restoreState(saved.state)
            return
        self.window.setGeometry(saved.geometry)  # the docks' sizes are restored for this size
        self.window.restoreState(saved.state)
        # Docks laid out at another size may have made the window taller than its normal size;
        # their restored sizes take effect in a later layout pass, and the window's size then.
        if self.window.geometry() != saved.geometry and passes < 10:
            QTimer.singleShot(0, self, lambda: self._put_back(saved, passes + 1))

    def _settle(self, saved: _Saved, workspace: str) -> None:
        if self.active:
            return
        self._put_back(saved)
        self.window.live.sync_actions()  # the live tool bar shows only while a source plays
        if workspace != self.window.state.workspace:
            self.window.state.select_workspace(workspace)  # where the lecture left off
            self._view_chosen = True  # what was on the stage, if presentation mode comes back

    def eventFilter(self, watched, event) -> bool:
        # Closing in presentation mode must save the normal layout, not the slide.
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.leave()
        elif (watched is self.window and event.type() == QEvent.Type.WindowStateChange
              and self._after_full_screen is not None and not self.window.isFullScreen()):
            # The docks were laid out at the full-screen size: they get their sizes back with
            # the window's (else the left column comes back narrower and taller than the screen).
            saved, self._after_full_screen = self._after_full_screen, None
            QTimer.singleShot(0, self, lambda: self._put_back(saved))
        return False

    def _lend(self, widget: QWidget) -> Borrowed:
        lent = Borrowed(widget)
        self._lent.append(lent)
        return lent

    def _suspend_clashing_keys(self) -> None:
        """Other actions on a presentation key give it up while presentation mode lasts."""
        ours = set(self.actions.values())
        keys = [QKeySequence(key) for shortcut in shortcuts.SHORTCUTS if shortcut.scope == "presentation"
                for key in shortcut.keys]
        for item in (*self.window.findChildren(QAction), *self.window.findChildren(QShortcut)):
            if item in ours:
                continue
            current = list(item.shortcuts() if isinstance(item, QAction) else item.keys())
            kept = [key for key in current if key not in keys]
            if len(kept) != len(current):
                self._suspended.append((item, current))
                item.setShortcuts(kept) if isinstance(item, QAction) else item.setKeys(kept)

    def _restore_clashing_keys(self) -> None:
        for item, keys in self._suspended:
            item.setShortcuts(keys) if isinstance(item, QAction) else item.setKeys(keys)
        self._suspended.clear()

    # Views
    def show_view(self, key: str) -> None:
        """Show a view by name (outside presentation mode: the one it will open with)."""
        entry = views.view(key)
        if entry is None or entry.widget(self.window) is None:
            self.say(f"{entry.title if entry else key} is not available.")
            return
        if self.active:
            self._show_view_widget(key)
        self.view_key = key
        self._view_chosen = True
        self._refresh_footer()
        self.view_changed.emit(key)

    def workspace_view(self, workspace: str) -> str:
        """The view that stands for ``workspace`` on the stage: the feature maps for Look,
        else the workspace's view in front."""
        dock = self.window.workspaces.in_front(workspace) if workspace != "look" else None
        return views.dock_view(self.window, dock) if dock is not None else "maps"

    def step_workspace(self, step: int) -> None:
        """W / Shift+W: the next or previous workspace's view, round the five."""
        workspace = WORKSPACES[(WORKSPACES.index(self.workspace) + step) % len(WORKSPACES)]
        self.show_view(self.workspace_view(workspace))
        self.workspace = workspace
        self._refresh_footer()

    def _show_view_widget(self, key: str) -> bool:
        entry = views.view(key)
        widget = entry.widget(self.window) if entry is not None else None
        if widget is None:
            return False
        if self.stage.view_widget is widget:
            return True
        if self._view_lent is not None:
            self._view_lent.give_back()
        self._view_lent = Borrowed(widget)
        self.stage.set_view(widget, entry.title)
        self._fonts.scale(widget, self._scale)
        self.view_key = key
        self.workspace = self._workspace_showing(widget) or self.workspace
        return True

    def _workspace_showing(self, widget: QWidget) -> str | None:
        docks = self.window.workspaces
        for dock, workspace in docks.workspace_of.items():
            if docks.panels.get(dock.objectName()) is widget:
                return workspace
        return "look" if widget is self.window.feature_maps_panel else None

    # Keyboard commands (see shortcuts.SHORTCUTS)
    def step_layer(self, step: int) -> None:
        index = LAYER_NAMES.index(self.window.layer) + step
        if not 0 <= index < len(LAYER_NAMES):
            self.say(f"{self.window.layer} is the {'first' if step < 0 else 'last'} layer.")
            return
        self.window.set_layer(LAYER_NAMES[index])

    def step_channel(self, step: int) -> None:
        layer, count = self.window.layer, self._channel_count()
        if count is None:
            self.say("Wait for the picture's result to pick a channel.")
            return
        chosen = self.window.feature_maps_panel.selected_channel
        current = chosen[1] if chosen is not None and chosen[0] == layer else 0
        target = current + step
        if not 0 <= target < count:
            self.say(f"Channel {current} is the {'first' if step < 0 else 'last'} of {layer}.")
            return
        self.window.feature_maps_panel.select_channel(layer, target)

    def _channel_count(self) -> int | None:
        result = self.window.current_result
        stats = result.stats.get(self.window.layer) if result is not None else None
        return stats.shape[0] if stats is not None else None

    def toggle_freeze(self) -> None:
        freeze = self.window.live.freeze_action
        if not freeze.isEnabled():
            self.say("Nothing live to freeze: start a camera, a video or a slideshow from the Live menu.")
            return
        freeze.trigger()
        self.say("Frozen: Space resumes." if freeze.isChecked() else "Live again.")

    def explain_rank(self, rank: int) -> None:
        entry = views.view("explain")
        if entry is None or entry.widget(self.window) is None:
            self.say("Explain is not available.")
            return
        self.show_view("explain")
        self.explain_class_requested.emit(rank)

    def toggle_overlay(self) -> None:
        overlay = self.stage.overlay
        if overlay.isVisible():
            overlay.hide()
        else:
            overlay.show_over_parent()

    def next_scene(self) -> None:
        self.lecture.step(+1)

    def previous_scene(self) -> None:
        self.lecture.step(-1)

    def save_scene(self) -> None:
        self.lecture.save_scene()

    # What the footer says
    def say(self, message: str) -> None:
        """A short note: in the footer while presenting, in the status bar always."""
        self.window.state.say(message)
        if self.stage is not None:
            self._footer_state = None
            set_text_if_changed(self.stage.footer, message)
            self._message_timer.start(MESSAGE_MS)

    def _refresh_footer(self) -> None:
        if self.stage is None or self._message_timer.isActive():
            return
        chosen = self.window.feature_maps_panel.selected_channel
        state = (self.window.layer, chosen, self._channel_count(), self.view_key, self.lecture.position_text(),
                 self.workspace)
        if state == self._footer_state:
            return
        self._footer_state = state
        layer, chosen, count, _view, scene, workspace = state
        parts = [WORKSPACE_TITLES[workspace], layer]
        if chosen is not None and chosen[0] == layer and count is not None:
            unit = "unit" if len(self.window.current_result.stats[layer].shape) == 1 else "channel"
            parts.append(f"{unit} {chosen[1]} of {count}")
        if scene:
            parts.append(scene)
        parts.append(FOOTER_HINT)
        self.stage.footer.setText("   ·   ".join(parts))
