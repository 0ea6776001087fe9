"""The views that join the workspaces as tools: every explanation method, the sanity check and
"Fool it" in Why; the papers' figures in Papers. The views name their figures; the tabs stay
short enough to read whole. Each view takes the viewer state and a way to reach the loaded
network, follows the picture on screen by itself, and runs its work off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea

from alexnet_viewer.core.user_folders import data_folder
from alexnet_viewer.qt.explain.fool_view import FoolView
from alexnet_viewer.qt.explain.methods_view import MethodsView
from alexnet_viewer.qt.explain.sanity_view import SanityView
from alexnet_viewer.qt.papers.invariance_view import InvarianceView
from alexnet_viewer.qt.papers.map_view import MapView
from alexnet_viewer.qt.papers.neighbours_view import NeighboursView
from alexnet_viewer.qt.papers.occlusion_view import OcclusionView
from alexnet_viewer.qt.papers.tencrop_view import TenCropView


def add_tool_views(window, services) -> list:
    """Build the views, add each to its workspace, and return them (to stop when the window closes)."""
    state, model = services.state, services.loaded_model

    def open_picture(path) -> None:
        services.open_path(path)

    views = [
        ("why", "Every method", MethodsView(state, model)),
        ("why", "Sanity check", SanityView(state, model)),
        ("why", "Fool it", FoolView(state, model, data_folder("fooled"), open_picture)),
        ("papers", "fc7 neighbours", NeighboursView(state, model, open_picture)),
        ("papers", "Atlas map", MapView(state, model, open_picture)),
        ("papers", "Ten crops", TenCropView(state, model)),
        ("papers", "Invariance", InvarianceView(state, model)),
        ("papers", "Occlusion", OcclusionView(state, model)),
    ]
    for workspace, title, widget in views:
        window.add_view(workspace, title, _scrolling(widget))
    return [widget for _, _, widget in views]


def _scrolling(widget) -> QScrollArea:
    # A view that needs more room than its dock has scrolls; it never grows the window past the screen.
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def stop_tool_views(views) -> None:
    """Stop what each view runs (explanation views ``stop``, paper views ``cancel``)."""
    for view in views:
        (getattr(view, "stop", None) or view.cancel)()
