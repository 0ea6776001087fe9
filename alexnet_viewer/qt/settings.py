"""What the window remembers between runs, kept in one QSettings ini file.

Tests pass an explicit file so they never touch the user's real settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from alexnet_viewer.core.model.weights_spec import WeightsSpec

ORGANIZATION = "AlexNetViewer"
APPLICATION = "alexnet-viewer"
MAX_RECENT = 10


def _as_list(value) -> list[str]:
    # An ini file stores a one-item list as a plain string and an empty list as nothing.
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


class ViewerSettings:
    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
            )

    @property
    def path(self) -> Path:
        return Path(self.qsettings.fileName())

    def sync(self) -> None:
        self.qsettings.sync()

    # Pictures
    def last_folder(self) -> Path | None:
        value = self.qsettings.value("pictures/last_folder", "")
        return Path(value) if value else None

    def set_last_folder(self, folder: Path) -> None:
        self.qsettings.setValue("pictures/last_folder", str(folder))

    def recent_files(self) -> list[Path]:
        return [Path(item) for item in _as_list(self.qsettings.value("pictures/recent"))]

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
        value = self.qsettings.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        value = self.qsettings.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # View
    def layer(self) -> str | None:
        return self.qsettings.value("view/layer", "") or None

    def set_layer(self, name: str) -> None:
        self.qsettings.setValue("view/layer", name)

    # Unit atlases: the atlas built from (or opened for) each picture folder
    def atlas_for_folder(self, folder: Path) -> Path | None:
        key = str(Path(folder).absolute())
        pairs = zip(_as_list(self.qsettings.value("atlas/folders")), _as_list(self.qsettings.value("atlas/paths")))
        return next((Path(atlas) for known, atlas in pairs if known == key), None)

    def set_atlas_for_folder(self, folder: Path, atlas: Path) -> None:
        key = str(Path(folder).absolute())
        pairs = zip(_as_list(self.qsettings.value("atlas/folders")), _as_list(self.qsettings.value("atlas/paths")))
        kept = [(key, str(Path(atlas).absolute()))] + [pair for pair in pairs if pair[0] != key]
        self.qsettings.setValue("atlas/folders", [known for known, _ in kept])
        self.qsettings.setValue("atlas/paths", [path for _, path in kept])

    # Weights: only deliberate, reproducible choices that loaded are remembered; an
    # untrained fallback picked because the network was down must not stick.
    def weights(self) -> WeightsSpec | None:
        kind = self.qsettings.value("weights/kind", "")
        if kind == "pretrained":
            return WeightsSpec.pretrained()
        if kind == "file":
            path = self.qsettings.value("weights/path", "")
            return WeightsSpec.from_file(path) if path else None
        return None

    def set_weights(self, spec: WeightsSpec) -> None:
        if spec.kind == "random":
            return
        self.qsettings.setValue("weights/kind", spec.kind)
        self.qsettings.setValue("weights/path", str(spec.path) if spec.path else "")
