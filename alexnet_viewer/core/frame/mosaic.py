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
    """(N, h, w[, 3]) tiles -> one contiguous uint8 (rows*(h+gap)-gap, cols*(w+gap)-gap[, 3]) image.

    The canvas is filled once and the tiles are written through one strided view of it per
    row block (the cast to uint8 happens in that copy, so float tiles holding whole numbers
    in 0..255 need no uint8 copy of their own); nothing is copied again afterwards."""
    count, height, width = tiles.shape[:3]
    rest = tuple(tiles.shape[3:])
    rows, cols = grid_shape(count)
    size = math.prod(rest)
    canvas = torch.full(
        (rows * (height + gap) - gap, cols * (width + gap) - gap, *rest), fill, dtype=torch.uint8, device=tiles.device
    )
    line = canvas.shape[1] * size  # elements per canvas row
    inner = tuple(canvas.stride()[2:])

    def cells(first_row: int, row_count: int, col_count: int) -> torch.Tensor:
        """(row_count, h, col_count, w, *rest) view of the canvas cells from grid row first_row."""
        return canvas.as_strided(
            (row_count, height, col_count, width, *rest),
            ((height + gap) * line, line, (width + gap) * size, size, *inner),
            first_row * (height + gap) * line,
        )

    full, last = divmod(count, cols)
    if full:
        cells(0, full, cols).copy_(tiles[: full * cols].reshape(full, cols, height, width, *rest).transpose(1, 2))
    if last:
        cells(full, 1, last).copy_(tiles[full * cols :].transpose(0, 1).unsqueeze(0))
    return canvas


def spatial_tiles(activation: torch.Tensor) -> torch.Tensor:
    """(C, H, W) as is; fc layers' (N,) as N one-pixel tiles."""
    return activation if activation.dim() == 3 else activation.reshape(-1, 1, 1)


def shifted_mosaic(
    shifted: torch.Tensor, span: torch.Tensor, order: torch.Tensor | None, owned: bool = False
) -> tuple[torch.Tensor, int]:
    """``activation_mosaic`` from ``activation - levels[0]`` and ``levels[1] - levels[0]``
    already made: the same pixels, op for op. ``owned``: ``shifted`` is this call's to
    overwrite (nothing else, such as the histogram, still reads it)."""
    tiles = spatial_tiles(shifted)
    if order is not None:
        tiles, owned = tiles.index_select(0, order), True
    # Levels map linearly onto 1..255; 0 stays free for gaps. In place after the first op
    # (from the first op when the values are this call's own).
    span = span.clamp_min(torch.finfo(shifted.dtype).tiny)
    pixels = (tiles.div_(span) if owned else tiles.div(span)).mul_(254).add_(1).round_().clamp_(1, 255)
    gap = MOSAIC_GAP if tiles.shape[1] > 1 else 0
    return tile(pixels, gap, GAP_VALUE), gap


def activation_mosaic(
    activation: torch.Tensor, levels: torch.Tensor, order: torch.Tensor | None
) -> tuple[torch.Tensor, int]:
    """The uint8 mosaic of a layer (device tensor) and the gap it was built with."""
    return shifted_mosaic(activation - levels[0], levels[1] - levels[0], order, owned=True)


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
        return tile((unit * 255).round_().clamp_(0, 255), FILTER_GAP, 0)

    return as_rgb(global_norm), as_rgb(per_filter)
