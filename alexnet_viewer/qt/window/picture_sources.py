"""Where pictures come from: files, the bundled samples, a folder, drops and the clipboard.

Nothing here decodes a picture file: paths and encoded bytes go to the engine worker,
which decodes them off the GUI thread. The one exception is a picture that Qt has
already decoded (an image on the clipboard or dropped from another application):
turning that QImage into an RGB array is a copy, not a decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from alexnet_viewer.core.pictures.images import SUPPORTED_SUFFIXES
from alexnet_viewer.core.pictures.picture_files import list_pictures
from alexnet_viewer.qt.live.frames import qimage_to_array

# Encoded formats we prefer to pull out of a drop or the clipboard, best first: the
# worker decodes them with the project's safe loader.
ENCODED_MIME_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif", "image/tiff")
MAX_ENCODED_BYTES = 256 * 1024 * 1024
# Opened like a picture (File › Open, drag and drop, the command line) but played as video.
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


class PictureRefused(Exception):
    """A drop or paste that holds nothing we can open; ``str`` is a sentence for the user."""


@dataclass(frozen=True)
class IncomingPicture:
    """A picture handed over by drag and drop or the clipboard: one of path / data / array."""

    label: str
    path: Path | None = None
    data: bytes | None = None
    array: np.ndarray | None = None
    note: str = ""  # e.g. "Opened the first of 3 files."


def is_video_file(path: Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def neighbour_picture(path: Path, step: int) -> Path | None:
    """The picture ``step`` places after ``path`` in its folder (by name), or None past an end."""
    path = Path(path).absolute()
    try:
        pictures = [p.absolute() for p in list_pictures(path.parent)]
    except OSError:
        return None
    if not pictures:
        return None
    if path in pictures:
        index = pictures.index(path) + step
    else:
        # The current picture was deleted or renamed: continue from where its name would sit.
        key = (path.name.casefold(), path.name)
        after = sum(1 for p in pictures if (p.name.casefold(), p.name) < key)
        index = after + step if step < 0 else after + step - 1
    if 0 <= index < len(pictures):
        return pictures[index]
    return None


def file_dialog_filter() -> str:
    pictures = " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
    videos = " ".join(f"*{suffix}" for suffix in VIDEO_SUFFIXES)
    return f"Pictures and videos ({pictures} {videos});;Pictures ({pictures});;Videos ({videos});;All files (*)"


def video_dialog_filter() -> str:
    videos = " ".join(f"*{suffix}" for suffix in VIDEO_SUFFIXES)
    return f"Videos ({videos});;All files (*)"


def ask_open_picture(parent: QWidget | None, start_folder: Path | None) -> Path | None:
    """The file dialog; tests monkeypatch this function."""
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Open a picture or video", str(start_folder or Path.home()), file_dialog_filter()
    )
    return Path(chosen) if chosen else None


def picture_from_qimage(image: QImage) -> np.ndarray:
    """An RGB copy of a picture Qt already decoded; PictureRefused if it is empty or too large."""
    try:
        return qimage_to_array(image)
    except ValueError as error:
        raise PictureRefused(str(error)) from None


def _local_files(urls: list[QUrl]) -> list[Path]:
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile() and url.toLocalFile()]


def _encoded_image(mime: QMimeData) -> tuple[str, bytes] | None:
    formats = mime.formats()
    for mime_type in ENCODED_MIME_TYPES:
        if mime_type in formats:
            data = bytes(mime.data(mime_type).data())
            if 0 < len(data) <= MAX_ENCODED_BYTES:
                return mime_type, data
    return None


def _text_path(mime: QMimeData) -> Path | None:
    # Copying a file in some file managers or a terminal puts its path on the clipboard as text.
    if not mime.hasText():
        return None
    text = mime.text().strip()
    if not text or "\n" in text or len(text) > 4096:
        return None
    if text.startswith("file:"):
        url = QUrl(text)
        return Path(url.toLocalFile()) if url.isLocalFile() else None
    path = Path(text).expanduser()
    try:
        return path if path.is_absolute() and path.is_file() else None
    except OSError:
        return None


def picture_from_mime(mime: QMimeData | None, what: str = "dropped") -> IncomingPicture:
    """The picture in a drop or on the clipboard; raises PictureRefused with a sentence."""
    if mime is None:
        raise PictureRefused("There is nothing on the clipboard.")
    urls = mime.urls() if mime.hasUrls() else []
    files = _local_files(urls)
    if files:
        pictures = [p for p in files if not p.is_dir()]
        if not pictures:
            raise PictureRefused(f"The {what} item is a folder, not a picture.")
        note = f"Opened the first of {len(pictures)} files." if len(pictures) > 1 else ""
        return IncomingPicture(label=pictures[0].name, path=pictures[0], note=note)
    encoded = _encoded_image(mime)
    if encoded is not None:
        mime_type, data = encoded
        return IncomingPicture(label=f"{what} picture", data=data)
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return IncomingPicture(label=f"{what} picture", array=picture_from_qimage(image))
    remote = [url for url in urls if url.scheme() in ("http", "https", "ftp")]
    if remote:
        raise PictureRefused(
            f"Cannot open {remote[0].toString()}: this app works offline and does not download "
            "pictures. Save the picture to a file first, then open or drop that file."
        )
    path = _text_path(mime)
    if path is not None:
        return IncomingPicture(label=path.name, path=path)
    if urls:
        raise PictureRefused(f"Cannot open {urls[0].toString()}: only local files can be opened.")
    raise PictureRefused(
        "There is no picture on the clipboard." if what == "pasted" else "The dropped item is not a picture."
    )


def mime_may_hold_picture(mime: QMimeData | None) -> bool:
    """Cheap check for drag-enter: no data is read."""
    if mime is None:
        return False
    return mime.hasUrls() or mime.hasImage() or any(t in mime.formats() for t in ENCODED_MIME_TYPES)
