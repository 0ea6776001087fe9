"""``MethodRunner.run``: any method of registry.py for any class (a logit) on one normalised
batch, from the private network copy (network.py) and the modules input_maps.py, lrp.py and
cams.py, or the Explainer for the methods it already had.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from alexnet_viewer.core.explain import cams, input_maps, lrp
from alexnet_viewer.core.explain.explainer import DEFAULT_LAYER, Explainer
from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.explain.registry import (  # noqa: F401 (the registry's names, from here too)
    METHODS, NEW_METHODS, Method, Price, Settings, check_method, price, uses_layer,
)
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS, check_layer_name
from alexnet_viewer.core.model.device_gate import gated


class MethodRunner:
    """Runs any method of ``METHODS`` on one LoadedModel (thread-safe: no per-call state)."""

    def __init__(self, loaded, explainer: Explainer | None = None) -> None:
        self.explainer = explainer or Explainer(loaded)
        self.device = loaded.device
        self._net = Network(loaded.model, loaded.device, self.explainer.input_shape)
        mean = torch.tensor(loaded.transforms.mean, device=loaded.device).view(1, 3, 1, 1)
        std = torch.tensor(loaded.transforms.std, device=loaded.device).view(1, 3, 1, 1)
        self.box = ((0.0 - mean) / std, (1.0 - mean) / std)  # the normalised 0 and 1 per channel

    def layer_channels(self, layer: str) -> int:
        return self.explainer.layer_shape(layer)[0]

    def price(self, name: str, settings: Settings = Settings(), layer: str = DEFAULT_LAYER) -> Price:
        return price(name, settings, self.layer_channels(layer) if uses_layer(name) else 0, self.explainer.input_shape[-1])

    @gated  # alone on MPS (core/model/device_gate.py)
    def run(
        self, name: str, batch: torch.Tensor, class_index: int, layer: str = DEFAULT_LAYER,
        settings: Settings = Settings(), progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None, partial: Callable[[np.ndarray, int, int], None] | None = None,
    ) -> np.ndarray:
        """One float32 map, unnormalised: (3, H, W) for input maps, (h, w) for CAMs and occlusion."""
        check_method(name)
        c = int(class_index)
        if not 0 <= c < self.explainer.num_classes:
            raise ValueError(f"class index {c} is out of range 0..{self.explainer.num_classes - 1}")
        if uses_layer(name) and check_layer_name(layer) not in SPATIAL_LAYERS:
            raise ValueError(f"{METHODS[name].title} needs a conv, relu or pool layer, not {layer!r}")
        shape = tuple(self.explainer.input_shape)
        if not isinstance(batch, torch.Tensor) or tuple(batch.shape) != shape:
            raise ValueError(f"expected a normalised {shape} batch")
        batch = batch.to(self.device, torch.float32)
        if name == "occlusion":
            found = self.explainer.occlusion(batch, c, settings.window, settings.stride, progress, cancelled)
            return np.asarray(found.baseline - found.probability, dtype=np.float32)
        if name in ("gradcam", "guided_backprop", "deconv", "guided_gradcam"):
            return self.explainer.class_maps(batch, c, layer, (name,))[name]
        on_partial = None if partial is None else (lambda t, done, total: partial(_host(t), done, total))
        with torch.inference_mode():
            state = self._net.state_of[layer] if uses_layer(name) else 0
            if name == "saliency":
                out = input_maps.saliency(self._net, batch, c)
            elif name == "grad_x_input":
                out = input_maps.grad_x_input(self._net, batch, c)
            elif name == "smoothgrad":
                out = input_maps.smoothgrad(self._net, batch, c, settings.samples, settings.noise, settings.seed,
                                            settings.chunk, progress, cancelled, on_partial)
            elif name == "integrated_gradients":
                out = input_maps.integrated_gradients(self._net, batch, c, settings.steps, settings.chunk,
                                                      progress, cancelled, on_partial)
            elif name in ("lrp_epsilon", "lrp_composite"):
                out = lrp.lrp(self._net, batch, c, name == "lrp_composite", *self.box)
            elif name == "gradcam_pp":
                out = cams.gradcam_pp(self._net, batch, c, state)
            elif name == "layercam":
                out = cams.layercam(self._net, batch, c, state)
            else:
                out = cams.scorecam(self._net, batch, c, state, settings.mask_batch, progress, cancelled)
            return _host(out)


def _host(tensor: torch.Tensor) -> np.ndarray:
    array = tensor.detach().to("cpu", torch.float32).numpy()
    return array[0] if array.ndim == 4 else array
