"""The one reader for the .npz files the app reads back (atlas records and top-K, cached
visualisations): every array's header is checked (kind of number, dimensions, a count that
fits in memory) before a byte of it is allocated, and objects are never unpickled.

A damaged archive (truncated, garbage, a pickled object array, an absurd shape) raises
DamagedArchive, a ValueError whose text is a clause such as "its array 'values' holds
Python objects", for the caller to put in a sentence that names the file.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

# Everything a damaged zip or .npy member can raise while being read.
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)


class DamagedArchive(ValueError):
    """An archive that is not what was written; ``str`` is a clause (no capital, no full stop)."""


@dataclass(frozen=True)
class Want:
    """What one array must be: numpy dtype kinds (e.g. "f", "iu"), dimensions, most elements."""

    kinds: str
    ndim: int
    max_items: int


def read_arrays(path: Path, wanted: dict[str, Want]) -> dict[str, np.ndarray]:
    """The named arrays of ``path``; DamagedArchive when one is missing or not as wanted."""
    return _read(path, wanted, load=True)


def read_headers(path: Path, wanted: dict[str, Want]) -> dict[str, tuple[int, ...]]:
    """The named arrays' shapes, from their headers alone (a cheap check of a large file)."""
    return _read(path, wanted, load=False)


def _read(path: Path, wanted: dict[str, Want], load: bool) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            found = {}
            for name, want in wanted.items():
                member = _member(archive, name)
                with archive.open(member) as stream:
                    shape, dtype = _header(stream, name)
                _check(name, shape, dtype, want, member.file_size)
                if not load:
                    found[name] = shape
                    continue
                with archive.open(member) as stream:  # read_array reads the header again
                    found[name] = npy.read_array(stream, allow_pickle=False)
                if found[name].shape != shape:
                    raise DamagedArchive(f"its array '{name}' is cut short")
            return found
    except DamagedArchive:
        raise
    except FileNotFoundError:
        raise DamagedArchive("it is missing") from None
    except zipfile.BadZipFile:
        raise DamagedArchive("it is not a NumPy archive (a damaged or truncated zip file)") from None
    except _READ_ERRORS as error:
        raise DamagedArchive(f"it cannot be read ({_clause(error)})") from None


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name + ".npy")
    except KeyError:
        raise DamagedArchive(f"it has no array '{name}'") from None


def _header(stream, name: str) -> tuple[tuple[int, ...], np.dtype]:
    try:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, _fortran, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _fortran, dtype = npy.read_array_header_2_0(stream)
        else:
            raise DamagedArchive(f"its array '{name}' has an unknown format version {version}")
    except DamagedArchive:
        raise
    except _READ_ERRORS:
        raise DamagedArchive(f"its array '{name}' has a damaged header") from None
    return tuple(int(side) for side in shape), dtype


def _check(name: str, shape: tuple[int, ...], dtype: np.dtype, want: Want, stored_bytes: int) -> None:
    if dtype.hasobject:
        raise DamagedArchive(f"its array '{name}' holds Python objects, which are never loaded")
    if dtype.kind not in want.kinds or dtype.fields is not None or dtype.subdtype is not None:
        raise DamagedArchive(f"its array '{name}' holds {dtype} numbers, not the kind this file keeps")
    if len(shape) != want.ndim:
        raise DamagedArchive(f"its array '{name}' has {len(shape)} dimensions, not {want.ndim}")
    items = math.prod(shape)
    if items > want.max_items:
        raise DamagedArchive(f"its array '{name}' claims {items:,} values, more than such a file can hold")
    if items * dtype.itemsize > stored_bytes:
        raise DamagedArchive(f"its array '{name}' claims more values than the file holds")


def _clause(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.rstrip(".")
