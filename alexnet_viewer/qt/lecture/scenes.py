"""Scenes on the window: capture what is on screen as a scene, apply a scene, step a lecture.

The scene and lecture themselves (and their file) are the core's (``core/scenes.py``).
Applying a scene whose picture has gone missing still sets its layer, channel, edits and
view, and says which picture is missing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog

from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.core.lecture.scenes import (
    FILE_SUFFIX,
    Lecture,
    LectureError,
    Scene,
    load_lecture,
    missing_pictures,
    save_lecture,
)


def ask_scene_name(parent, default: str) -> str | None:
    """The name dialog; tests monkeypatch this function."""
    name, accepted = QInputDialog.getText(parent, "Save scene", "Name of this scene:", text=default)
    return name.strip() if accepted and name.strip() else None


def ask_lecture_file(parent, folder: Path | None, *, save: bool) -> Path | None:
    """The file dialog for a lecture; tests monkeypatch this function."""
    filter_text = f"Lectures (*{FILE_SUFFIX});;JSON files (*.json)"
    start = str(folder or Path.home())
    if save:
        chosen, _ = QFileDialog.getSaveFileName(parent, "Save lecture", str(Path(start) / f"lecture{FILE_SUFFIX}"),
                                                filter_text)
    else:
        chosen, _ = QFileDialog.getOpenFileName(parent, "Open lecture", start, filter_text)
    if not chosen:
        return None
    path = Path(chosen)
    return path if not save or path.name.endswith(".json") else path.with_name(path.name + FILE_SUFFIX)


def capture_scene(window, name: str, view: str) -> Scene:
    chosen = window.feature_maps_panel.selected_channel
    channel = chosen[1] if chosen is not None and chosen[0] == window.layer else None
    return Scene(name=name, picture=window.current_path, layer=window.layer, channel=channel,
                 edits=window.edits.current, view=view)


def show_edits(panel, edits: Edits) -> None:
    """Set the Edits dock's controls to ``edits`` (the window then reposts the picture)."""
    panel.reset()
    rotate = edits.rotate_degrees
    panel.rotate.set_value(rotate - 360 if rotate > 180 else rotate)  # the slider runs −180…180
    panel.brightness.set_value(edits.brightness)
    panel.contrast.set_value(edits.contrast)
    panel.blur.set_value(edits.blur_radius)
    panel.flip_horizontal.setChecked(edits.flip_horizontal)
    panel.flip_vertical.setChecked(edits.flip_vertical)
    panel.greyscale.setChecked(edits.greyscale)
    if edits.crop is not None:
        panel.set_crop(edits.crop)
    if edits.occluder is not None:
        panel.set_occluder(edits.occluder)


def apply_scene(window, scene: Scene, presentation) -> str | None:
    """Show ``scene``; returns a sentence when its picture is missing."""
    window.set_layer(scene.layer)
    if scene.channel is not None:
        window.feature_maps_panel.select_channel(scene.layer, scene.channel)
    show_edits(window.edits.panel, scene.edits)
    presentation.show_view(scene.view)
    if scene.picture is None:
        return None
    if not scene.picture.is_file():
        return (f"The picture of scene '{scene.name}' is missing ({scene.picture}); "
                "its layer, channel, edits and view are shown on the current picture.")
    if window.current_path != scene.picture:
        window.open_path(scene.picture, remember=False)
    return None


class LectureController(QObject):
    """The lecture being built or shown: its scenes, the one on screen and its file."""

    changed = Signal()

    def __init__(self, window, presentation) -> None:
        super().__init__(window)
        self.window = window
        self.presentation = presentation
        self.lecture = Lecture()
        self.index: int | None = None  # the scene last applied
        self.path: Path | None = None

    def position_text(self) -> str:
        if self.index is None or not self.lecture.scenes:
            return ""
        scene = self.lecture.scenes[self.index]
        return f"scene {self.index + 1}/{len(self.lecture)}: {scene.name}"

    def save_scene(self, name: str | None = None) -> Scene | None:
        if name is None:
            picture = self.window.current_path
            default = f"{picture.stem if picture else 'Scene'} · {self.window.layer}"
            name = ask_scene_name(self.window, default)
            if name is None:
                return None
        scene = capture_scene(self.window, name, self.presentation.view_key)
        replaced = any(old.name == name for old in self.lecture.scenes)
        self.lecture = self.lecture.with_scene(scene)
        self.index = [old.name for old in self.lecture.scenes].index(name)
        note = "" if scene.picture is not None else " (a pasted picture or live frame is not stored: the scene keeps "\
            "the settings only)"
        self.presentation.say(f"{'Replaced' if replaced else 'Saved'} scene {self.index + 1}: {name}{note}.")
        self.changed.emit()
        return scene

    def step(self, step: int) -> None:
        if not self.lecture.scenes:
            self.presentation.say("No scenes yet: Ctrl+D saves what is on screen as a scene, "
                                  "Lecture › Open lecture… opens a saved one.")
            return
        target = 0 if self.index is None else self.index + step
        if not 0 <= target < len(self.lecture):
            self.presentation.say(f"This is the {'first' if step < 0 else 'last'} scene.")
            return
        self.go_to(target)

    def go_to(self, index: int) -> None:
        self.index = index
        scene = self.lecture.scenes[index]
        note = apply_scene(self.window, scene, self.presentation)
        self.changed.emit()
        if note is not None:
            self.presentation.say(note)
        else:
            self.presentation.say(f"Scene {index + 1}/{len(self.lecture)}: {scene.name}")

    def save_lecture(self, path: Path | None = None) -> bool:
        if not self.lecture.scenes:
            self.presentation.say("There are no scenes to save: Ctrl+D saves what is on screen as a scene.")
            return False
        path = path or ask_lecture_file(self.window, self._folder(), save=True)
        if path is None:
            return False
        try:
            save_lecture(self.lecture, path)
        except LectureError as error:
            self.window.show_error(str(error), about_picture=False)
            return False
        self.path = Path(path)
        self.presentation.say(f"Saved the lecture ({len(self.lecture)} scenes) to {self.path.name}.")
        return True

    def open_lecture(self, path: Path | None = None) -> bool:
        path = path or ask_lecture_file(self.window, self._folder(), save=False)
        if path is None:
            return False
        try:
            lecture = load_lecture(path)
        except LectureError as error:
            self.window.show_error(str(error), about_picture=False)
            return False
        self.lecture, self.path, self.index = lecture, Path(path), None
        self.changed.emit()
        missing = missing_pictures(lecture)
        if not lecture.scenes:
            self.presentation.say(f"{self.path.name} has no scenes.")
            return True
        self.go_to(0)
        notes = [f"{self.path.name}: {sentence}" for sentence in lecture.skipped]
        if missing:
            names = ", ".join(f"'{scene.name}'" for scene in missing)
            notes.append(f"{len(missing)} of {len(lecture)} scenes have lost their picture ({names}); "
                         "they still show their other settings.")
        if notes:
            self.window.show_error(" ".join(notes), about_picture=False)
        return True

    def fill_menu(self, menu) -> None:
        """The scenes as menu entries (Lecture › Scenes)."""
        menu.clear()
        for index, scene in enumerate(self.lecture.scenes):
            action = menu.addAction(f"{index + 1}. {scene.name}")
            action.setCheckable(True)
            action.setChecked(index == self.index)
            action.triggered.connect(lambda _=False, i=index: self.go_to(i))
        if not self.lecture.scenes:
            menu.addAction("(no scenes yet)").setEnabled(False)

    def _folder(self) -> Path | None:
        return self.path.parent if self.path is not None else self.window.settings.last_folder()
