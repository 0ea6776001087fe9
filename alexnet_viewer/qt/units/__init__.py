"""What a unit looks for: the unit atlas, activation maximisation and accuracy on a folder.

``Units(state, services, maps)`` builds the three panels (``atlas_panel``,
``visualize_panel``, ``evaluate_panel``) and the atlas jobs and connects them: the atlas
panel follows the channel the feature maps show in detail, and every panel opens pictures
through the services. The window puts the panels in docks and ``build_menu`` adds the
Units menu.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt

from alexnet_viewer.qt.units.atlas_jobs import AtlasJobs
from alexnet_viewer.qt.units.atlas_panel import AtlasPanel
from alexnet_viewer.qt.units.evaluate_panel import EvaluatePanel
from alexnet_viewer.qt.units.task import stop_all
from alexnet_viewer.qt.units.visualize_panel import VisualizePanel

__all__ = ["Units"]


class Units(QObject):
    def __init__(self, state, services, maps) -> None:
        super().__init__(services.parent)
        self.state, self.services, self.maps = state, services, maps
        self.atlas = AtlasJobs(services)
        self.atlas_panel = AtlasPanel()
        self.visualize_panel = VisualizePanel()
        self.evaluate_panel = EvaluatePanel()
        self.visualize_panel.current_picture = services.current_path
        self._last_path: Path | None = None

        maps.channel_selected.connect(self._follow_channel)
        state.events.layer.connect(self._follow_channel)
        services.result_shown.connect(self._on_result_shown)
        services.weights_ready.connect(self._on_weights_ready, Qt.ConnectionType.QueuedConnection)
        self.atlas.opened.connect(self._on_atlas_opened)
        self.atlas_panel.open_picture.connect(self._open_picture)
        self.evaluate_panel.open_picture.connect(self._open_picture)
        self.visualize_panel.wants_selected.connect(self.take_selected_channel)
        self.visualize_panel.show_in_viewer.connect(self._show_in_viewer)

    def build_menu(self, menu_bar):
        menu = menu_bar.addMenu("&Units")
        for text, slot in (
            ("&Build atlas from folder…", self.atlas.build_dialog),
            ("&Open atlas…", self.atlas.open_dialog),
            (None, None),
            ("&Visualise selected unit…", self.visualise_selected),
            ("&Evaluate labelled folder…", self.evaluate_dialog),
        ):
            if text is None:
                menu.addSeparator()
            else:
                menu.addAction(text).triggered.connect(lambda _=False, slot=slot: slot())
        return menu

    def stop(self) -> None:
        """Cancel every background job (the window is closing)."""
        stop_all()

    # Commands
    def take_selected_channel(self) -> bool:
        selected = self.maps.selected_channel
        if selected is None:
            self.state.say("Open a picture and pick a channel first.")
            return False
        self.visualize_panel.set_target(f"{selected[0]}:{selected[1]}")
        return True

    def visualise_selected(self) -> None:
        self.services.bring_up("visualize")
        if self.take_selected_channel():
            self.visualize_panel.run()

    def evaluate_dialog(self) -> None:
        self.services.bring_up("evaluate")
        self.evaluate_panel.choose_folder()

    # Following the window
    def _follow_channel(self, *_args) -> None:
        selected = self.maps.selected_channel
        if selected is not None:
            self.atlas_panel.show_unit(selected[0], selected[1], self.services.loaded_model())

    def _on_result_shown(self, _result, job) -> None:
        self._follow_channel()
        path = job.source.path
        if path is not None and path != self._last_path:
            self._last_path = path
            self.atlas.picture_shown(path)

    def _on_weights_ready(self, _loaded_weights) -> None:
        loaded = self.services.loaded_model()
        self.visualize_panel.set_model(loaded)
        self.evaluate_panel.set_model(loaded)
        self.atlas_panel.forget_weights()
        self._follow_channel()

    def _on_atlas_opened(self, atlas) -> None:
        self.state.atlas = atlas.folder  # the papers' views (fc7 neighbours, the map) follow it
        self.atlas_panel.set_atlas(atlas)
        self.visualize_panel.atlas = atlas
        self.services.bring_up("atlas")
        self._follow_channel()

    def _open_picture(self, path) -> None:
        self.services.open_path(path)

    def _show_in_viewer(self, image, label: str) -> None:
        self.services.post_frame(image.copy(), label)  # the result is read-only; edits may write

