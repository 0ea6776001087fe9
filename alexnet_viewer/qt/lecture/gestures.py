"""What the pointer does in each view: one table for the views' one-line hints and for Help.

A view's hint (``hint(view)``, the line panels/style.py's ``hint_label(view)`` shows under
the view's main picture) and Help › Keys and gestures are written from ``GESTURES``, so what
a view says about its clicks is what Help lists. A view that answers no pointer and no key
of its own has no row and no hint.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP5 = "Top-5: what AlexNet thinks"  # the dock's title


@dataclass(frozen=True)
class Gesture:
    view: str  # the view's title, as its dock shows it
    gesture: str  # "Hover", "Click", "Ctrl-click", ...
    effect: str  # short: it is also the view's own hint


GESTURES: tuple[Gesture, ...] = (
    Gesture("Feature maps", "Hover", "value"),
    Gesture("Feature maps", "Click", "enlarge"),
    Gesture("Feature maps", "Ctrl-click", "off"),
    Gesture("Channel detail", "Hover", "what a cell sees"),
    Gesture("Channel detail", "Click", "pin it"),
    Gesture("Input", "Click", "light its cells"),
    Gesture("Input", "Drop", "open a file"),
    Gesture(TOP5, "Click a class", "explain it"),
    Gesture("conv1 filters", "Click", "see what a filter responds to"),
    Gesture("Statistics", "Click a row", "show that layer"),
    Gesture("Edits", "Drag the occluder", "move"),
    Gesture("Edits", "Crop box, drag", "crop"),
    Gesture("Architecture", "Click a row", "show that layer"),
    Gesture("Formula", "Click a map cell", "how its value is computed"),
    Gesture("Ablation", "Ctrl-click a tile", "off; again: on"),
    Gesture("A/B compare", "Hover", "now vs reference"),
    Gesture("Explain", "Click a top-5 class", "explain it"),
    Gesture("Explain", "Click a map tile (Selected unit)", "explain that unit"),
    Gesture("Every method", "Click a method", "make its map"),
    Gesture("Unit atlas", "Click a patch", "open its picture"),
    Gesture("Evaluate", "Double-click or Enter on a mistake", "open it"),
    Gesture("fc7 neighbours", "Click a neighbour", "open it"),
    Gesture("Atlas map", "Hover a picture", "its file"),
    Gesture("Atlas map", "Click", "open it"),
    Gesture("Atlas map", "Scroll", "zoom"),
)

# What a gesture's effect means at length, where the view's hint is terse.
_LONG = {
    ("Feature maps", "Hover"): "the value under the pointer, and what that cell sees on the picture",
    ("Feature maps", "Click"): "enlarge the channel in the channel detail",
    ("Feature maps", "Ctrl-click"): "switch the channel off (ablation); again: on (⌘-click on a Mac)",
    ("Channel detail", "Hover"): "outline on the picture what the cell under the pointer sees",
    ("Channel detail", "Click"): "pin that outline (the Formula view shows the cell); again: unpin",
    ("Input", "Click"): "mark the point and light the cells of the shown layer that see it",
    ("Input", "Drop"): "open a picture, a video or a folder dropped anywhere on the window",
    (TOP5, "Click a class"): "explain that class in the Explain view",
    ("Statistics", "Click a row"): "show that layer everywhere",
    ("Edits", "Drag the occluder"): "move the grey square on the Input picture; its corner resizes it",
    ("Edits", "Crop box, drag"): "with Crop box pressed, drag a box on the Input picture to zoom into it",
    ("Architecture", "Click a row"): "show that layer everywhere",
    ("Formula", "Click a map cell"): "the arithmetic behind a cell clicked in the feature maps or the channel detail",
    ("Ablation", "Ctrl-click a tile"): "switch that channel of the feature maps off; again: on (⌘-click on a Mac)",
    ("A/B compare", "Hover"): "the values under the pointer, now and in the reference, and their difference",
    ("Explain", "Click a top-5 class"): "explain that class",
    ("Explain", "Click a map tile (Selected unit)"):
        "with Selected unit on, explain the channel clicked in the feature maps",
    ("Every method", "Click a method"): "make that method's map of the picture on screen",
    ("Unit atlas", "Click a patch"): "open the picture the patch comes from",
    ("Evaluate", "Double-click or Enter on a mistake"): "open the misclassified picture",
    ("fc7 neighbours", "Click a neighbour"): "open that picture",
    ("Atlas map", "Hover a picture"): "the file of the picture under the pointer",
    ("Atlas map", "Click"): "open the picture under the pointer",
    ("Atlas map", "Scroll"): "zoom the map",
}


def hint(view: str) -> str:
    """The view's one line: ``Hover: value · Click: enlarge · …``."""
    return " · ".join(f"{g.gesture}: {g.effect}" for g in GESTURES if g.view == view)


def described(gesture: Gesture) -> str:
    """The effect at length, for Help."""
    return _LONG.get((gesture.view, gesture.gesture), gesture.effect)
