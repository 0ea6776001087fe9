"""The network's input pipeline, taken from the weights' own ``transforms()``.

The steps of torchvision's ``ImageClassification`` (its resize size, interpolation and
antialiasing, crop size, mean and std) are run one by one on a uint8 tensor on the model's
device, so the 224x224 crop the network sees can be kept as a picture before normalisation.

The resize calls torch's interpolate on the frame's own channels-last layout, with the output
size from torchvision's own rule: torchvision's resize first copies the frame into planar
layout and then takes a kernel 2.5x slower. The two kernels round differently by at most
one level of 255.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as nnf
from torchvision.transforms import functional as F
from torchvision.transforms.functional import _compute_resized_output_size


class Preprocessor:
    def __init__(self, transforms: object, device: torch.device) -> None:
        self._resize_size = list(transforms.resize_size)
        self._crop_size = list(transforms.crop_size)
        self._interpolation = transforms.interpolation
        self._antialias = transforms.antialias
        self._mean = torch.tensor(transforms.mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(transforms.std, device=device).view(1, 3, 1, 1)
        self._device = device
        height, width = (self._crop_size * 2)[:2]  # torchvision allows [size] or [h, w]
        self.batch_shape = (1, 3, height, width)

    def __call__(self, image: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(normalised batch (1,3,224,224) float32, crop (3,224,224) uint8), both on the device."""
        if not image.flags.writeable:  # torch cannot wrap read-only memory
            image = image.copy()
        chw = torch.from_numpy(image)
        if self._device.type != "cpu":
            chw = chw.to(self._device, non_blocking=True)
        batch_hwc = chw.permute(2, 0, 1).unsqueeze(0)  # (1, 3, H, W), channels-last in memory
        size = _compute_resized_output_size(list(batch_hwc.shape[-2:]), self._resize_size, None)
        mode = self._interpolation.value
        align = False if mode in ("bilinear", "bicubic") else None
        resized = nnf.interpolate(batch_hwc, size=size, mode=mode, align_corners=align, antialias=self._antialias)[0]
        crop = F.center_crop(resized, self._crop_size)
        batch = crop.unsqueeze(0).float().div_(255).sub_(self._mean).div_(self._std)
        return batch, crop
