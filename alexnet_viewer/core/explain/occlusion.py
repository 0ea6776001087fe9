"""Occlusion sensitivity (Zeiler & Fergus 2014, Fig. 7): a grey square slid over the crop.

The square is 0 in the normalised input, i.e. each channel at the weights' own mean colour
(``transforms().mean``): the picture's expected value, not black. At each position the
class probability (after the softmax) is recorded; a low value marks evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.explain.registry import square_offsets


class ExplainCancelled(ViewerError):
    """The user stopped a long explanation (occlusion, SmoothGrad, ...) before it finished."""

    def __init__(self, what: str = "occlusion map") -> None:
        super().__init__(f"The {what} was cancelled.")


@dataclass(frozen=True)
class OcclusionMap:
    """probability[..., i, j]: the class probability with the square's top-left corner at
    (offsets[i], offsets[j]) of the crop; baseline: the probability without the square."""

    probability: np.ndarray  # (rows, cols) float32, or (n, rows, cols) for several classes
    baseline: np.ndarray  # () or (n,) float32
    window: int
    stride: int
    offsets: tuple[int, ...]


def occlusion_map(
    model: nn.Module,
    batch: torch.Tensor,
    classes: list[int],
    single: bool,
    window: int,
    stride: int,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
    batch_size: int,
) -> OcclusionMap:
    height, width = batch.shape[-2:]
    if height != width:
        raise ValueError(f"occlusion expects a square crop, not {height}x{width}")
    offsets = square_offsets(height, window, stride)
    corners = [(top, left) for top in offsets for left in offsets]
    index = torch.tensor(classes, device=batch.device)
    baseline = torch.softmax(model(batch), dim=1)[0, index]
    found = []
    for start in range(0, len(corners), max(1, batch_size)):
        if cancelled is not None and cancelled():
            raise ExplainCancelled()
        chunk = corners[start : start + batch_size]
        occluded = batch.expand(len(chunk), -1, -1, -1).clone()
        for row, (top, left) in enumerate(chunk):
            occluded[row, :, top : top + window, left : left + window] = 0.0
        found.append(torch.softmax(model(occluded), dim=1)[:, index])
        if progress is not None:
            progress(start + len(chunk), len(corners))
    grid = torch.cat(found).T.reshape(len(classes), len(offsets), len(offsets))
    probability = grid.to("cpu", torch.float32).numpy()
    base = baseline.to("cpu", torch.float32).numpy()
    return OcclusionMap(
        probability=probability[0] if single else probability,
        baseline=base[0] if single else base,
        window=window,
        stride=stride,
        offsets=offsets,
    )
