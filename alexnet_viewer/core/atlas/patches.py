"""What a unit saw in one of its best pictures: the receptive field's crop and its deconvnet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.explain.display import gradient_image
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.atlas.lookup import Unit
from alexnet_viewer.core.atlas.pictures import load_picture


class PatchMaker:
    """``patches(unit, layer, channel)`` → (crop, deconvnet), each (h, w, 3) uint8 over the box."""

    def __init__(self, loaded, draft: tuple[int, int] | None) -> None:
        self._device = loaded.device
        self._preprocess = Preprocessor(loaded.transforms, torch.device("cpu"))
        self._draft = draft
        self._explainer = Explainer(loaded)

    def patches(self, unit: Unit, layer: str, channel: int) -> tuple[np.ndarray, np.ndarray]:
        """Raises ImageLoadError for a picture that no longer decodes."""
        normalised, crop = load_picture(Path(unit.path), self._preprocess, self._draft)
        with device_work(self._device):  # alone on MPS (core/model/device_gate.py)
            batch = normalised.unsqueeze(0).to(self._device)
            deconv = self._explainer.unit_map(batch, layer, channel, unit.y, unit.x, method="deconv")
        top, left, bottom, right = unit.box
        pixels = np.ascontiguousarray(crop.permute(1, 2, 0).numpy()[top:bottom, left:right])
        # Scaled over the box alone, so the unit's own pattern has the full contrast.
        return pixels, gradient_image(np.asarray(deconv)[:, top:bottom, left:right], "raw")
