"""Tile every channel of a layer, or the conv1 kernels, into one image on the device."""

from __future__ import annotations

import math

import torch

from alexnet_viewer.core.frame.result import GAP_VALUE

MOSAIC_GAP = 1
FILTER_GAP = 1


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, cols) of the most square grid holding ``count`` tiles, wider than tall."""
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def tile(tiles: torch.Tensor, gap: int, fill: int) -> torch.Tensor:
    """(N, h, w[, 3]) tiles -> one (rows*(h+gap)-gap, cols*(w+gap)-gap[, 3]) image."""
    count, height, width = tiles.shape[:3]
    rows, cols = grid_shape(count)
    channels_last = tiles.shape[3:]
    # Empty grid cells and the gap after each tile take the fill value.
    canvas = tiles.new_full((rows * cols, height + gap, width + gap, *channels_last), fill)
    canvas[:count, :height, :width] = tiles
    canvas = canvas.reshape(rows, cols, height + gap, width + gap, *channels_last)
    canvas = canvas.transpose(1, 2).reshape(rows * (height + gap), cols * (width + gap), *channels_last)
    return canvas[: canvas.shape[0] - gap, : canvas.shape[1] - gap]


def spatial_tiles(activation: torch.Tensor) -> torch.Tensor:
    """(C, H, W) as is; fc layers' (N,) as N one-pixel tiles."""
    return activation if activation.dim() == 3 else activation.reshape(-1, 1, 1)


def shifted_mosaic(shifted: torch.Tensor, span: torch.Tensor, order: torch.Tensor | None) -> tuple[torch.Tensor, int]:
    """``activation_mosaic`` from ``activation - levels[0]`` and ``levels[1] - levels[0]``
    already made (the histogram shares that pass): the same pixels, op for op."""
    tiles = spatial_tiles(shifted)
    if order is not None:
        tiles = tiles.index_select(0, order)
    # Levels map linearly onto 1..255; 0 stays free for gaps. In place after the first
    # op, which leaves the shared difference intact.
    span = span.clamp_min(torch.finfo(shifted.dtype).tiny)
    pixels = tiles.div(span).mul_(254).add_(1).round_().clamp_(1, 255).to(torch.uint8)
    gap = MOSAIC_GAP if tiles.shape[1] > 1 else 0
    return tile(pixels, gap, GAP_VALUE), gap


def activation_mosaic(
    activation: torch.Tensor, levels: torch.Tensor, order: torch.Tensor | None
) -> tuple[torch.Tensor, int]:
    """The uint8 mosaic of a layer (device tensor) and the gap it was built with."""
    return shifted_mosaic(activation - levels[0], levels[1] - levels[0], order)


def filter_images(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """conv1 kernels (64, 3, 11, 11) as RGB tile images: (global scale, per-filter scale).

    Global: one symmetric scale for all filters, so 0 is mid-grey and strengths compare.
    Per filter: each kernel stretched over its own min..max, so weak filters show shape.
    """
    kernels = weight.detach().float().permute(0, 2, 3, 1)  # (64, 11, 11, 3)
    scale = kernels.abs().amax().clamp_min(1e-12)
    global_norm = kernels / (2 * scale) + 0.5
    flat = kernels.reshape(kernels.shape[0], -1)
    low = flat.amin(dim=1).view(-1, 1, 1, 1)
    high = flat.amax(dim=1).view(-1, 1, 1, 1)
    per_filter = (kernels - low) / (high - low).clamp_min(1e-12)

    def as_rgb(unit: torch.Tensor) -> torch.Tensor:
        return tile((unit * 255).round_().clamp_(0, 255).to(torch.uint8), FILTER_GAP, 0)

    return as_rgb(global_norm), as_rgb(per_filter)
