"""A frame's device tensors to host numpy arrays: zero-copy on the CPU, one packed copy elsewhere.

On an accelerator every part (the activation buffer, the statistics, histograms, mosaics,
top-5 and crop) is viewed as bytes and concatenated on the device in one ``cat``, copied
once into a fresh pinned host buffer with a non-blocking copy (CUDA), and waited for with
an event recorded after that copy: other threads' work queued later on the stream (the
next frame's preparation) is not waited for, as a stream or device synchronize would. The
parts are then numpy views of that one buffer; a new buffer each frame keeps results from
sharing memory. Parts are packed largest element first, so every view is aligned.

Views of a tensor as bytes, ``cat`` of uint8 and copies exist on CPU, CUDA and MPS. MPS has
no pinned memory (its memory is shared with the host); there the packed tensor is copied
with an ordinary blocking ``.cpu()``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

_NUMPY_DTYPES = {
    torch.float32: np.float32,
    torch.int64: np.int64,
    torch.int32: np.int32,
    torch.uint8: np.uint8,
}


def to_host(parts: dict[str, torch.Tensor], packed: bool) -> dict[str, np.ndarray]:
    """Each named tensor as a numpy array on the host."""
    if not packed:
        # .to("cpu") on a CPU tensor still costs tens of microseconds; skip it there.
        return {name: (t if t.device.type == "cpu" else t.cpu()).numpy() for name, t in parts.items()}
    flat, spec = pack(parts)
    return unpack(copy_to_host(flat), spec)


PackSpec = tuple[tuple[str, torch.dtype, tuple[int, ...]], ...]


def pack(parts: dict[str, torch.Tensor]) -> tuple[torch.Tensor, PackSpec]:
    """Every part as bytes in one new flat uint8 tensor on its device, and where each lies."""
    order = sorted(parts, key=lambda name: -parts[name].element_size())
    flat = torch.cat([parts[name].reshape(-1).view(torch.uint8) for name in order])
    return flat, tuple((name, parts[name].dtype, tuple(parts[name].shape)) for name in order)


def unpack(host: torch.Tensor, spec: PackSpec) -> dict[str, np.ndarray]:
    """The parts of a packed tensor's host copy, as numpy views of it."""
    flat, arrays, offset = host.numpy(), {}, 0
    for name, dtype, shape in spec:
        size = math.prod(shape) * dtype.itemsize
        arrays[name] = flat[offset : offset + size].view(_NUMPY_DTYPES[dtype]).reshape(shape)
        offset += size
    return arrays


def copy_to_host(flat: torch.Tensor) -> torch.Tensor:
    """A new host tensor holding ``flat``, copied by the time this returns (a CPU tensor is
    cloned: the result never shares memory with ``flat``, which a CUDA graph reuses)."""
    if flat.device.type == "cuda":
        host = torch.empty(flat.shape, dtype=flat.dtype, pin_memory=True)
        host.copy_(flat, non_blocking=True)
        done = torch.cuda.Event()
        done.record(torch.cuda.current_stream(flat.device))
        done.synchronize()
        return host
    return flat.clone() if flat.device.type == "cpu" else flat.cpu()
