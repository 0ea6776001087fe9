"""Decoding and preprocessing pictures in worker processes, batches ahead of the forward.

Each picture goes through the project's safe loader (JPEGs in draft mode, at the smallest
reduced scale that still covers the resize) and the engine's own Preprocessor. A bad file
becomes a message, not an exception, so one damaged picture never stops a build.
The workers are torch DataLoader processes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import torch
from torch.utils.data import DataLoader, Dataset

from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.preprocess import Preprocessor

RAMP_DIVISOR = 8  # the first batch, with workers decoding ahead: batch_size / 8


def draft_size(transforms: object) -> tuple[int, int]:
    """Decode JPEGs at no less than the resize's short side, in both directions."""
    short = min(int(side) for side in transforms.resize_size)
    return short, short


def load_picture(path: Path, preprocess: Preprocessor, draft: tuple[int, int] | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(normalised (3, H, W) float32, crop (3, H, W) uint8) on the CPU, as an atlas sees it."""
    batch, crop = preprocess(image_to_array(load_image(path, draft=draft)))
    return batch[0], crop


class Batch(NamedTuple):
    indices: list[int]  # positions in the path list of the pictures that decoded
    pictures: torch.Tensor | None  # (n, 3, H, W) float32, None when none decoded
    errors: list[tuple[int, str]]  # (position, one-sentence reason)


class _Pictures(Dataset):
    def __init__(self, paths: Sequence[Path], transforms: object, draft: tuple[int, int] | None, ten_crop: bool = False) -> None:
        self._paths = list(paths)
        self._preprocess = Preprocessor(transforms, torch.device("cpu"))
        self._draft = draft
        self._ten_crop = ten_crop

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index: int):
        try:
            if self._ten_crop:  # (10, 3, H, W): core/papers/ten_crop.py
                from alexnet_viewer.core.papers.ten_crop import ten_crop_batch

                array = image_to_array(load_image(self._paths[index], draft=self._draft))
                return index, ten_crop_batch(self._preprocess, array)[0], None
            return index, load_picture(self._paths[index], self._preprocess, self._draft)[0], None
        except ImageLoadError as error:
            return index, None, str(error)
        except Exception as error:  # noqa: BLE001 - e.g. a picture too small to crop
            return index, None, f'Cannot use "{self._paths[index].name}": {error}'.rstrip(".") + "."


def _collate(items) -> Batch:
    good = [(index, tensor) for index, tensor, _ in items if tensor is not None]
    errors = [(index, message) for index, _, message in items if message is not None]
    pictures = torch.stack([tensor for _, tensor in good]) if good else None
    return Batch([index for index, _ in good], pictures, errors)


def batch_sizes(count: int, batch_size: int, workers: int) -> list[int]:
    """The sizes of the batches ``batches`` makes of ``count`` pictures. With workers decoding
    ahead, the first batches are small (an eighth of ``batch_size``, doubling): the forward
    starts as soon as a few pictures are decoded instead of waiting for a whole batch, while
    the workers keep ahead of it."""
    size = max(1, batch_size // RAMP_DIVISOR) if workers else batch_size
    sizes = []
    while count > 0:
        sizes.append(min(size, count))
        count -= sizes[-1]
        size = min(batch_size, size * 2)
    return sizes


class _Ramp:
    """Consecutive index batches of ``batch_sizes`` (a DataLoader batch sampler)."""

    def __init__(self, sizes: list[int]) -> None:
        self._sizes = sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self):
        start = 0
        for size in self._sizes:
            yield list(range(start, start + size))
            start += size


def batches(
    paths: Sequence[Path],
    transforms: object,
    batch_size: int,
    workers: int,
    draft: tuple[int, int] | None,
    pin_memory: bool = False,
    ten_crop: bool = False,
) -> Iterator[Batch]:
    """Consecutive batches of ``paths`` in order, sized by ``batch_sizes``; ``workers``
    processes decode ahead (0: inline). With ``ten_crop`` each picture is its ten crops:
    pictures are (n, 10, 3, H, W)."""
    if not paths:
        return iter(())
    loader = DataLoader(
        _Pictures(paths, transforms, draft, ten_crop),
        batch_sampler=_Ramp(batch_sizes(len(paths), batch_size, workers)),
        num_workers=workers,
        collate_fn=_collate,
        pin_memory=pin_memory,
        prefetch_factor=4 if workers else None,
    )
    return iter(loader)
