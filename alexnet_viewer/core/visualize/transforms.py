"""What lies between the optimised picture and the network.

``ViewerView`` turns a saved 224x224 picture into exactly what the viewer's preprocessing
(core/preprocess.py, from the weights' ``transforms()``) hands the network when the PNG is
opened: resize the short side to 256, crop the centre 224, normalise. Optimising through
it is what makes the saved file, reopened, drive the channel as hard as it did here.

``random_view`` is the robustness the picture must survive at every step: a random
shift, scale and rotation in one bilinear warp, the area it uncovers filled with grey.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as nnf
from torchvision.transforms import functional as F
from torchvision.transforms.functional import _compute_resized_output_size

SHIFT_PX = 8
SCALE_RANGE = (0.95, 1.05)
ROTATION_DEG = 10.0
FILL = 0.5


class ViewerView:
    def __init__(self, transforms: object, device: torch.device) -> None:
        self._resize_size = list(transforms.resize_size)
        self._crop_size = list(transforms.crop_size)
        self._mode = transforms.interpolation.value
        self._antialias = transforms.antialias
        self._mean = torch.tensor(transforms.mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(transforms.std, device=device).view(1, 3, 1, 1)

    def crop(self, picture: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [0, 1] -> the (N, 3, 224, 224) the viewer would feed, unnormalised."""
        size = _compute_resized_output_size(list(picture.shape[-2:]), self._resize_size, None)
        align = False if self._mode in ("bilinear", "bicubic") else None
        resized = nnf.interpolate(
            picture, size=size, mode=self._mode, align_corners=align, antialias=self._antialias
        )
        return F.center_crop(resized, self._crop_size)

    def normalise(self, crop: torch.Tensor) -> torch.Tensor:
        return (crop - self._mean) / self._std


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
