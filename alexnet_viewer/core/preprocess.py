"""The network's input pipeline, taken from the weights' own ``transforms()``.

The steps of torchvision's ``ImageClassification`` are run one by one on a uint8 tensor on
the model's device, so the 224x224 crop the network sees can be kept as a picture before
normalisation.
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.transforms import functional as F


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
        chw = torch.from_numpy(image).to(self._device, non_blocking=True).permute(2, 0, 1)
        resized = F.resize(chw, self._resize_size, self._interpolation, antialias=self._antialias)
        crop = F.center_crop(resized, self._crop_size)
        batch = crop.unsqueeze(0).float().div_(255).sub_(self._mean).div_(self._std)
        return batch, crop
