"""The views presentation mode can show beside the input and the top-5, by name.

Each view names the window's widget that shows it; presentation mode borrows that
widget while it is on screen and gives it back afterwards. A feature built elsewhere
plugs in with ``register_view`` (or, for Explain, by giving the window an
``explain_panel``); every workspace's dock is a view too (``dock_view``). A view whose
widget does not exist says it is not available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class PresentationView:
    key: str  # stored in scenes: keep it stable
    title: str
    widget: Callable[[object], QWidget | None]  # the window -> its widget, None if absent


_VIEWS: dict[str, PresentationView] = {}


def register_view(key: str, title: str, widget: Callable[[object], QWidget | None]) -> None:
    """Add a view, or replace the one of that key."""
    _VIEWS[key] = PresentationView(key, title, widget)


def view(key: str) -> PresentationView | None:
    return _VIEWS.get(key)


def _attribute(name: str) -> Callable[[object], QWidget | None]:
    return lambda window: getattr(window, name, None)


register_view("maps", "Feature maps", _attribute("feature_maps_panel"))
register_view("filters", "conv1 filters", _attribute("filters_panel"))
register_view("statistics", "Statistics", _attribute("stats_panel"))
register_view("explain", "Explain", _attribute("explain_panel"))
register_view("architecture", "Architecture", _attribute("architecture_panel"))
register_view("about", "About AlexNet", lambda window: window.presentation.about_view)


def dock_view(window, dock) -> str:
    """The key of the view that shows ``dock``'s panel (``dock:<its name>``, stable for scenes),
    registered on first use."""
    key, name = f"dock:{dock.objectName()}", dock.objectName()
    if key not in _VIEWS:
        register_view(key, dock.windowTitle(), lambda w: w.workspaces.panels.get(name))
    return key
