"""One atlas build spread over processes started by torchrun, with torch.distributed.

Rank 0 plans (which pictures are new or changed) and writes the atlas; every rank decodes
and runs its share of the pictures and hands its records to rank 0 at each flush. Records
travel as one int32 tensor per rank (values' bits, positions and picture indices): over
NCCL between GPUs, over gloo between CPUs; the plan and messages are small Python objects
over gloo. ``Solo`` is the same interface for one process.
"""

from __future__ import annotations

import os

import numpy as np
import torch


def launched_by_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ and "MASTER_ADDR" in os.environ


def rank_device(requested: str | None) -> str | None:
    """Under torchrun, 'cuda' (or no choice, with CUDA present) means this rank's own GPU."""
    text = "" if requested is None else str(requested).strip().lower()
    if launched_by_torchrun() and text in ("", "auto", "cuda") and torch.cuda.is_available():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0')) % torch.cuda.device_count()}"
    return requested


class Solo:
    """A build in one process: every collective is the identity."""

    rank = 0
    world = 1

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    def share(self, value):
        """Rank 0's ``value``, on every rank."""
        return value

    def first_error(self, message: str | None) -> str | None:
        """The first rank's non-None message, on every rank (so all of them stop together)."""
        return message

    def total(self, count: int) -> int:
        return count

    def collect(self, items: list) -> list:
        """Every rank's (small) list, concatenated in rank order, on every rank."""
        return list(items)

    def gather_rows(self, indices: np.ndarray, values: np.ndarray, positions: np.ndarray):
        """Every rank's records on rank 0 (None elsewhere)."""
        return indices, values, positions

    def wait(self) -> None:
        """Return when every rank got here (so rank 0 finishes writing before any rank exits)."""

    def close(self) -> None:
        pass


class Group(Solo):
    """A build over torchrun's processes; the process group comes from its environment."""

    def __init__(self, device: torch.device) -> None:
        import torch.distributed as dist

        self._dist = dist
        if device.type == "cuda":
            torch.cuda.set_device(device)
            backend = "cpu:gloo,cuda:nccl"
        else:
            backend = "gloo"
        dist.init_process_group(backend=backend, init_method="env://")
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self._device = device if device.type == "cuda" else torch.device("cpu")

    def share(self, value):
        box = [value if self.rank == 0 else None]
        self._dist.broadcast_object_list(box, src=0)
        return box[0]

    def first_error(self, message: str | None) -> str | None:
        messages: list[str | None] = [None] * self.world
        self._dist.all_gather_object(messages, message)
        return next((text for text in messages if text is not None), None)

    def collect(self, items: list) -> list:
        parts: list[list] = [[] for _ in range(self.world)]
        self._dist.all_gather_object(parts, list(items))
        return [item for part in parts for item in part]

    def total(self, count: int) -> int:
        tensor = torch.tensor([count], dtype=torch.int64, device=self._device)
        self._dist.all_reduce(tensor)
        return int(tensor.item())

    def gather_rows(self, indices: np.ndarray, values: np.ndarray, positions: np.ndarray):
        channels = values.shape[1]
        counts = [torch.zeros(1, dtype=torch.int64, device=self._device) for _ in range(self.world)]
        self._dist.all_gather(counts, torch.tensor([len(indices)], dtype=torch.int64, device=self._device))
        counts = [int(count.item()) for count in counts]
        longest = max(counts)
        if longest == 0:
            return (indices, values, positions) if self.rank == 0 else None
        packed = np.zeros((longest, 1 + 2 * channels), np.int32)
        packed[: len(indices), 0] = indices
        packed[: len(indices), 1 : 1 + channels] = values.astype(np.float32).view(np.int32)
        packed[: len(indices), 1 + channels :] = positions
        mine = torch.from_numpy(packed).to(self._device)
        everyone = [torch.empty_like(mine) for _ in range(self.world)]
        self._dist.all_gather(everyone, mine)
        if self.rank != 0:
            return None
        rows = np.concatenate([part.cpu().numpy()[:count] for part, count in zip(everyone, counts)])
        return (
            rows[:, 0].astype(np.int64),
            np.ascontiguousarray(rows[:, 1 : 1 + channels]).view(np.float32),
            rows[:, 1 + channels :].astype(np.int16),
        )

    def wait(self) -> None:
        self.total(0)  # an all-reduce on this group's own device: a barrier on any backend

    def close(self) -> None:
        if self._dist.is_initialized():
            self._dist.destroy_process_group()
