"""What the pointer does in each view: one table for the views' one-line hints and for Help.

A view's hint (``hint(view)``) and Help › Keys and gestures are written from ``GESTURES``,
so what a view says about its clicks is what Help lists.
"""

from __future__ import annotations

from dataclasses import dataclass

CTRL_CLICK = "Ctrl-click (⌘-click)"


@dataclass(frozen=True)
class Gesture:
    view: str  # the view's title, as its dock shows it
    gesture: str  # "Hover", "Click", CTRL_CLICK, ...
    effect: str  # short: it is also the view's own hint


GESTURES: tuple[Gesture, ...] = (
    Gesture("Feature maps", "Hover", "value"),
    Gesture("Feature maps", "Click", "enlarge"),
    Gesture("Feature maps", "Ctrl-click", "off"),
    Gesture("conv1 filters", "Click", "see what a filter responds to"),
    Gesture("Channel detail", "Hover", "the cell's value and what it sees on the picture"),
    Gesture("Channel detail", "Click", "pin what the cell sees; again: unpin"),
    Gesture("Input", "Click", "light the cells of the shown layer that see this point"),
    Gesture("Input", "Drag a file in", "open it (a picture, a video or a folder)"),
    Gesture("Unit atlas", "Click", "open the picture"),
    Gesture("Formula", "Click a map cell", "how its value is computed"),
    Gesture("Ablation", CTRL_CLICK + " a map tile", "switch that channel off; again: on"),
    Gesture("A/B", "Hover", "the difference under the pointer"),
)

# What a gesture's effect means at length, where the view's hint is terse.
_LONG = {
    ("Feature maps", "Hover"): "the value under the pointer, and what that cell sees on the picture",
    ("Feature maps", "Click"): "enlarge the channel in the channel detail",
    ("Feature maps", "Ctrl-click"): "switch the channel off (ablation); again: on (⌘-click on a Mac)",
}


def hint(view: str) -> str:
    """The view's one line: ``Hover: value · Click: enlarge · …``."""
    return " · ".join(f"{g.gesture}: {g.effect}" for g in GESTURES if g.view == view)


def described(gesture: Gesture) -> str:
    """The effect at length, for Help."""
    return _LONG.get((gesture.view, gesture.gesture), gesture.effect)
