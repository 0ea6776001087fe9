"""Each atlas picture's relu7 code and 224x224 crop, for the neighbours and the map.

Kept beside the atlas's own files, in ``<atlas>/codes/``:

- ``index.json``: format and version, the weights' SHA-256 and the preprocessing they were
  made with, the shard names, and every picture (path, size, mtime_ns, shard, row);
- ``<id>-codes.npy``: (pictures, 4096) float32, the output of the ReLU after fc7 in eval mode
  (float32, not float16: the codes are a tenth of the crops' size, so halving them saves little
  and would cost exact ranking);
- ``<id>-crops.npy``: (pictures, 224, 224, 3) uint8, the crop the network saw (HWC, as a
  Result's ``crop``), for the pixel comparison and the thumbnails; ``.npy`` so it can be
  memory-mapped.

The index is written last (atomically), so it names only complete shards. A shard is checked
as it is opened (``open_shard``: kinds, shapes, the crop size, finite codes); a damaged one is
one sentence for ``atlas neighbours`` and ``atlas map`` and is coded again by the next build.
A picture's code counts only while its path, size and mtime match the atlas manifest's entry.
A build writes the codes of the pictures it decodes anyway and then decodes once more only
the pictures the atlas holds without a code (an atlas made before codes existed, or with
other weights).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from numpy.lib import format as npy
from torch import nn

from alexnet_viewer.core.atlas.manifest import MAX_MANIFEST_BYTES, FileEntry, compact_shards
from alexnet_viewer.core.output_files import os_reason, write_atomically, write_json

FORMAT = "alexnet-viewer atlas codes"
VERSION = 1
FOLDER = "codes"
INDEX = "index.json"
_SHARD = re.compile(r"^[0-9a-f]{12}$")
CODE_WIDTH = 4096  # fc7's outputs
_CHECK_ROWS = 1024


@dataclass
class CodeIndex:
    weights_sha256: str
    preprocess: dict
    shards: list[str] = field(default_factory=list)
    files: dict[str, FileEntry] = field(default_factory=dict)  # by path

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "weights_sha256": self.weights_sha256,
            "preprocess": self.preprocess,
            "shards": self.shards,
            "files": [asdict(entry) for entry in sorted(self.files.values(), key=lambda e: e.path)],
        }


def read_index(atlas: Path) -> CodeIndex | None:
    """The codes index of ``atlas``; None when there is none or it is damaged (codes are redone)."""
    path = Path(atlas) / FOLDER / INDEX
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:  # refused before it is read, as the manifest
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            return None
        shards = [str(name) for name in data["shards"]]
        if not all(_SHARD.match(name) for name in shards):
            return None
        files = {}
        for item in data["files"]:
            entry = FileEntry(str(item["path"]), int(item["size"]), int(item["mtime_ns"]), int(item["shard"]), int(item["row"]))
            if not 0 <= entry.shard < len(shards) or entry.row < 0:
                return None
            files[entry.path] = entry
        return CodeIndex(str(data["weights_sha256"]), dict(data["preprocess"]), shards, files)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def shard_paths(atlas: Path, name: str) -> tuple[Path, Path]:
    folder = Path(atlas) / FOLDER
    return folder / f"{name}-codes.npy", folder / f"{name}-crops.npy"


def open_shard(atlas: Path, index: CodeIndex, shard: int) -> tuple[np.ndarray, np.ndarray]:
    """Shard ``shard``'s codes and crops, memory-mapped and checked: (n, 4096) finite float32
    codes and (n, H, W, 3) uint8 crops of the index's crop size; ValueError (a clause) otherwise."""
    code_path, crop_path = shard_paths(atlas, index.shards[shard])
    codes, crops = _mapped(code_path), _mapped(crop_path)
    height, width = (list(index.preprocess.get("crop", [])) * 2)[:2] or (None, None)
    if codes.dtype != np.float32 or codes.ndim != 2 or codes.shape[1] != CODE_WIDTH:
        raise ValueError(f"'{code_path.name}' holds {codes.dtype} {codes.shape}, not (pictures, {CODE_WIDTH}) float32 codes")
    if crops.dtype != np.uint8 or crops.shape[1:] != (height, width, 3) or len(crops) != len(codes):
        raise ValueError(f"'{crop_path.name}' holds {crops.dtype} {crops.shape}, not ({len(codes)}, {height}, {width}, 3) uint8 crops")
    for start in range(0, len(codes), _CHECK_ROWS):  # a chunk at a time: memory per chunk, not per shard
        if not np.isfinite(codes[start : start + _CHECK_ROWS]).all():
            raise ValueError(f"'{code_path.name}' holds codes that are not finite numbers")
    return codes, crops


def _mapped(path: Path) -> np.ndarray:
    """The .npy file memory-mapped once its header is read: no objects, no more than the file holds."""
    not_npy = ValueError(f"'{path.name}' is not a NumPy array file")
    try:
        with open(path, "rb") as stream:
            read_header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(npy.read_magic(stream))
            if read_header is None:
                raise not_npy
            shape, _fortran, dtype = read_header(stream)
            size = path.stat().st_size - stream.tell()
    except OSError as error:
        raise ValueError(f"'{path.name}' cannot be read ({os_reason(error).lower()})") from None
    except (ValueError, EOFError, SyntaxError):
        raise not_npy from None
    if dtype.hasobject:
        raise ValueError(f"'{path.name}' holds Python objects, which are never loaded")
    if math.prod(shape) * dtype.itemsize > size:
        raise ValueError(f"'{path.name}' is cut short")
    try:
        return np.load(path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError):
        raise not_npy from None


def write_shard(atlas: Path, codes: np.ndarray, crops: np.ndarray) -> str:
    """A new shard of (n, 4096) codes and (n, H, W, 3) uint8 crops; returns its name."""
    name = secrets.token_hex(6)
    (Path(atlas) / FOLDER).mkdir(parents=True, exist_ok=True)
    for path, array in zip(shard_paths(atlas, name), (codes.astype(np.float32), crops.astype(np.uint8))):
        write_atomically(path, lambda target, array=array: _save_npy(target, array))
    return name


def _save_npy(target: Path, array: np.ndarray) -> None:
    with open(target, "wb") as stream:
        np.save(stream, np.ascontiguousarray(array), allow_pickle=False)


def write_index(atlas: Path, index: CodeIndex, keep: set[tuple[str, int, int]] | None = None) -> None:
    """Write the index (only the pictures in ``keep`` when given), then drop unused shards."""
    if keep is not None:
        index.files = {p: e for p, e in index.files.items() if (e.path, e.size, e.mtime_ns) in keep}
    index.shards, entries = compact_shards(index.shards, list(index.files.values()))
    index.files = {entry.path: entry for entry in entries}
    folder = Path(atlas) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / INDEX, index.to_json())
    names = {path.name for name in index.shards for path in shard_paths(atlas, name)}
    for entry in os.listdir(folder):
        if entry.endswith(".npy") and entry not in names:
            try:
                (folder / entry).unlink()
            except OSError:
                pass


def relu7(model: nn.Module, pool5: torch.Tensor) -> torch.Tensor:
    """fc7 after its ReLU from pool5's output, in eval mode (dropout is the identity)."""
    x = torch.flatten(model.avgpool(pool5), 1)
    classifier = model.classifier
    x = torch.relu(classifier[1](x))  # fc6, relu6
    return torch.relu(classifier[4](x))  # fc7, relu7


def crops_from_batch(batch: torch.Tensor, transforms: object) -> np.ndarray:
    """The uint8 (n, H, W, 3) crops a normalised batch was made from (exact: it was crop/255)."""
    mean = torch.tensor(transforms.mean, device=batch.device).view(1, 3, 1, 1)
    std = torch.tensor(transforms.std, device=batch.device).view(1, 3, 1, 1)
    pixels = (batch * std + mean).mul_(255).round_().clamp_(0, 255).to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).cpu().numpy()


class CodeCapture:
    """A forward hook on ``model.features`` that, while armed, keeps the batch's relu7 codes."""

    def __init__(self, model: nn.Module) -> None:
        self._model = model
        self._armed = False
        self._codes: torch.Tensor | None = None
        self._handle = model.features.register_forward_hook(self._hook)

    def _hook(self, _module, _inputs, output: torch.Tensor) -> None:
        if self._armed:
            self._codes = relu7(self._model, output)

    @contextmanager
    def armed(self):
        self._armed, self._codes = True, None
        try:
            yield
        finally:
            self._armed = False

    def take(self) -> np.ndarray:
        codes, self._codes = self._codes, None
        if codes is None:
            raise RuntimeError("no forward ran while the capture was armed")
        return codes.float().cpu().numpy()

    def codes_of(self, batch: torch.Tensor) -> np.ndarray:
        with self.armed(), torch.inference_mode():
            self._model.features(batch)
        return self.take()

    def remove(self) -> None:
        self._handle.remove()
