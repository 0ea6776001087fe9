"""A folder of pictures shown one after another at a chosen rate, as a frame source.

Pictures are decoded (and shrunk) in a background thread, one at a time, never on the GUI
thread; a tick that comes while the previous picture is still decoding is skipped.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal

from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.pictures.picture_files import list_pictures
from alexnet_viewer.qt.live.base import LoopingSource

# Pictures are shrunk to at most this many pixels a side (camera-like sizes): a 24-megapixel
# photo would make every edit and every conversion hundreds of times slower for nothing,
# since AlexNet looks at 224×224.
DEFAULT_MAX_SIDE = 1280


@dataclass
class _Outcome:
    """What one background decode found: the picture to show, or why there is none."""

    owner: object
    generation: int
    index: int | None = None
    frame: object = None
    errors: list[str] = field(default_factory=list)
    ended: bool = False  # ran past the last picture without looping


class _Relay(QObject):
    """Carries decode outcomes from the background thread to the GUI thread. It lives as long
    as the application, so a thread finishing after its slideshow was deleted is harmless."""

    loaded = Signal(object)


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


def load_slide(path: Path, max_side: int):
    """The picture at ``path`` as an RGB array at most ``max_side`` a side (ImageLoadError if bad)."""
    image = load_image(path, draft=(max_side, max_side))
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return image_to_array(image)


class SlideshowSource(LoopingSource):
    """Shows each picture of ``folder`` for ``interval_ms``; bad files are reported with
    ``error`` and skipped; ``loop`` starts again after the last one, else ``finished``."""

    def __init__(self, folder: str | os.PathLike, interval_ms: int = 2000, loop: bool = True,
                 max_side: int = DEFAULT_MAX_SIDE, parent: QObject | None = None) -> None:
        super().__init__(loop, parent)
        self._folder = Path(folder)
        self._max_side = int(max_side)
        self._paths: list[Path] = []
        self._index = -1
        self._generation = 0
        self._busy = False  # a picture is being decoded
        self._queued_steps = 0  # manual steps asked for meanwhile
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.interval_ms = interval_ms
        _the_relay().loaded.connect(self._on_loaded)

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
        self._generation += 1  # a decode still running is dropped
        self._busy, self._queued_steps = False, 0
        super().stop()

    def next_picture(self) -> None:
        self._step(+1)

    def previous_picture(self) -> None:
        self._step(-1)

    def _tick(self) -> None:
        if not self._busy:  # still decoding the last one: this slide simply lasts longer
            self._advance(+1)

    def _step(self, direction: int) -> None:
        if self._busy:
            self._queued_steps += direction
        else:
            self._advance(direction)

    def _advance(self, direction: int) -> None:
        # Frozen: the current picture stays, and nothing is decoded for nothing.
        if not self._running or not self._paths or self._frozen:
            return
        self._busy = True
        outcome = _Outcome(self, self._generation)
        args = (outcome, list(self._paths), self._index, direction, self._loop, self._max_side)
        threading.Thread(target=_find_and_load, args=args, name="SlideshowDecode", daemon=True).start()

    def _on_loaded(self, outcome: _Outcome) -> None:
        if outcome.owner is not self or outcome.generation != self._generation or not self._running:
            return
        self._busy = False
        for message in outcome.errors:
            self.error.emit(message)
        if outcome.ended:
            self.stop()
            self.finished.emit()
            return
        if outcome.index is None:
            self._fail(f'None of the pictures in "{self._folder.name or self._folder}" could be opened')
            return
        self._index = outcome.index
        if self._last_frame is None and self._frozen:
            # Frozen before the first picture arrived: show it, there is nothing else to hold.
            self._frozen = False
            self._deliver(outcome.frame)
            self._frozen = True
        else:
            self._deliver(outcome.frame)
        if self._queued_steps:
            step = 1 if self._queued_steps > 0 else -1
            self._queued_steps -= step
            self._advance(step)


def _find_and_load(outcome: _Outcome, paths: list[Path], index: int, direction: int, loop: bool,
                   max_side: int) -> None:
    """In the background: the next picture that opens, trying each file at most once (so a
    folder of broken files cannot spin); the outcome goes back through the relay."""
    count = len(paths)
    for _ in range(count):
        index += direction
        if not 0 <= index < count:
            if not loop:
                outcome.ended = True
                break
            index %= count
        try:
            outcome.frame = load_slide(paths[index], max_side)
        except ImageLoadError as exc:
            outcome.errors.append(str(exc))
            continue
        outcome.index = index
        break
    try:
        _the_relay().loaded.emit(outcome)
    except RuntimeError:  # the application is gone
        pass
