"""Scenes and lectures: what a lecturer wants to show again, saved to a file for next term.

A scene is a picture file, the layer and channel on screen, the edits and the view; a
lecture is an ordered list of scenes. The file is JSON with a format name and version.
A picture inside the lecture file's folder (or below it) is stored relative to that
folder, so the folder can be moved or copied as a whole; any other picture is stored
with its absolute path. A picture that has gone missing is not an error here: the scene
still loads, and the window says so when it applies the scene.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from alexnet_viewer.core.output_files import os_reason, write_json
from alexnet_viewer.core.pictures.edits import Edits
from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.frame.layer_sizes import layer_channels
from alexnet_viewer.core.frame.layers import LAYER_NAMES

FORMAT_NAME = "alexnet-viewer-lecture"
MAX_LECTURE_BYTES = 16 << 20  # some 50,000 scenes
FORMAT_VERSION = 1
FILE_SUFFIX = ".lecture.json"
DEFAULT_VIEW = "maps"

_TUPLE_EDITS = {"crop": 4, "occluder": 3}


class LectureError(ViewerError):
    """A lecture file could not be read or written; the message is one sentence."""


@dataclass(frozen=True)
class Scene:
    name: str
    picture: Path | None  # absolute; None when what was shown had no file (a paste, a camera)
    layer: str = "conv1"
    channel: int | None = None  # None: the layer's strongest channel, picked automatically
    edits: Edits = field(default_factory=Edits)
    view: str = DEFAULT_VIEW  # the presentation view: maps, filters, statistics, explain, …

    def __post_init__(self) -> None:
        if self.layer not in LAYER_NAMES:
            raise ValueError(f"unknown layer '{self.layer}'")
        if self.channel is not None and (isinstance(self.channel, bool) or not isinstance(self.channel, int)
                                         or self.channel < 0):
            raise ValueError(f"the channel must be a whole number from 0, not {self.channel!r}")
        if not isinstance(self.view, str) or not self.view:
            raise ValueError("the view must be a name such as 'maps'")
        if self.picture is not None:
            object.__setattr__(self, "picture", Path(self.picture))


@dataclass(frozen=True)
class Lecture:
    scenes: tuple[Scene, ...] = ()
    skipped: tuple[str, ...] = field(default=(), compare=False)  # damaged scenes of the file, one sentence each

    def __len__(self) -> int:
        return len(self.scenes)

    def with_scene(self, scene: Scene) -> Lecture:
        """The lecture with ``scene`` added at the end, or in place of the scene of that name."""
        scenes = list(self.scenes)
        for index, old in enumerate(scenes):
            if old.name == scene.name:
                scenes[index] = scene
                return Lecture(tuple(scenes))
        return Lecture((*scenes, scene))


def edits_to_json(edits: Edits) -> dict:
    data = {}
    for spec in fields(Edits):
        value = getattr(edits, spec.name)
        data[spec.name] = list(value) if isinstance(value, tuple) else value
    return data


def edits_from_json(data) -> Edits:
    """Edits from their JSON object; missing keys keep their defaults. Raises ValueError."""
    if not isinstance(data, dict):
        raise TypeError("the edits are not an object")
    known = {spec.name: spec for spec in fields(Edits)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"unknown edit '{unknown[0]}'")
    values = {}
    for name, value in data.items():
        default = known[name].default
        if name in _TUPLE_EDITS:
            values[name] = None if value is None else _numbers(name, value, _TUPLE_EDITS[name])
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"the edit '{name}' must be true or false")
            values[name] = value
        else:
            values[name] = _numbers(name, [value], 1)[0]
    return Edits(**values)


def _numbers(name: str, value, count: int) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != count:
        raise ValueError(f"the edit '{name}' must be {count} numbers")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in value):
        raise ValueError(f"the edit '{name}' must be finite numbers")
    return tuple(float(v) for v in value)


def _stored_path(picture: Path | None, folder: Path) -> str | None:
    if picture is None:
        return None
    picture = Path(picture).absolute()
    try:
        return picture.relative_to(folder.absolute()).as_posix()
    except ValueError:
        return str(picture)


def lecture_to_json(lecture: Lecture, folder: Path) -> dict:
    """The file's content; pictures under ``folder`` (the lecture file's) are stored relative to it."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "scenes": [
            {
                "name": scene.name,
                "picture": _stored_path(scene.picture, folder),
                "layer": scene.layer,
                "channel": scene.channel,
                "view": scene.view,
                "edits": edits_to_json(scene.edits),
            }
            for scene in lecture.scenes
        ],
    }


def lecture_from_json(data, folder: Path) -> Lecture:
    """Raises ValueError (TypeError for a wrong kind of JSON value) with a clause naming what is wrong."""
    if not isinstance(data, dict):
        raise TypeError("it is not an AlexNet Viewer lecture file")
    if data.get("format") != FORMAT_NAME:
        raise ValueError("it is not an AlexNet Viewer lecture file")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("its format version is missing")
    if version > FORMAT_VERSION:
        raise ValueError(f"it was saved by a newer AlexNet Viewer (lecture format {version}; "
                         f"this one reads format {FORMAT_VERSION})")
    items = data.get("scenes")
    if not isinstance(items, list):
        raise TypeError("it has no list of scenes")
    scenes, damaged = [], []
    for number, item in enumerate(items, 1):
        try:
            scenes.append(_scene_from_json(item, folder, number))
        except ValueError as error:
            damaged.append(str(error))
    if damaged and not scenes:
        raise ValueError(damaged[0])
    return Lecture(tuple(scenes), tuple(f"{text[0].upper()}{text[1:]}; it was skipped." for text in damaged))


def _scene_from_json(item, folder: Path, number: int) -> Scene:
    try:
        if not isinstance(item, dict):
            raise TypeError("it is not an object")
        name, picture = item.get("name"), item.get("picture")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("it has no name")
        if picture is not None and (not isinstance(picture, str) or not picture):
            raise ValueError("its picture is not a path")
        layer, channel = item.get("layer", "conv1"), item.get("channel")
        if not isinstance(layer, str) or layer not in LAYER_NAMES:
            raise ValueError(f"unknown layer {layer!r}")
        scene = Scene(
            name=name,
            picture=None if picture is None else folder / Path(picture),
            layer=layer,
            channel=channel,
            edits=edits_from_json(item.get("edits", {})),
            view=item.get("view", DEFAULT_VIEW),
        )
        if channel is not None and channel >= layer_channels(layer):
            raise ValueError(f"{layer} has channels 0…{layer_channels(layer) - 1}, not {channel}")
        return scene
    except (ValueError, TypeError) as error:
        named = f" (the scene '{item['name']}')" if isinstance(item, dict) and isinstance(item.get("name"), str) else ""
        raise ValueError(f"scene {number} is damaged: {error}{named}") from None


def save_lecture(lecture: Lecture, path: Path) -> None:
    """Write ``lecture`` to ``path`` atomically; raises LectureError with one sentence."""
    path = Path(path).absolute()
    try:
        write_json(path, lecture_to_json(lecture, path.parent))
    except OSError as error:
        raise LectureError(f"Cannot save the lecture to {path}: {os_reason(error)}.") from None


def load_lecture(path: Path) -> Lecture:
    """The lecture in ``path``; raises LectureError with one sentence for a bad or foreign file."""
    path = Path(path).absolute()
    try:
        if path.stat().st_size > MAX_LECTURE_BYTES:  # refused before a byte of it is read
            raise LectureError(f"{path.name} is not a lecture file (it is too large to be one).")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LectureError(f"The lecture file {path} does not exist.") from None
    except UnicodeDecodeError:
        raise LectureError(f"{path.name} is not a lecture file (it is not text).") from None
    except OSError as error:
        raise LectureError(f"Cannot read the lecture file {path}: {os_reason(error)}.") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise LectureError(f"{path.name} is not a lecture file (it is not valid JSON).") from None
    try:
        return lecture_from_json(data, path.parent)
    except (ValueError, TypeError) as error:
        raise LectureError(f"{path.name} cannot be opened: {error}.") from None


def missing_pictures(lecture: Lecture) -> list[Scene]:
    """The scenes whose picture file is not there (any more)."""
    return [scene for scene in lecture.scenes if scene.picture is not None and not scene.picture.is_file()]
