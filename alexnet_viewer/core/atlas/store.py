"""The atlas on disk: one folder holding a JSON manifest, the top-K and per-picture records.

- ``manifest.json``: format and version, whether the build finished, the weights' identity
  (with a SHA-256 of the state dict), the preprocessing, K, the layers' channel blocks, the
  folders, and every picture (path, size, mtime_ns, and where its record is).
  Pictures that could not be used are listed too (with the reason), so an unchanged one is
  reported again without being decoded again.
- ``top-<id>.npz``: per channel (all spatial layers one after another), the K best pictures:
  ``values`` float32, ``pictures`` int32 (index into the manifest's files; -1 empty) and
  ``positions`` int16 (y * width + x), each (channels, K), best first.
- ``records-<id>.npz``: for a group of pictures, every channel's maximum and its position,
  (pictures, channels) float32 and int16: about 17 KB per picture. They make a later build
  exact without re-reading unchanged pictures: a removed or changed picture is dropped and
  the top-K recomputed from the records that remain; K can change without decoding anything.

Every file is written atomically and the manifest last, so it is the commit point: a
reader (or a resumed build) sees the previous state or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from alexnet_viewer.core.output_files import write_atomically, write_json
from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.atlas.capture import LayerBlock
from alexnet_viewer.core.atlas.topk import TopK

FORMAT = "alexnet-viewer atlas"
VERSION = 1
MANIFEST = "manifest.json"
_OWN_FILE = re.compile(r"^\.?(manifest\.json|(records|top)-[0-9a-f]+\.npz)(\..*\.tmp)?$")


class AtlasError(ViewerError):
    """An atlas folder that cannot be read or written; ``str`` is one sentence."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    mtime_ns: int
    shard: int  # index into Manifest.shards
    row: int


@dataclass(frozen=True)
class BadFile:
    """A picture that could not be used, kept so that an unchanged one is not decoded again."""

    path: str
    size: int
    mtime_ns: int
    reason: str


@dataclass
class Manifest:
    weights: dict
    preprocess: dict
    top_k: int
    layers: tuple[LayerBlock, ...]
    folders: list[str]
    files: list[FileEntry] = field(default_factory=list)  # sorted by path
    shards: list[str] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)  # sorted by path
    top: str = ""
    complete: bool = False

    @property
    def channels(self) -> int:
        return sum(block.channels for block in self.layers)

    def block(self, layer: str) -> LayerBlock:
        for block in self.layers:
            if block.name == layer:
                return block
        raise KeyError(layer)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "complete": self.complete,
            "weights": self.weights,
            "preprocess": self.preprocess,
            "top_k": self.top_k,
            "layers": [asdict(block) for block in self.layers],
            "folders": self.folders,
            "top": self.top,
            "shards": self.shards,
            "files": [asdict(entry) for entry in self.files],
            "bad": [asdict(entry) for entry in self.bad],
        }


def read_manifest(folder: Path) -> Manifest | None:
    """The atlas in ``folder``; None when there is no manifest; AtlasError when unreadable."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise AtlasError(f"Cannot read the atlas '{folder}': {_reason(error)}.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AtlasError(f"'{folder}' is not an alexnet-viewer atlas.")
    if data.get("version") != VERSION:
        raise AtlasError(f"The atlas '{folder}' has format version {data.get('version')!r}; this program reads {VERSION}.")
    try:
        manifest = Manifest(
            weights=dict(data["weights"]),
            preprocess=dict(data["preprocess"]),
            top_k=int(data["top_k"]),
            layers=tuple(LayerBlock(**block) for block in data["layers"]),
            folders=[str(name) for name in data["folders"]],
            files=[FileEntry(**entry) for entry in data["files"]],
            shards=[str(name) for name in data["shards"]],
            bad=[BadFile(**entry) for entry in data.get("bad", [])],
            top=str(data["top"]),
            complete=bool(data["complete"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise AtlasError(f"The atlas '{folder}' has a damaged manifest ({_reason(error)}).") from None
    for name in [manifest.top, *manifest.shards]:
        if not _OWN_FILE.match(name) or "/" in name:
            raise AtlasError(f"The atlas '{folder}' has a damaged manifest (bad file name {name!r}).")
    return manifest


def is_own_file(name: str) -> bool:
    """A name this format writes (the manifest, top-K and records files, their temporaries)."""
    return bool(_OWN_FILE.match(name))


def new_name(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(6)}.npz"


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    def write(target: Path) -> None:
        with open(target, "wb") as stream:  # a file object: np.savez would add ".npz" to a name
            np.savez(stream, **arrays)

    write_atomically(path, write)


def _load_npz(path: Path, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return tuple(np.asarray(data[name]) for name in names)
    except (OSError, KeyError, ValueError) as error:
        raise AtlasError(f"Cannot read '{path.name}' of the atlas '{path.parent}': {_reason(error)}.") from None


def write_records(folder: Path, values: np.ndarray, positions: np.ndarray) -> str:
    """A new records file for (pictures, channels) maxima; returns its name."""
    name = new_name("records")
    _save_npz(folder / name, values=values.astype(np.float32, copy=False), positions=positions.astype(np.int16, copy=False))
    return name


def read_records(folder: Path, name: str, channels: int) -> tuple[np.ndarray, np.ndarray]:
    values, positions = _load_npz(folder / name, ("values", "positions"))
    if values.ndim != 2 or values.shape[1] != channels or positions.shape != values.shape:
        raise AtlasError(f"The records '{name}' of the atlas '{folder}' do not match its layers.")
    return values.astype(np.float32, copy=False), positions.astype(np.int16, copy=False)


def read_top(folder: Path, manifest: Manifest) -> TopK:
    """The top-K, with picture indices into ``manifest.files``."""
    values, pictures, positions = _load_npz(folder / manifest.top, ("values", "pictures", "positions"))
    shape = (manifest.channels, manifest.top_k)
    if values.shape != shape or pictures.shape != shape or positions.shape != shape:
        raise AtlasError(f"The top-K of the atlas '{folder}' does not match its manifest.")
    if pictures.size and (pictures.min() < -1 or pictures.max() >= len(manifest.files)):
        raise AtlasError(f"The top-K of the atlas '{folder}' names pictures it does not list.")
    return TopK.from_arrays(values, pictures, positions)


def commit(folder: Path, manifest: Manifest, top: TopK) -> None:
    """Write ``top`` (picture indices into ``manifest.files``), then the manifest; then drop
    the files no longer referenced (records of removed pictures, older top-Ks). The unused
    records files leave ``manifest.shards`` and the entries' shard numbers change to match."""
    _drop_unused_shards(manifest)
    manifest.top = new_name("top")
    _save_npz(
        folder / manifest.top,
        values=top.values(),
        pictures=top.pictures().astype(np.int32),
        positions=top.positions,
    )
    write_json(folder / MANIFEST, manifest.to_json())
    remove_unreferenced(folder, manifest)


def _drop_unused_shards(manifest: Manifest) -> None:
    used = sorted({entry.shard for entry in manifest.files})
    renumber = {old: new for new, old in enumerate(used)}
    manifest.shards = [manifest.shards[old] for old in used]
    manifest.files = [
        FileEntry(entry.path, entry.size, entry.mtime_ns, renumber[entry.shard], entry.row) for entry in manifest.files
    ]


def remove_unreferenced(folder: Path, manifest: Manifest | None) -> None:
    """Delete this format's files (and leftover temporaries) that the manifest does not name."""
    keep = {MANIFEST} | ({manifest.top, *manifest.shards} if manifest is not None else set())
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name not in keep and is_own_file(name):
            try:
                (folder / name).unlink()
            except OSError:
                pass


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error).splitlines()[0] if str(error) else type(error).__name__
