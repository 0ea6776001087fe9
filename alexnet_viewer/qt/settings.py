"""What the window remembers between runs, kept in one QSettings ini file.

Tests pass an explicit file so they never touch the user's real settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "AlexNetViewer"
APPLICATION = "alexnet-viewer"
MAX_RECENT = 10


@dataclass(frozen=True)
class WeightsChoice:
    """The user's pick of weights, without importing torch on the GUI thread.

    Same fields as ``core.model.WeightsSpec``; the worker turns it into one.
    """

    kind: str = "pretrained"  # "pretrained" | "file" | "random"
    path: Path | None = None
    seed: int = 0

    def describe(self) -> str:
        if self.kind == "file" and self.path is not None:
            return f"weights file {self.path.name}"
        if self.kind == "random":
            return f"untrained (random, seed {self.seed})"
        return "pretrained ImageNet weights"


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

    # Weights: only deliberate, reproducible choices are remembered; an untrained
    # fallback picked because the network was down must not stick.
    def weights(self) -> WeightsChoice | None:
        kind = self.qsettings.value("weights/kind", "")
        if kind == "pretrained":
            return WeightsChoice("pretrained")
        if kind == "file":
            path = self.qsettings.value("weights/path", "")
            return WeightsChoice("file", Path(path)) if path else None
        return None

    def set_weights(self, choice: WeightsChoice) -> None:
        if choice.kind == "random":
            return
        self.qsettings.setValue("weights/kind", choice.kind)
        self.qsettings.setValue("weights/path", str(choice.path) if choice.path else "")
