"""The codes' part of ``atlas build``: kept from the build's own forward, then the missing ones.

Every rank writes the shards of its own pictures (into the atlas folder, which torchrun's
ranks share) and hands their names and picture numbers to rank 0, which alone writes the
index. After the build's pass, the pictures the atlas holds without a valid code (an atlas
made before codes existed) are decoded once more and run through the network up to relu7.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from alexnet_viewer.core.atlas.codes import (
    CodeCapture, CodeIndex, crops_from_batch, open_shard, read_index, write_index, write_shard,
)
from alexnet_viewer.core.atlas.manifest import FileEntry
from alexnet_viewer.core.atlas.pictures import batch_sizes, batches
from alexnet_viewer.core.model.device_gate import device_work


class CodeRun:
    def __init__(self, loaded, out: Path, comm, plan) -> None:
        self._loaded, self._out, self._comm, self._plan = loaded, Path(out), comm, plan
        self.capture = CodeCapture(loaded.model)
        self._waiting: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._index: CodeIndex | None = None
        if plan is not None:
            sha, preprocess = plan.manifest.weights.get("sha256", ""), plan.manifest.preprocess
            index = read_index(out)
            if index is None or index.weights_sha256 != sha or index.preprocess != preprocess:
                index = CodeIndex(sha, preprocess)
            self._index = _without_damaged_shards(out, index)

    def keep(self, indices: np.ndarray, pictures: torch.Tensor, crops: torch.Tensor | None = None) -> None:
        """The codes of the forward that just ran (armed) for the plan's pictures ``indices``,
        and their (n, 3, H, W) uint8 ``crops`` (when not given, recovered from ``pictures``)."""
        codes = self.capture.take()
        if crops is None:
            kept = crops_from_batch(pictures, self._loaded.transforms)
        else:
            kept = crops.permute(0, 2, 3, 1).numpy()
        self._waiting.append((indices, codes, kept))

    def flush(self) -> None:
        parts = []
        if self._waiting:
            indices = np.concatenate([part[0] for part in self._waiting])
            name = write_shard(self._out, np.concatenate([p[1] for p in self._waiting]), np.concatenate([p[2] for p in self._waiting]))
            parts = [(name, indices.tolist())]
        self._waiting = []
        gathered = self._comm.collect(parts)
        if self._index is None or not gathered:
            return
        plan, index = self._plan, self._index
        for name, indices in gathered:
            index.shards.append(name)
            shard = len(index.shards) - 1
            for row, i in enumerate(indices):
                size, mtime_ns = plan.stats[i]
                index.files[plan.paths[i]] = FileEntry(plan.paths[i], size, mtime_ns, shard, row)
        write_index(self._out, index)

    def complete(self, batch_size: int, workers: int, draft, progress=None, decoder=None) -> int:
        """Code the atlas's pictures that have none (JPEGs decoded by ``decoder`` when given:
        core/atlas/tensor_decode.py); prune the index; the number coded."""
        missing = self._comm.share(self._missing())
        mine = missing[self._comm.rank :: self._comm.world]
        steps = len(batch_sizes(math.ceil(len(missing) / self._comm.world), batch_size, workers))
        device = self._loaded.device
        stream = batches(
            [Path(path) for _, path in mine], self._loaded.transforms, batch_size, workers, draft,
            pin_memory=device.type == "cuda", decoder=decoder,
        )
        done = 0
        for _ in range(steps):
            batch = next(stream, None)
            if batch is not None:
                if batch.pictures is not None:
                    with device_work(device):  # alone on MPS (core/model/device_gate.py)
                        pictures = batch.pictures.to(device)
                        with self.capture.armed(), torch.inference_mode():
                            self._loaded.model.features(pictures)
                        indices = np.array([mine[j][0] for j in batch.indices], np.int64)
                        self.keep(indices, pictures, batch.crops)
                done += len(batch.indices) + len(batch.errors)
            self.flush()
            if progress is not None and self._comm.is_root:
                progress(min(len(missing), done * self._comm.world), len(missing))
        if self._index is not None:
            plan = self._plan
            keep = {(plan.paths[i], *plan.stats[i]) for i in plan.recorded}
            write_index(self._out, self._index, keep)
        self.remove()
        return len(missing)

    def _missing(self) -> list[tuple[int, str]]:
        if self._index is None:
            return []
        plan, files = self._plan, self._index.files
        missing = []
        for i in sorted(self._plan.recorded):
            entry = files.get(plan.paths[i])
            if entry is None or (entry.size, entry.mtime_ns) != tuple(plan.stats[i]):
                missing.append((i, plan.paths[i]))
        return missing

    def remove(self) -> None:
        self.capture.remove()


def _without_damaged_shards(out: Path, index: CodeIndex) -> CodeIndex:
    """The index less the pictures whose shard does not read back whole (they are coded again)."""
    rows: dict[int, int] = {}
    for shard in range(len(index.shards)):
        try:
            rows[shard] = len(open_shard(out, index, shard)[0])
        except ValueError:
            rows[shard] = 0
    index.files = {path: entry for path, entry in index.files.items() if entry.row < rows[entry.shard]}
    return index
