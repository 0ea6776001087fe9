"""The mosaic canvas written through strided views is the grid a plain pad-and-transpose makes."""

import pytest
import torch

from alexnet_viewer.core.frame.mosaic import grid_shape, tile


def padded_grid(tiles, gap, fill):
    """The obvious way: pad every tile, lay the cells out in rows, cut the last gap."""
    count, height, width = tiles.shape[:3]
    rows, cols = grid_shape(count)
    rest = tiles.shape[3:]
    canvas = torch.full((rows * cols, height + gap, width + gap, *rest), fill, dtype=torch.uint8)
    canvas[:count, :height, :width] = tiles.to(torch.uint8)
    canvas = canvas.reshape(rows, cols, height + gap, width + gap, *rest).transpose(1, 2)
    canvas = canvas.reshape(rows * (height + gap), cols * (width + gap), *rest)
    return canvas[: canvas.shape[0] - gap, : canvas.shape[1] - gap]


@pytest.mark.parametrize("count", [1, 3, 64, 96, 256, 384, 4096])
@pytest.mark.parametrize("rgb", [False, True])
def test_tiles_land_where_a_padded_grid_puts_them(count, rgb):
    generator = torch.Generator().manual_seed(count)
    size = 1 if count == 4096 else 5
    shape = (count, size, size + 2, 3) if rgb else (count, size, size + 2)
    tiles = torch.randint(1, 256, shape, generator=generator).float()  # whole numbers, cast in the copy
    gap = 0 if size == 1 else 1
    made = tile(tiles, gap, fill=0)
    expected = padded_grid(tiles, gap, 0)
    assert made.dtype == torch.uint8 and made.is_contiguous()
    assert torch.equal(made, expected)
    rows, cols = grid_shape(count)
    if rows * cols > count:  # empty cells of a partial last row keep the fill value
        assert made[-size:, -(size + 2):].eq(0).all()
