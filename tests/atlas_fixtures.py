"""Small picture folders for the atlas tests, and reading an atlas back as plain data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_picture(path: Path, seed: int, size: tuple[int, int] = (64, 48)) -> Path:
    """A small picture with structure (stripes over noise), different for every seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    rows, cols = np.mgrid[0:height, 0:width]
    stripes = (np.sin(cols / (2 + seed % 5) + rows / (3 + seed % 3)) * 100 + 128)[..., None]
    pixels = np.clip(stripes * rng.uniform(0.3, 1.0, 3) + rng.normal(0, 30, (height, width, 3)), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8)).save(path, quality=92)
    return path


def make_folder(root: Path, count: int = 7) -> Path:
    """``count`` pictures (PNG and JPEG, one in a sub-folder), a damaged file and a hidden one."""
    folder = root / "pictures"
    for i in range(count):
        suffix = ".jpg" if i % 3 == 2 else ".png"
        where = folder / "sub" if i == count - 1 else folder
        write_picture(where / f"p{i:02d}{suffix}", seed=i)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    write_picture(folder / ".hidden.png", seed=99)
    return folder


def atlas_by_path(out: Path) -> dict:
    """The stored top-K with picture paths instead of indices, and every record by path."""
    from alexnet_viewer.core.atlas.store import read_manifest, read_records, read_top

    manifest = read_manifest(out)
    top = read_top(out, manifest)
    names = np.array([entry.path for entry in manifest.files] + [""])
    records = {}
    for entry in manifest.files:
        values, positions = read_records(out, manifest.shards[entry.shard], manifest)
        records[entry.path] = (values[entry.row], positions[entry.row])
    return {
        "paths": names[top.pictures()],
        "values": top.values(),
        "positions": top.positions,
        "records": records,
        "files": [entry.path for entry in manifest.files],
        "bad": [entry.path for entry in manifest.bad],
        "complete": manifest.complete,
    }


def assert_same_atlas(first: dict, second: dict) -> None:
    assert first["files"] == second["files"]
    assert first["bad"] == second["bad"]
    np.testing.assert_array_equal(first["paths"], second["paths"])
    np.testing.assert_array_equal(first["values"], second["values"])
    np.testing.assert_array_equal(first["positions"], second["positions"])
    assert first["records"].keys() == second["records"].keys()
    for path, (values, positions) in first["records"].items():
        np.testing.assert_array_equal(values, second["records"][path][0])
        np.testing.assert_array_equal(positions, second["records"][path][1])


def assert_ranked_as(atlas: dict, paths: list, brute: tuple, rtol: float, atol: float) -> None:
    """The atlas read back (``atlas_by_path``) holds, channel by channel, the pictures, values
    and positions of a brute-force ranking ``brute`` = (maxima, positions, order) of ``paths``."""
    maxima, where, order = brute
    channels = np.arange(maxima.shape[1])[:, None]
    np.testing.assert_array_equal(atlas["paths"], np.array([[str(paths[i]) for i in row] for row in order]))
    np.testing.assert_allclose(atlas["values"], maxima[order, channels], rtol=rtol, atol=atol)
    np.testing.assert_array_equal(atlas["positions"], where[order, channels])
