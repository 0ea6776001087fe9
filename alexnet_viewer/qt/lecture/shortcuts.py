"""The one keyboard map of presentation mode: key → command → description.

The same table installs the window's actions and fills the ``?`` overlay, so what the
overlay lists is what the keys do. ``scope`` "window" keys work everywhere; "presentation"
keys only in presentation mode, where they take precedence over any other action of the
window bound to the same key (outside it, Page Up / Page Down still browse the folder and
Esc still stops live input).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]  # QKeySequence texts
    command: str  # a method of the presentation controller
    args: tuple = ()
    description: str = ""
    scope: str = "presentation"  # or "window"


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(("F11",), "toggle", description="Presentation mode on / off", scope="window"),
    Shortcut(("Esc",), "escape", description="Leave presentation mode (or close this list)"),
    Shortcut(("Right",), "step_layer", (+1,), "Next layer"),
    Shortcut(("Left",), "step_layer", (-1,), "Previous layer"),
    Shortcut(("Down",), "step_channel", (+1,), "Next channel"),
    Shortcut(("Up",), "step_channel", (-1,), "Previous channel"),
    Shortcut(("Space",), "toggle_freeze", description="Freeze / resume the live picture"),
    Shortcut(("W",), "step_workspace", (+1,), "Next workspace: Look, Why, Inside, Units, Papers"),
    Shortcut(("Shift+W",), "step_workspace", (-1,), "Previous workspace"),
    Shortcut(("M",), "show_view", ("maps",), "Feature maps"),
    Shortcut(("F",), "show_view", ("filters",), "conv1 filters"),
    Shortcut(("S",), "show_view", ("statistics",), "Statistics"),
    Shortcut(("E",), "show_view", ("explain",), "Explain"),
    Shortcut(("A",), "show_view", ("architecture",), "Architecture"),
    Shortcut(("I",), "show_view", ("about",), "About AlexNet: the facts and their sources"),
    *(Shortcut((str(rank),), "explain_rank", (rank,), f"Explain top-5 class {rank}") for rank in range(1, 6)),
    Shortcut(("PgDown",), "next_scene", description="Next scene of the lecture"),
    Shortcut(("PgUp",), "previous_scene", description="Previous scene of the lecture"),
    Shortcut(("Ctrl+PgDown",), "next_scene", description="Next scene (also outside presentation mode)",
             scope="window"),
    Shortcut(("Ctrl+PgUp",), "previous_scene", description="Previous scene (also outside presentation mode)",
             scope="window"),
    Shortcut(("Ctrl+D",), "save_scene", description="Save what is on screen as a scene", scope="window"),
    Shortcut(("?",), "toggle_overlay", description="This list of keys"),
)

_KEY_NAMES = {"Right": "→", "Left": "←", "Up": "↑", "Down": "↓", "PgDown": "Page Down", "PgUp": "Page Up",
              "Ctrl+PgDown": "Ctrl+Page Down", "Ctrl+PgUp": "Ctrl+Page Up"}


def key_label(key: str) -> str:
    """How a key is written for people: arrows as arrows, Page Up in words."""
    return _KEY_NAMES.get(key, QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key)


def shortcut_label(shortcut: Shortcut) -> str:
    return " / ".join(key_label(key) for key in shortcut.keys)


def install(controller, window) -> dict[Shortcut, QAction]:
    """One window action per table row, calling ``controller.<command>(*args)``."""
    actions = {}
    for shortcut in SHORTCUTS:
        slot = getattr(controller, shortcut.command)
        action = QAction(shortcut.description, window)
        action.triggered.connect(lambda _=False, slot=slot, args=shortcut.args: slot(*args))
        window.addAction(action)  # works with the menu bar hidden
        actions[shortcut] = action
    set_presenting(actions, False)
    return actions


def set_presenting(actions: dict[Shortcut, QAction], presenting: bool) -> None:
    """Presentation keys work, and hold their keys, only while presenting: a disabled action
    holding "2" would make the window's own "2" (the Why workspace) ambiguous."""
    for shortcut, action in actions.items():
        live = presenting or shortcut.scope == "window"
        action.setEnabled(live)
        action.setShortcuts([QKeySequence(key) for key in shortcut.keys] if live else [])


def action_for(actions: dict[Shortcut, QAction], command: str, *args) -> QAction:
    """The action running ``command(*args)``; the one that works everywhere if there are two (menus)."""
    rows = [shortcut for shortcut in actions if shortcut.command == command and shortcut.args == tuple(args)]
    if not rows:
        raise KeyError(f"no shortcut runs {command}{args}")
    return actions[min(rows, key=lambda shortcut: shortcut.scope != "window")]
