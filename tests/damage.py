"""Ways to damage a file the app reads back: each takes the path and damages it in place."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from numpy.lib import format as npy


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def empty(path: Path) -> None:
    path.write_bytes(b"")


def absurd_size(size: int):
    """The file grown to ``size`` bytes (sparse: zeros that take no disk)."""

    def damage(path: Path) -> None:
        os.truncate(path, size)

    return damage


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: np.array(data[name]) for name in data.files}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as stream:  # np.savez pickles an object array, as a foreign tool might
        np.savez(stream, **arrays)


def change_npz(name: str, change) -> callable:
    """A damage that replaces array ``name`` by ``change(array)``."""

    def damage(path: Path) -> None:
        arrays = read_npz(path)
        arrays[name] = change(arrays[name])
        write_npz(path, arrays)

    return damage


def pickled(name: str):
    """Array ``name`` as an object array (its values pickled)."""
    return change_npz(name, lambda a: np.array([object()] + [None] * (a.size - 1), dtype=object).reshape(a.shape))


def absurd_header(name: str, shape: tuple[int, ...] = (10**9, 10**6), descr: str = "<f4"):
    """Array ``name``'s header claims ``shape`` (petabytes); only a few bytes follow."""

    def damage(path: Path) -> None:
        arrays = read_npz(path)
        with zipfile.ZipFile(path, "w") as archive:
            for key, array in arrays.items():
                member = io.BytesIO()
                if key == name:
                    npy.write_array_header_1_0(member, {"descr": descr, "fortran_order": False, "shape": shape})
                    member.write(b"\0" * 64)
                else:
                    npy.write_array(member, array)
                archive.writestr(key + ".npy", member.getvalue())

    return damage


def change_json(change) -> callable:
    """A damage that rewrites a JSON file through ``change(data)`` (which may edit in place)."""

    def damage(path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        result = change(data)
        path.write_text(json.dumps(data if result is None else result), encoding="utf-8")

    return damage


@contextmanager
def peak_memory(limit_bytes: int):
    """Fails when Python and NumPy allocate more than ``limit_bytes`` at once inside."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_bytes, f"{peak:,} bytes at the peak"


def change_npy(change) -> callable:
    """A damage that replaces a .npy file's array by ``change(array)`` (objects are pickled)."""

    def damage(path: Path) -> None:
        array = np.load(path, allow_pickle=False)
        with open(path, "wb") as stream:
            np.save(stream, change(array), allow_pickle=True)

    return damage


def absurd_npy_header(shape: tuple[int, ...] = (10**9, 4096), descr: str = "<f4"):
    """A .npy file whose header claims ``shape`` (terabytes); only a few bytes follow."""

    def damage(path: Path) -> None:
        with open(path, "wb") as stream:
            npy.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False, "shape": shape})
            stream.write(b"\0" * 64)

    return damage
