"""What the window remembers between runs, kept in one QSettings ini file.

Every value is checked as it is read: a value of the wrong type (a hand edit, a file from
another version) falls back to its default with a note in the log. Tests pass an explicit
file so they never touch the user's real settings.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.model.weights_spec import WeightsSpec

ORGANIZATION = "AlexNetViewer"
APPLICATION = "alexnet-viewer"
MAX_RECENT = 10
log = logging.getLogger(__name__)


def _wrong(key: str, value, wanted: str) -> None:
    log.warning("Settings: %s is %r, not %s; the default is used.", key, value, wanted)


def _as_list(value, key: str = "a list") -> list[str]:
    # An ini file stores a one-item list as a plain string and an empty list as nothing.
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        _wrong(key, value, "a list of text")
        return []
    return list(value)


class ViewerSettings:
    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
            )

        if self.qsettings.status() != QSettings.Status.NoError:
            log.warning("Settings: %s could not be read whole (%s); defaults are used where it is damaged.",
                        self.qsettings.fileName(), self.qsettings.status().name)

    def text(self, key: str, default: str = "") -> str:
        """The text stored under ``key``; ``default`` when absent or not text (noted in the log)."""
        value = self.qsettings.value(key, default)
        if not isinstance(value, str):
            _wrong(key, value, "text")
            return default
        return value

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        if value is None:
            return None
        if not isinstance(value, QByteArray):
            _wrong(key, value, "saved window data")
            return None
        return value if not value.isEmpty() else None

    @property
    def path(self) -> Path:
        return Path(self.qsettings.fileName())

    def sync(self) -> None:
        self.qsettings.sync()

    # Pictures
    def last_folder(self) -> Path | None:
        value = self.text("pictures/last_folder")
        return Path(value) if value else None

    def set_last_folder(self, folder: Path) -> None:
        self.qsettings.setValue("pictures/last_folder", str(folder))

    def recent_files(self) -> list[Path]:
        return [Path(item) for item in _as_list(self.qsettings.value("pictures/recent"), "pictures/recent")]

    def add_recent_file(self, path: Path) -> list[Path]:
        path = Path(path).absolute()
        recent = [path] + [item for item in self.recent_files() if item != path]
        recent = recent[:MAX_RECENT]
        self.qsettings.setValue("pictures/recent", [str(item) for item in recent])
        return recent

    def clear_recent_files(self) -> None:
        self.qsettings.setValue("pictures/recent", [])

    # Window layout
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def set_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # View
    def layer(self) -> str | None:
        value = self.text("view/layer")
        if value and value not in LAYER_NAMES:
            _wrong("view/layer", value, "a layer's name")
            return None
        return value or None

    def set_layer(self, name: str) -> None:
        self.qsettings.setValue("view/layer", name)

    # Exports: the save dialogs start in the folder used last
    def export_folder(self) -> Path | None:
        value = self.text("export/last_folder")
        return Path(value) if value else None

    def set_export_folder(self, folder: Path) -> None:
        self.qsettings.setValue("export/last_folder", str(folder))

    # Unit atlases: the atlas built from (or opened for) each picture folder
    def _atlas_pairs(self):
        folders = _as_list(self.qsettings.value("atlas/folders"), "atlas/folders")
        return zip(folders, _as_list(self.qsettings.value("atlas/paths"), "atlas/paths"))

    def atlas_for_folder(self, folder: Path) -> Path | None:
        key = str(Path(folder).absolute())
        pairs = self._atlas_pairs()
        return next((Path(atlas) for known, atlas in pairs if known == key), None)

    def set_atlas_for_folder(self, folder: Path, atlas: Path) -> None:
        key = str(Path(folder).absolute())
        pairs = self._atlas_pairs()
        kept = [(key, str(Path(atlas).absolute()))] + [pair for pair in pairs if pair[0] != key]
        self.qsettings.setValue("atlas/folders", [known for known, _ in kept])
        self.qsettings.setValue("atlas/paths", [path for _, path in kept])

    # Weights: only deliberate, reproducible choices that loaded are remembered; an
    # untrained fallback picked because the network was down must not stick.
    def weights(self) -> WeightsSpec | None:
        kind = self.text("weights/kind")
        if kind == "pretrained":
            return WeightsSpec.pretrained()
        if kind == "file":
            path = self.text("weights/path")
            return WeightsSpec.from_file(path) if path else None
        return None

    def set_weights(self, spec: WeightsSpec) -> None:
        if spec.kind == "random":
            return
        self.qsettings.setValue("weights/kind", spec.kind)
        self.qsettings.setValue("weights/path", str(spec.path) if spec.path else "")
