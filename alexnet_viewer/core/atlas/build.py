"""``atlas build``: one batched pass over the new or changed pictures, merged into the top-K.

The pictures are decoded ahead in worker processes, run through ``model.features`` in
batches with hooks that keep each channel's spatial maximum, and merged exactly into the
top-K. Records are flushed to a new records file every ``flush_rows`` pictures and the
atlas is committed (top-K, then manifest) at least every ``commit_seconds``, so a killed
build loses at most that much and the next build resumes from the last commit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic, perf_counter

import numpy as np
import torch

from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.core.atlas import store
from alexnet_viewer.core.atlas.capture import SpatialMaxima, channel_layout
from alexnet_viewer.core.atlas.code_pass import CodeRun
from alexnet_viewer.core.atlas.distributed import Solo
from alexnet_viewer.core.atlas.identity import preprocess_identity, weights_identity
from alexnet_viewer.core.atlas.pictures import batch_sizes, batches, draft_size
from alexnet_viewer.core.atlas.plan import Plan, make_plan
from alexnet_viewer.core.atlas.rescore import full_decode_rescorer
from alexnet_viewer.core.atlas.tensor_decode import DECODERS, TensorDecoder, uses_tensor_decoding
from alexnet_viewer.core.atlas.store import AtlasError, BadFile, FileEntry

__all__ = ["AtlasError", "BuildOptions", "BuildReport", "build_atlas"]


@dataclass(frozen=True)
class BuildOptions:
    top_k: int = 9
    batch_size: int = 64
    workers: int = 0  # decoding processes; 0 decodes in this process, by threads, between batches
    force: bool = False  # rebuild an atlas made with other weights or preprocessing
    draft: bool = True  # find candidates in JPEGs decoded at a reduced scale, rescore them in full (rescore.py)
    commit_seconds: float = 60.0
    flush_rows: int = 8192
    # "torchvision": JPEGs decoded on the model's device (tensor_decode.py), candidates rescored
    # with Pillow; "pillow": in the workers; "auto": torchvision on CUDA in draft mode, else pillow.
    jpeg_decoder: str = "auto"

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.batch_size < 1 or self.workers < 0 or self.flush_rows < 1:
            raise ValueError("top_k, batch_size and flush_rows must be at least 1, workers at least 0")
        if self.jpeg_decoder not in DECODERS:
            raise ValueError(f"jpeg_decoder is one of {', '.join(DECODERS)}, not {self.jpeg_decoder!r}")


@dataclass
class BuildReport:
    pictures: int = 0  # in the atlas now
    processed: int = 0  # decoded and run in this build (all ranks)
    reused: int = 0  # records kept from the atlas as it was
    dropped: int = 0  # pictures the atlas held that are gone or changed
    bad: int = 0  # files that could not be used (all ranks)
    seconds: float = 0.0  # the pass: decoding, forward, merging and writing
    coded: int = 0  # pictures held without a relu7 code, decoded again for it
    up_to_date: bool = False
    repaired: list[str] = field(default_factory=list)  # damaged files found, and what was done


Progress = Callable[[int, int], None]  # (pictures done, pictures to do)


def build_atlas(
    loaded,
    folders: list[Path],
    out: Path,
    options: BuildOptions = BuildOptions(),
    *,
    spec: WeightsSpec | None = None,
    comm: Solo | None = None,
    progress: Progress | None = None,
    on_bad: Callable[[str], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> BuildReport:
    """Build or update the atlas in ``out``; AtlasError (one sentence) for bad folders or atlas.

    Under torchrun every rank calls this with its ``comm``; rank 0 plans and writes.
    """
    comm = comm or Solo()
    out = Path(out)
    model, device = loaded.model, loaded.device
    draft = draft_size(loaded.transforms) if options.draft else None
    on_device = uses_tensor_decoding(options.jpeg_decoder, device, options.draft)
    decoder = TensorDecoder(loaded.transforms, device) if on_device else None
    layers = channel_layout(model, Preprocessor(loaded.transforms, torch.device("cpu")).batch_shape)
    plan, error = None, None
    if comm.is_root:
        try:
            plan = make_plan(
                list(folders), out, weights_identity(loaded, spec), preprocess_identity(loaded.transforms, draft),
                layers, options.top_k, options.force,
            )
        except AtlasError as failure:
            error = str(failure)
    if plan is not None and on_bad is not None:
        for entry in plan.bad.values():
            on_bad(f"{entry.reason.rstrip('.')} (unchanged since an earlier build).")
    shared = comm.share((error, None if plan is None else (plan.up_to_date, len(plan.bad), [(i, plan.paths[i]) for i in plan.todo])))
    if shared[0] is not None:
        raise AtlasError(shared[0])
    up_to_date, carried_bad, todo = shared[1]
    report = BuildReport(up_to_date=up_to_date, bad=carried_bad, repaired=list(plan.repaired) if plan is not None else [])
    if plan is not None:
        report.reused, report.dropped, report.pictures = len(plan.recorded), plan.dropped, len(plan.recorded)
    codes = CodeRun(loaded, out, comm, plan)  # relu7 codes and crops (core/atlas/code_pass.py)
    if up_to_date:
        report.coded = codes.complete(options.batch_size, options.workers, draft, progress, decoder)
        return report
    start = perf_counter()
    run = _Run(comm, plan, out, options, layers, len(todo), progress)
    maxima = SpatialMaxima(model, layers)
    if (draft is not None or on_device) and plan is not None:
        run.rescore = full_decode_rescorer(
            maxima, loaded.transforms, device, plan.paths, options.batch_size, draft, tensor_decoded=on_device,
        )
    try:
        mine = todo[comm.rank :: comm.world]
        per_rank = math.ceil(len(todo) / comm.world)  # every rank runs as many steps
        steps = len(batch_sizes(per_rank, options.batch_size, options.workers))
        flush_steps = max(1, options.flush_rows // (options.batch_size * comm.world))
        stream = batches(
            [Path(path) for _, path in mine], loaded.transforms, options.batch_size, options.workers, draft,
            pin_memory=device.type == "cuda", decoder=decoder,
        )
        run.show()
        for step in range(steps):
            batch = next(stream, None)
            if batch is not None:
                for j, message in batch.errors:
                    run.failed(mine[j][0], message)
                    if on_bad is not None:
                        on_bad(message)
                if batch.pictures is not None:
                    indices = np.array([mine[j][0] for j in batch.indices], np.int64)
                    with device_work(device):  # a batch at a time: alone on MPS, between frames
                        pictures = batch.pictures.to(device, non_blocking=True)
                        with codes.capture.armed():
                            values, positions = maxima.run(pictures)
                        codes.keep(indices, pictures, batch.crops)  # relu7 comes back from the device
                    run.keep(indices, values, positions)
                run.seen += len(batch.indices) + len(batch.errors)
            last = step == steps - 1
            if (step + 1) % flush_steps == 0 or last:
                run.flush(final=last)
                codes.flush()
            run.show()
            if after_batch is not None:
                after_batch(step + 1)
        if steps == 0:
            run.flush(final=True)
        report.coded = codes.complete(options.batch_size, options.workers, draft, progress, decoder)
    finally:
        maxima.remove()
        codes.remove()
    report.bad += comm.total(run.bad_count)
    report.processed = comm.total(run.processed)
    report.seconds = perf_counter() - start
    if plan is not None:
        report.pictures = len(plan.recorded)
    return report


class _Run:
    """The records waiting to be flushed, and (on rank 0) the atlas as committed so far."""

    def __init__(self, comm: Solo, plan: Plan | None, out: Path, options: BuildOptions, layers, total: int, progress) -> None:
        self._comm, self._plan, self._out, self._options = comm, plan, out, options
        self._channels = sum(block.channels for block in layers)
        self._waiting: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._failed: list[tuple[int, str]] = []
        self.bad_count = 0
        self._last_commit = monotonic()
        self._total = total
        self._progress = progress
        self.processed = 0
        self.seen = 0
        self.rescore = None  # (top, indices, values, positions) -> full-decode values (rank 0)

    def keep(self, indices: np.ndarray, values: np.ndarray, positions: np.ndarray) -> None:
        self._waiting.append((indices, values, positions))
        self.processed += len(indices)

    def failed(self, index: int, message: str) -> None:
        self._failed.append((index, message))
        self.bad_count += 1

    def show(self) -> None:
        if self._progress is not None and self._comm.is_root:
            self._progress(min(self._total, self.seen * self._comm.world), self._total)

    def flush(self, final: bool) -> None:
        """Hand the waiting records to rank 0, which writes them and maybe commits."""
        channels = self._channels
        if self._waiting:
            indices = np.concatenate([part[0] for part in self._waiting])
            values = np.concatenate([part[1] for part in self._waiting])
            positions = np.concatenate([part[2] for part in self._waiting])
        else:
            indices = np.zeros(0, np.int64)
            values, positions = np.zeros((0, channels), np.float32), np.zeros((0, channels), np.int16)
        self._waiting = []
        gathered = self._comm.gather_rows(indices, values, positions)
        failed, self._failed = self._comm.collect(self._failed), []
        if gathered is None or self._plan is None:
            return
        for i, message in failed:
            self._plan.bad[i] = BadFile(self._plan.paths[i], *self._plan.stats[i], message)
        indices, values, positions = gathered
        if len(indices):
            order = np.argsort(indices, kind="stable")  # the same records file for any world size
            indices, values, positions = indices[order], values[order], positions[order]
            if self.rescore is not None:
                values, positions = self.rescore(self._plan.top, indices, values, positions)
            self._record(indices, values, positions)
        if final or monotonic() - self._last_commit >= self._options.commit_seconds:
            self._commit(final)

    def _record(self, indices: np.ndarray, values: np.ndarray, positions: np.ndarray) -> None:
        plan = self._plan
        name = store.write_records(self._out, values, positions)
        plan.manifest.shards.append(name)
        shard = len(plan.manifest.shards) - 1
        for row, i in enumerate(indices.tolist()):
            size, mtime_ns = plan.stats[i]
            plan.recorded[i] = FileEntry(plan.paths[i], size, mtime_ns, shard, row)
        plan.top = plan.top.add(values, positions, indices)

    def _commit(self, final: bool) -> None:
        plan = self._plan
        order = sorted(plan.recorded)
        mapping = np.full(len(plan.paths), -1, np.int64)
        mapping[order] = np.arange(len(order))
        plan.manifest.files = [plan.recorded[i] for i in order]
        plan.manifest.bad = [plan.bad[i] for i in sorted(plan.bad)]
        plan.manifest.complete = final
        store.commit(self._out, plan.manifest, plan.top.renumbered(mapping))
        # The commit dropped the records files no picture uses and renumbered the rest.
        plan.recorded = dict(zip(order, plan.manifest.files))
        self._last_commit = monotonic()
