"""What lies between the optimised picture and the network.

The optimiser goes through the viewer's own preprocessing (``Preprocessor.crop_float`` and
``normalise_float`` in core/frame/preprocess.py, from the weights' ``transforms()``): a saved
224x224 picture becomes exactly what the network is handed when the PNG is opened
(resize the short side to 256, crop the centre 224, normalise). Optimising through it is what makes the saved file, reopened, drive the channel as hard as it did here.

``random_view`` is the robustness the picture must survive at every step: a random
shift, scale and rotation in one bilinear warp, the area it uncovers filled with grey.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as nnf

SHIFT_PX = 8
SCALE_RANGE = (0.95, 1.05)
ROTATION_DEG = 10.0
FILL = 0.5


def random_view(picture: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """``picture`` (N, 3, H, W) shifted, scaled and rotated at random, same size, grey outside."""
    height, width = picture.shape[-2:]
    low, high = SCALE_RANGE
    draws = torch.rand(4, generator=generator, dtype=torch.float64).tolist()
    scale = low + (high - low) * draws[0]
    angle = math.radians(ROTATION_DEG * (2 * draws[1] - 1))
    # affine_grid works in [-1, 1] coordinates: a shift of k pixels is 2k / size.
    shift_x = SHIFT_PX * (2 * draws[2] - 1) * 2 / width
    shift_y = SHIFT_PX * (2 * draws[3] - 1) * 2 / height
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    theta = torch.tensor(
        [[cos, -sin, shift_x], [sin, cos, shift_y]], dtype=picture.dtype, device=picture.device
    ).expand(picture.shape[0], 2, 3)
    grid = nnf.affine_grid(theta, list(picture.shape), align_corners=False)
    warped = nnf.grid_sample(picture - FILL, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return warped + FILL
