"""A/B: what changed between a frozen reference Result and the current one.

For a layer, the difference current − reference, tiled like the layer's mosaic on a
symmetric scale (zero in the middle of a diverging colour map); for the classes, the change
of the top-5 with ranks and probabilities read from the full softmax of both frames' fc8
logits, so a class that left or entered the top-5 still has a rank and a probability on
both sides. "What changed when I covered the eye."
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alexnet_viewer.core.frame.layers import check_layer_name
from alexnet_viewer.core.frame.result import Mosaic, Result, frozen_array

LOGITS_LAYER = "fc8"
# Blue (lower now) to near-white (no change) to red (higher now): ColorBrewer's RdBu ends.
DIVERGING_ANCHORS = ((33, 102, 172), (247, 247, 247), (178, 24, 43))
TINY_LEVEL = 1e-6  # the half-range used when nothing changed, so the scale stays valid


def difference(current: Result, reference: Result, layer: str) -> np.ndarray:
    """current − reference for ``layer``, float32, read-only; ValueError if the shapes differ."""
    check_layer_name(layer)
    now, before = current.activations[layer], reference.activations[layer]
    if now.shape != before.shape:
        raise ValueError(f"{layer} has shape {now.shape} now but {before.shape} in the reference")
    return frozen_array(np.subtract(now, before, dtype=np.float32))


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    """(−m, m) with m the largest |value|, so zero sits in the middle of the scale."""
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if not np.isfinite(largest):
        raise ValueError("the difference has values that are not finite")
    largest = max(largest, TINY_LEVEL)
    return -largest, largest


def difference_mosaic(current: Result, reference: Result, layer: str, order: tuple[int, ...] | None = None) -> Mosaic:
    """The difference of every channel of ``layer`` tiled into one uint8 Mosaic on symmetric
    levels (pixel 128 is no change, 0 the gaps); ``order`` as the current mosaic's tiles."""
    import torch  # here, not at import: the window imports this module before torch is needed

    from alexnet_viewer.core.frame.mosaic import activation_mosaic, grid_shape

    diff = difference(current, reference, layer)
    levels = symmetric_levels(diff)
    count = diff.shape[0]
    index = None if order is None else torch.tensor(order, dtype=torch.int64)
    image, gap = activation_mosaic(torch.from_numpy(np.array(diff)), torch.tensor(levels, dtype=torch.float32), index)
    tile = tuple(diff.shape[1:]) if diff.ndim == 3 else (1, 1)
    return Mosaic(
        image=frozen_array(image.numpy()),
        levels=levels,
        grid=grid_shape(count),
        tile=tile,
        gap=gap,
        order=tuple(order) if order is not None else tuple(range(count)),
    )


def diverging_lut(background: tuple[int, int, int] | None = None) -> np.ndarray:
    """(256, 3) uint8 blue–white–red for a difference mosaic: entry 128 is white (no
    change), 1 and 255 the two ends; entry 0 (the gaps) is ``background`` if given."""
    positions = np.linspace(-1.0, 1.0, 255)
    low, mid, high = (np.array(colour, dtype=np.float64) for colour in DIVERGING_ANCHORS)
    weights = np.abs(positions)[:, None]
    ends = np.where(positions[:, None] < 0, low, high)
    table = np.empty((256, 3), dtype=np.uint8)
    table[1:] = np.round(mid + (ends - mid) * weights).astype(np.uint8)
    table[0] = background if background is not None else DIVERGING_ANCHORS[1]
    table.flags.writeable = False
    return table


@dataclass(frozen=True)
class ClassChange:
    """One class of either top-5: 1-based ranks among all classes and probabilities, both frames."""

    index: int
    label: str
    rank: int  # now
    reference_rank: int
    probability: float  # now
    reference_probability: float

    @property
    def delta(self) -> float:
        return self.probability - self.reference_probability

    @property
    def rank_change(self) -> int:
        """Places gained: positive when the class moved up."""
        return self.reference_rank - self.rank


def probabilities(result: Result) -> np.ndarray:
    """(classes,) float64 softmax of the frame's fc8 logits."""
    logits = np.asarray(result.activations[LOGITS_LAYER], dtype=np.float64)
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def _ranks(p: np.ndarray) -> np.ndarray:
    order = np.argsort(-p, kind="stable")
    ranks = np.empty(len(p), dtype=np.int64)
    ranks[order] = np.arange(1, len(p) + 1)
    return ranks


def top5_change(current: Result, reference: Result) -> tuple[ClassChange, ...]:
    """The current top-5 in order, then the reference's top-5 classes that left it."""
    now, before = probabilities(current), probabilities(reference)
    if now.shape != before.shape:
        raise ValueError(f"{len(now)} classes now but {len(before)} in the reference")
    ranks_now, ranks_before = _ranks(now), _ranks(before)
    labels = {p.index: p.label for p in (*reference.top5, *current.top5)}
    chosen = [p.index for p in current.top5] + [p.index for p in reference.top5 if p.index not in
                                                 {q.index for q in current.top5}]
    return tuple(
        ClassChange(index, labels[index], int(ranks_now[index]), int(ranks_before[index]),
                    float(now[index]), float(before[index]))
        for index in chosen
    )
