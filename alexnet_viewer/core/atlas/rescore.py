"""Atlas values that are the viewer's values: approximately decoded candidates, rescored in full.

A build decodes JPEGs in draft mode (a reduced scale that still covers the resize), which
changes the pixels and so the maxima by up to ~1.4 %; on a GPU it may decode them with
nvJPEG (core/atlas/tensor_decode.py), whose pixels differ from Pillow's by a level or so.
Every such picture of a batch whose maximum of some channel comes within ``DRAFT_MARGIN``
of that channel's top-K (with the batch merged in) is decoded again in full by Pillow, as
the viewer decodes it, and run again; its record then holds the full values, so the top-K
ranks, and shows, exactly what the window shows for that picture. Most pictures of a large
build reach no top-K and are decoded once; pictures decoded exactly the first time (not
JPEG, or, without the tensor route, JPEGs under twice the draft size in either direction,
as are most of ImageNet's and every 640x480 one) are never rescored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from PIL import Image

from alexnet_viewer.core.atlas.pictures import batches
from alexnet_viewer.core.atlas.tensor_decode import read_jpeg
from alexnet_viewer.core.atlas.topk import TopK

DRAFT_MARGIN = 0.05  # relative: several times the largest draft error seen (1.4 %)

Rescore = Callable[[TopK, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def reaching_rows(top: TopK, indices: np.ndarray, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Rows of (values (n, channels)) that reach, or come within the margin of, a top-K."""
    last = top.add(values, positions, indices).values()[:, -1]  # -inf where a top-K is not full
    threshold = last - np.abs(last) * DRAFT_MARGIN
    return np.flatnonzero((values >= threshold[None, :]).any(axis=1))


def pixels_may_differ(path: Path, draft: tuple[int, int] | None, tensor_decoded: bool = False) -> bool:
    """Whether the build's pixels of this picture may differ from the viewer's: with
    ``tensor_decoded``, a JPEG the tensor route takes (the workers' own test); else one draft
    decoding reduces (Pillow's rule: a JPEG at least twice the draft size in both directions,
    from its header)."""
    if tensor_decoded and read_jpeg(path) is not None:
        return True
    if draft is None:
        return False
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                return False
            width, height = image.size
    except Exception:  # noqa: BLE001 - unreadable now: the build already has its record or its error
        return False
    return min(width // draft[0], height // draft[1]) >= 2


def full_decode_rescorer(
    maxima, transforms, device: torch.device, paths: Sequence, batch_size: int, draft: tuple[int, int] | None,
    tensor_decoded: bool = False,
) -> Rescore:
    """``rescore(top, indices, values, positions)`` → the rows, with reaching ones decoded in full."""

    def rescore(top: TopK, indices: np.ndarray, values: np.ndarray, positions: np.ndarray):
        rows = reaching_rows(top, indices, values, positions)
        differ = [pixels_may_differ(Path(paths[i]), draft, tensor_decoded) for i in indices[rows]]
        rows = rows[np.array(differ, bool)] if len(rows) else rows
        if not len(rows):
            return values, positions
        values, positions = values.copy(), positions.copy()
        for batch in batches([Path(paths[i]) for i in indices[rows]], transforms, batch_size, 0, draft=None):
            if batch.pictures is not None:  # a file that fails now keeps its draft record
                chosen = rows[batch.indices]
                values[chosen], positions[chosen] = maxima.run(batch.pictures.to(device))
        return values, positions

    return rescore
