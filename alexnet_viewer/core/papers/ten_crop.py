"""Ten-crop prediction (Krizhevsky, Sutskever & Hinton 2012, section 4.1).

"At test time, the network makes a prediction by extracting five 224x224 patches (the four
corner patches and the center patch) as well as their horizontal reflections (hence ten
patches in all), and averaging the predictions made by the network's softmax layer on the
ten patches." The patches come from the paper's 256x256 picture: the short side resized to
the weights' resize size (256), the central 256x256 square cut out (section 2). Each patch is
torchvision's ``TenCrop`` of that square, in its order (five crops of the square, then five of
its mirror image); the resize and rounding are the engine's own (``Preprocessor``), so the
centre patch is exactly the crop the window shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from alexnet_viewer.core.frame.preprocess import Preprocessor

NAMES = ("top-left", "top-right", "bottom-left", "bottom-right", "centre")
CROP_NAMES = NAMES + tuple(f"{name} mirrored" for name in NAMES)
CENTRE = NAMES.index("centre")


@dataclass(frozen=True)
class TenCrops:
    crops: np.ndarray  # (10, 224, 224, 3) uint8, as the network saw them (mirrored ones mirrored)
    probabilities: np.ndarray  # (10, classes) float32 softmax of each crop
    mean: np.ndarray  # (classes,) float32, the average of the ten softmaxes

    def top(self, k: int = 5) -> list[tuple[int, float]]:
        """The averaged prediction's k best (class, probability), best first."""
        order = np.argsort(-self.mean, kind="stable")[:k]
        return [(int(index), float(self.mean[index])) for index in order]

    def crop_top1(self) -> list[tuple[int, float]]:
        """Each crop's own best (class, probability), in CROP_NAMES order."""
        best = self.probabilities.argmax(axis=1)
        return [(int(index), float(row[index])) for index, row in zip(best, self.probabilities)]


def ten_crop_windows(size: list[int], preprocess: Preprocessor) -> list[tuple[int, int, bool]]:
    """(top, left, mirrored) of each patch in a resized frame of ``size`` ([h, w]), in
    TenCrop's order; a mirrored patch is the mirror image of the window at (top, left)."""
    crop_h, crop_w = preprocess.crop_size
    side = min(size)
    top0, left0 = preprocess.centre_corner(size, (side, side))
    centre = preprocess.centre_corner([side, side])
    corners = [(0, 0), (0, side - crop_w), (side - crop_h, 0), (side - crop_h, side - crop_w), centre]
    windows = [(top0 + top, left0 + left, False) for top, left in corners]
    # five_crop of the mirrored square: its window at column c is the original's at side - w - c
    windows += [(top0 + top, left0 + side - crop_w - left, True) for top, left in corners]
    return windows


def ten_crop_batch(preprocess: Preprocessor, image: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(normalised (10, 3, 224, 224) float32, crops (10, 3, 224, 224) uint8) of an (H, W, 3) picture."""
    windows = ten_crop_windows(preprocess.resized_size(image), preprocess)
    crops = preprocess.crops_at(image, [(top, left) for top, left, _ in windows])
    mirrored = torch.tensor([flip for _, _, flip in windows], device=crops.device)
    crops = torch.where(mirrored.view(-1, 1, 1, 1), crops.flip(-1), crops)
    return preprocess.normalise(crops), crops


def average_softmax(model: torch.nn.Module, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """((n, 10, classes) softmax per crop, (n, classes) their mean) of (n, 10, 3, H, W) batches."""
    with torch.inference_mode():
        probabilities = torch.softmax(model(batch.flatten(0, 1)), dim=1).view(*batch.shape[:2], -1)
    return probabilities, probabilities.mean(dim=1)


def ten_crop(model: torch.nn.Module, preprocess: Preprocessor, image: np.ndarray) -> TenCrops:
    """The ten patches of ``image`` and the network's softmax on each and on average.

    ``model``: an eval-mode AlexNet on the preprocessor's device, without capturing hooks
    (``core.visualize.network.private_model``)."""
    batch, crops = ten_crop_batch(preprocess, image)
    probabilities, mean = average_softmax(model, batch.unsqueeze(0))
    return TenCrops(
        crops=crops.permute(0, 2, 3, 1).cpu().numpy(),
        probabilities=probabilities[0].to("cpu", torch.float32).numpy(),
        mean=mean[0].to("cpu", torch.float32).numpy(),
    )
