"""A folder of pictures shown one after another at a chosen rate, as a frame source."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QTimer

from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.images import SUPPORTED_SUFFIXES, image_to_array, load_image
from alexnet_viewer.qt.live.base import FrameSource

# Pictures are shrunk to at most this many pixels a side (camera-like sizes): a 24-megapixel
# photo would make every edit and every conversion hundreds of times slower for nothing,
# since AlexNet looks at 224×224.
DEFAULT_MAX_SIDE = 1280


def list_pictures(folder: str | os.PathLike) -> list[Path]:
    """Picture files directly inside ``folder`` (by suffix), in case-insensitive name order."""
    entries = []
    for entry in Path(folder).iterdir():
        if entry.suffix.lower() in SUPPORTED_SUFFIXES and not entry.name.startswith("."):
            entries.append(entry)
    return sorted(entries, key=lambda p: (p.name.casefold(), p.name))


class SlideshowSource(FrameSource):
    """Shows each picture of ``folder`` for ``interval_ms``; bad files are reported with
    ``error`` and skipped; ``loop`` starts again after the last one, else ``finished``."""

    def __init__(self, folder: str | os.PathLike, interval_ms: int = 2000, loop: bool = True,
                 max_side: int = DEFAULT_MAX_SIDE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = Path(folder)
        self._loop = bool(loop)
        self._max_side = int(max_side)
        self._paths: list[Path] = []
        self._index = -1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.next_picture)
        self.interval_ms = interval_ms

    @property
    def description(self) -> str:
        return f"Slideshow: {self._folder.name or self._folder}"

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    @property
    def current_path(self) -> Path | None:
        return self._paths[self._index] if 0 <= self._index < len(self._paths) else None

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @interval_ms.setter
    def interval_ms(self, value: int) -> None:
        self._timer.setInterval(max(50, int(value)))

    @property
    def loop(self) -> bool:
        return self._loop

    @loop.setter
    def loop(self, value: bool) -> None:
        self._loop = bool(value)

    def start(self) -> None:
        if self._running:
            return
        try:
            self._paths = list_pictures(self._folder)
        except OSError as exc:
            reason = exc.strerror.lower() if exc.strerror else "cannot be read"
            self._fail(f'Cannot open the folder "{self._folder.name or self._folder}": {reason}')
            return
        if not self._paths:
            self._fail(f'There are no pictures in "{self._folder.name or self._folder}"')
            return
        self._running = True
        self._index = -1
        self.next_picture()
        if self._running:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        super().stop()

    def next_picture(self) -> None:
        self._advance(+1)

    def previous_picture(self) -> None:
        self._advance(-1)

    def _advance(self, direction: int) -> None:
        # Frozen: the current picture stays, and nothing is decoded for nothing.
        if not self._running or not self._paths or self._frozen:
            return
        count = len(self._paths)
        # Try each file at most once per call, so a folder of broken files cannot spin.
        for _ in range(count):
            index = self._index + direction
            if not 0 <= index < count:
                if not self._loop:
                    self.stop()
                    self.finished.emit()
                    return
                index %= count
            self._index = index
            frame = self._load(self._paths[index])
            if frame is not None:
                self._deliver(frame)
                return
        self._fail(f'None of the pictures in "{self._folder.name or self._folder}" could be opened')

    def _load(self, path: Path) -> np.ndarray | None:
        try:
            image = load_image(path)
        except ImageLoadError as exc:
            self.error.emit(str(exc))
            return None
        if max(image.size) > self._max_side:
            image.thumbnail((self._max_side, self._max_side), Image.Resampling.BILINEAR)
        return image_to_array(image)
