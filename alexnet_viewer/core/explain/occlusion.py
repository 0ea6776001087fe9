"""Occlusion sensitivity (Zeiler & Fergus 2014, Fig. 7): a grey square slid over the crop.

The square is 0 in the normalised input, i.e. each channel at the weights' own mean colour
(``transforms().mean``): the picture's expected value, not black. At each position the
class probability (after the softmax) is recorded; a low value marks evidence. The same
forwards also record the figure's other two panels: the summed activation of the relu5
channel strongest (largest sum) on the unoccluded crop, and the most probable class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.explain.registry import square_offsets
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS

_RELU5 = MODULE_LOCATIONS["relu5"][1] + 1  # features[:_RELU5] ends with relu5


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
    channel: int = -1  # the relu5 channel with the largest summed activation without the square
    channel_sum: np.ndarray | None = None  # (rows, cols) float32, that channel's summed activation
    channel_baseline: float = 0.0  # its sum without the square
    labels: np.ndarray | None = None  # (rows, cols) int64, the most probable class per position


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
    relu5, logits = _relu5_and_logits(model, batch)
    baseline = torch.softmax(logits, dim=1)[0, index]
    sums = relu5.sum(dim=(2, 3))[0]
    channel = int(sums.argmax())
    found, channel_sums, labels = [], [], []
    for start in range(0, len(corners), max(1, batch_size)):
        if cancelled is not None and cancelled():
            raise ExplainCancelled()
        chunk = corners[start : start + batch_size]
        occluded = batch.expand(len(chunk), -1, -1, -1).clone()
        for row, (top, left) in enumerate(chunk):
            occluded[row, :, top : top + window, left : left + window] = 0.0
        relu5, logits = _relu5_and_logits(model, occluded)
        found.append(torch.softmax(logits, dim=1)[:, index])
        channel_sums.append(relu5[:, channel].sum(dim=(1, 2)))
        labels.append(logits.argmax(dim=1))
        if progress is not None:
            progress(start + len(chunk), len(corners))
    grid = torch.cat(found).T.reshape(len(classes), len(offsets), len(offsets))
    probability = grid.to("cpu", torch.float32).numpy()
    base = baseline.to("cpu", torch.float32).numpy()
    grid_shape = (len(offsets), len(offsets))
    return OcclusionMap(
        probability=probability[0] if single else probability,
        baseline=base[0] if single else base,
        window=window,
        stride=stride,
        offsets=offsets,
        channel=channel,
        channel_sum=torch.cat(channel_sums).to("cpu", torch.float32).numpy().reshape(grid_shape),
        channel_baseline=float(sums[channel]),
        labels=torch.cat(labels).cpu().numpy().astype(np.int64).reshape(grid_shape),
    )


def _relu5_and_logits(model: nn.Module, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """relu5's output and the logits of one forward of a torchvision AlexNet (hook-free,
    ``ReLU(inplace=False)``: the private copy the explainer runs)."""
    relu5 = model.features[:_RELU5](batch)
    pooled = model.avgpool(model.features[_RELU5:](relu5))
    return relu5, model.classifier(torch.flatten(pooled, 1))
