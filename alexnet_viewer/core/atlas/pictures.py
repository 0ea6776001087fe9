"""Decoding and preprocessing pictures for batched forwards: ahead of them in worker
processes, or between them in this process's threads.

Each picture goes through the project's safe loader (JPEGs in draft mode, at the smallest
reduced scale that still covers the resize) and the engine's own Preprocessor. A bad file
becomes a message, not an exception, so one damaged picture never stops a build.
The workers are torch DataLoader processes; with none, each batch is decoded in this
process by a few threads at once (Pillow's decoder and torch's resize let go of the GIL),
between forwards. On a CPU that is the faster way (``atlas build`` and ``evaluate`` choose
it there): the forward already runs on every core, and a decoding process beside it takes
cores from it mid-layer, which stalls all of the forward's threads (2 cores, 64-picture
batches: atlas_ratio 0.70-0.72 decoding in this process, 0.63-0.67 with a process beside).
Given a TensorDecoder, the workers leave the JPEGs they can as bytes, which this process
decodes a batch at a time on the decoder's device (core/atlas/tensor_decode.py); the
batches come out the same, on that device.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import torch
from torch.utils.data import DataLoader, Dataset

from alexnet_viewer.core.atlas.tensor_decode import Jpegs, TensorDecoder, pack, read_jpeg
from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.torch_threads import set_thread_count, usable_cores

RAMP_DIVISOR = 8  # the first batch, with workers decoding ahead: batch_size / 8
MAX_DECODE_THREADS = 8


def decode_threads() -> int:
    """Threads decoding a batch in this process: one per usable core (at least two)."""
    return max(2, min(MAX_DECODE_THREADS, usable_cores()))


def draft_size(transforms: object) -> tuple[int, int]:
    """Decode JPEGs at no less than the resize's short side, in both directions."""
    short = min(int(side) for side in transforms.resize_size)
    return short, short


def load_picture(path: Path, preprocess: Preprocessor, draft: tuple[int, int] | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(normalised (3, H, W) float32, crop (3, H, W) uint8) on the CPU, as an atlas sees it."""
    batch, crop = preprocess(image_to_array(load_image(path, draft=draft)))
    return batch[0], crop


def decode_with_pillow(
    path: Path, preprocess: Preprocessor, draft: tuple[int, int] | None, ten_crop: bool = False
) -> tuple[torch.Tensor | None, torch.Tensor | None, str | None]:
    """(the picture as the network's input, its uint8 crop, None) or (None, None, why it cannot
    be used, one sentence). With ``ten_crop`` the input is its ten crops, (10, 3, H, W), and
    no crop is given: core/papers/ten_crop.py."""
    try:
        if ten_crop:
            from alexnet_viewer.core.papers.ten_crop import ten_crop_batch

            return ten_crop_batch(preprocess, image_to_array(load_image(path, draft=draft)))[0], None, None
        return *load_picture(path, preprocess, draft), None
    except ImageLoadError as error:
        return None, None, str(error)
    except Exception as error:  # noqa: BLE001 - e.g. a picture too small to crop
        return None, None, f'Cannot use "{path.name}": {error}'.rstrip(".") + "."


class Batch(NamedTuple):
    indices: list[int]  # positions in the path list of the pictures that decoded
    pictures: torch.Tensor | None  # (n, 3, H, W) float32, None when none decoded
    errors: list[tuple[int, str]]  # (position, one-sentence reason)
    # (n, 3, H, W) uint8 on the host: the crops the pictures were normalised from (the atlas
    # keeps them); None where a picture came another way (ten crops, the tensor decoder).
    crops: torch.Tensor | None = None


class _Loaded(NamedTuple):
    batch: Batch  # what the workers decoded
    jpegs: Jpegs | None  # what they left for a TensorDecoder


class _Pictures(Dataset):
    def __init__(
        self, paths: Sequence[Path], transforms: object, draft: tuple[int, int] | None, ten_crop: bool = False,
        jpeg_bytes: bool = False,
    ) -> None:
        self._paths = list(paths)
        self._preprocess = Preprocessor(transforms, torch.device("cpu"))
        self._draft = draft
        self._ten_crop = ten_crop
        self._jpeg_bytes = jpeg_bytes

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index: int):
        jpeg = read_jpeg(self._paths[index]) if self._jpeg_bytes else None
        if jpeg is not None:
            return index, None, None, None, jpeg
        return index, *decode_with_pillow(self._paths[index], self._preprocess, self._draft, self._ten_crop), None


def _collate(items) -> _Loaded:
    good = [(index, tensor, crop) for index, tensor, crop, _, _ in items if tensor is not None]
    errors = [(index, message) for index, _, _, message, _ in items if message is not None]
    pictures = torch.stack([tensor for _, tensor, _ in good]) if good else None
    whole = good and all(crop is not None for _, _, crop in good)
    crops = torch.stack([crop for _, _, crop in good]) if whole else None
    jpegs = pack([(index, jpeg) for index, _, _, _, jpeg in items if jpeg is not None])
    return _Loaded(Batch([index for index, _, _ in good], pictures, errors, crops), jpegs)


def _finish(loaded: _Loaded, decoder: TensorDecoder, paths: list[Path], draft: tuple[int, int] | None) -> Batch:
    """The batch with its JPEGs decoded on the decoder's device; the ones it refuses go the
    Pillow path here, which decodes them or gives the usual sentence."""
    batch, jpegs = loaded
    if jpegs is None:
        return batch
    decoded, pictures, refused = decoder.decode(jpegs)
    indices, parts, errors = list(batch.indices), [], list(batch.errors)
    if batch.pictures is not None:
        parts.append(batch.pictures)
    fallback = Preprocessor(decoder.transforms, torch.device("cpu")) if refused else None
    for position in refused:
        tensor, _, message = decode_with_pillow(paths[position], fallback, draft)
        if tensor is None:
            errors.append((position, message))
        else:
            indices.append(position)
            parts.append(tensor.unsqueeze(0))
    indices += decoded
    if not parts and pictures is None:
        return Batch([], None, sorted(errors))
    order = sorted(range(len(indices)), key=indices.__getitem__)  # path order, as from the workers
    with device_work(decoder.device):  # alone on a serial device (core/model/device_gate.py)
        parts = [part.to(decoder.device, non_blocking=True) for part in parts]  # pinned on CUDA
        merged = torch.cat(parts + ([] if pictures is None else [pictures]))[order]
    return Batch([indices[i] for i in order], merged, sorted(errors))


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
    decoder: TensorDecoder | None = None,
) -> Iterator[Batch]:
    """Consecutive batches of ``paths`` in order, sized by ``batch_sizes``; ``workers``
    processes decode ahead (0: each batch is decoded here by ``decode_threads()`` threads).
    With ``ten_crop`` each picture is its ten crops: pictures are (n, 10, 3, H, W). With a ``decoder`` the JPEGs it can take are decoded by
    it, in this process, and the batches' pictures are on its device."""
    if ten_crop and decoder is not None:
        raise ValueError("ten crops are cut from Pillow's pictures only: no TensorDecoder with ten_crop")
    if not paths:
        return iter(())
    paths = list(paths)
    dataset = _Pictures(paths, transforms, draft, ten_crop, jpeg_bytes=decoder is not None)
    sampler = _Ramp(batch_sizes(len(paths), batch_size, workers))
    if workers:
        loader = DataLoader(
            dataset, batch_sampler=sampler, num_workers=workers, collate_fn=_collate, pin_memory=pin_memory,
            prefetch_factor=4,
        )
    else:
        loader = _decoded_here(dataset, sampler, pin_memory)
    if decoder is None:
        return (loaded.batch for loaded in loader)
    return (_finish(loaded, decoder, paths, draft) for loaded in loader)


def _decoded_here(dataset: _Pictures, sampler: _Ramp, pin_memory: bool) -> Iterator[_Loaded]:
    """Each batch decoded in this process when asked for, its pictures shared among threads
    (each running torch on one thread of its own)."""
    with ThreadPoolExecutor(decode_threads(), thread_name_prefix="decode", initializer=set_thread_count,
                            initargs=(1,)) as pool:
        for indices in sampler:
            loaded = _collate(list(pool.map(dataset.__getitem__, indices)))
            yield _pinned(loaded) if pin_memory else loaded


def _pinned(loaded: _Loaded) -> _Loaded:
    """The batch's host tensors in pinned memory, as the DataLoader's pin_memory makes them."""
    batch, jpegs = loaded
    if batch.pictures is not None:
        batch = batch._replace(pictures=batch.pictures.pin_memory())
    if jpegs is not None:
        jpegs = jpegs._replace(data=jpegs.data.pin_memory())
    return _Loaded(batch, jpegs)
