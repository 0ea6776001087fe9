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
import secrets
from pathlib import Path

import numpy as np

from alexnet_viewer.core.output_files import write_atomically, write_json
from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.npz_files import DamagedArchive, Want, read_arrays, read_headers
from alexnet_viewer.core.atlas.manifest import (
    FORMAT,
    MAX_MANIFEST_BYTES,
    MAX_PICTURES,
    MAX_TOP_K,
    VERSION,
    BadFile,
    FileEntry,
    Manifest,
    compact_shards,
    is_own_file,
    manifest_from_json,
)
from alexnet_viewer.core.atlas.topk import TopK

__all__ = ["AtlasError", "BadFile", "FileEntry", "Manifest", "MANIFEST", "is_own_file", "read_manifest"]

MANIFEST = "manifest.json"
MEND = "run 'alexnet-viewer atlas build' on it again to rebuild the damaged part, or with --force to start again"


class AtlasError(ViewerError):
    """An atlas folder that cannot be read or written; ``str`` is one sentence."""


def read_manifest(folder: Path) -> Manifest | None:
    """The atlas in ``folder``; None when there is no manifest; AtlasError when unreadable."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise AtlasError(f"The manifest of the atlas '{folder}' is too large to be one; {MEND}.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AtlasError(f"Cannot read the atlas '{folder}': {_reason(error)}.") from None
    except UnicodeDecodeError:
        raise AtlasError(f"Cannot read the atlas '{folder}': its manifest is not text; {MEND}.") from None
    except (ValueError, RecursionError) as error:
        where = f" (line {error.lineno}, column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
        raise AtlasError(f"Cannot read the atlas '{folder}': its manifest is not valid JSON{where}; {MEND}.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AtlasError(f"'{folder}' is not an alexnet-viewer atlas.")
    if data.get("version") != VERSION:
        raise AtlasError(f"The atlas '{folder}' has format version {data.get('version')!r}; this program reads {VERSION}.")
    try:
        return manifest_from_json(data)
    except (ValueError, TypeError) as error:
        raise AtlasError(f"The atlas '{folder}' has a damaged manifest ({_reason(error)}); {MEND}.") from None


def new_name(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(6)}.npz"


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    def write(target: Path) -> None:
        with open(target, "wb") as stream:  # a file object: np.savez would add ".npz" to a name
            np.savez(stream, **arrays)

    write_atomically(path, write)


def _position_limits(manifest: Manifest) -> np.ndarray:
    """Per channel, one past its largest flat position (height * width of its layer)."""
    return np.repeat([block.height * block.width for block in manifest.layers], [block.channels for block in manifest.layers])


def _load(folder: Path, name: str, wanted: dict[str, Want]) -> dict[str, np.ndarray]:
    try:
        return read_arrays(folder / name, wanted)
    except DamagedArchive as error:
        raise AtlasError(f"The file '{name}' of the atlas '{folder}' is damaged: {error}; {MEND}.") from None


def _records_wanted(channels: int) -> dict[str, Want]:
    most = MAX_PICTURES * channels
    return {"values": Want("f", 2, most), "positions": Want("iu", 2, most)}


def write_records(folder: Path, values: np.ndarray, positions: np.ndarray) -> str:
    """A new records file for (pictures, channels) maxima; returns its name."""
    name = new_name("records")
    _save_npz(folder / name, values=values.astype(np.float32, copy=False), positions=positions.astype(np.int16, copy=False))
    return name


def read_records(folder: Path, name: str, manifest: Manifest, rows: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A records file, checked: (pictures ≥ ``rows``, channels), finite, positions inside their layers."""
    arrays = _load(folder, name, _records_wanted(manifest.channels))
    values, positions = arrays["values"], arrays["positions"]
    damaged = _records_fault(values.shape, positions.shape, manifest.channels, rows)
    if damaged is None and not np.all(np.isfinite(values)):
        damaged = "it holds values that are not finite numbers"
    if damaged is None and np.any((positions < 0) | (positions >= _position_limits(manifest)[None, :])):
        damaged = "it holds positions outside their layers"
    if damaged is not None:
        raise AtlasError(f"The file '{name}' of the atlas '{folder}' is damaged: {damaged}; {MEND}.")
    return values.astype(np.float32, copy=False), positions.astype(np.int16, copy=False)


def check_records(folder: Path, name: str, manifest: Manifest, rows: int) -> None:
    """A cheap look at a records file (its arrays' headers only); AtlasError when damaged."""
    try:
        shapes = read_headers(folder / name, _records_wanted(manifest.channels))
    except DamagedArchive as error:
        raise AtlasError(f"The file '{name}' of the atlas '{folder}' is damaged: {error}; {MEND}.") from None
    damaged = _records_fault(shapes["values"], shapes["positions"], manifest.channels, rows)
    if damaged is not None:
        raise AtlasError(f"The file '{name}' of the atlas '{folder}' is damaged: {damaged}; {MEND}.")


def _records_fault(values: tuple, positions: tuple, channels: int, rows: int) -> str | None:
    if values[1] != channels or positions != values:
        return f"its arrays are {values} and {positions}, not (pictures, {channels})"
    if values[0] < rows:
        return f"it holds {values[0]} pictures where the manifest needs {rows}"
    return None


def read_top(folder: Path, manifest: Manifest) -> TopK:
    """The top-K, with picture indices into ``manifest.files``; checked against the manifest."""
    shape = (manifest.channels, manifest.top_k)
    most = manifest.channels * MAX_TOP_K
    arrays = _load(folder, manifest.top, {"values": Want("f", 2, most), "pictures": Want("iu", 2, most), "positions": Want("iu", 2, most)})
    values, pictures, positions = arrays["values"], arrays["pictures"], arrays["positions"]
    filled = pictures != -1
    damaged = None
    if values.shape != shape or pictures.shape != shape or positions.shape != shape:
        damaged = f"its arrays are not ({manifest.channels} channels, K = {manifest.top_k})"
    elif pictures.size and (pictures.min() < -1 or pictures.max() >= len(manifest.files)):
        damaged = "it names pictures the manifest does not list"
    elif not np.all(np.isfinite(values[filled])):
        damaged = "it holds values that are not finite numbers"
    elif np.any(filled & ((positions < 0) | (positions >= _position_limits(manifest)[:, None]))):
        damaged = "it holds positions outside their layers"
    if damaged is not None:
        raise AtlasError(f"The top-K '{manifest.top}' of the atlas '{folder}' is damaged: {damaged}; {MEND}.")
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
    manifest.shards, manifest.files = compact_shards(manifest.shards, manifest.files)


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
