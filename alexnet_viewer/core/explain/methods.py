"""Every explanation method by name, what it costs, and one way to run any of them.

``METHODS`` lists each method once: its title, kind (``input``: a 3x224x224 map with respect
to the normalised input; ``cam``: an (h, w) map at a conv/relu/pool layer; ``occlusion``) and
the reference implementation it equals. ``price`` counts the passes a method makes, in
single-picture forwards and backwards; costs.py turns that into seconds on this device.
``MethodRunner.run`` computes any method for any class (a logit) on one normalised batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from alexnet_viewer.core.explain import cams, input_maps, lrp
from alexnet_viewer.core.explain.explainer import DEFAULT_LAYER, Explainer
from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.explain.occlusion import square_offsets
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS, check_layer_name


@dataclass(frozen=True)
class Method:
    name: str
    title: str
    kind: str  # "input", "cam" or "occlusion"
    reference: str


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("gradcam", "Grad-CAM", "cam", "Captum LayerGradCam"),
    Method("gradcam_pp", "Grad-CAM++", "cam", "pytorch-grad-cam GradCAMPlusPlus"),
    Method("layercam", "Layer-CAM", "cam", "pytorch-grad-cam LayerCAM"),
    Method("scorecam", "Score-CAM", "cam", "pytorch-grad-cam ScoreCAM"),
    Method("saliency", "Saliency (gradient)", "input", "Captum Saliency(abs=False)"),
    Method("grad_x_input", "Gradient × input", "input", "Captum InputXGradient"),
    Method("smoothgrad", "SmoothGrad", "input", "Captum NoiseTunnel(Saliency)"),
    Method("integrated_gradients", "Integrated Gradients", "input", "Captum IntegratedGradients"),
    Method("lrp_epsilon", "LRP-ε", "input", "Captum LRP"),
    Method("lrp_composite", "LRP ε-γ-box", "input", "zennit EpsilonGammaBox"),
    Method("guided_backprop", "Guided backprop", "input", "Captum GuidedBackprop"),
    Method("deconv", "Deconvnet", "input", "Captum Deconvolution"),
    Method("guided_gradcam", "Guided Grad-CAM", "cam_input", "Captum GuidedGradCam"),
    Method("occlusion", "Occlusion", "occlusion", "Zeiler & Fergus 2014"),
)}
NEW_METHODS = ("saliency", "grad_x_input", "smoothgrad", "integrated_gradients", "lrp_epsilon", "lrp_composite",
               "gradcam_pp", "layercam", "scorecam")


@dataclass(frozen=True)
class Settings:
    samples: int = 50  # SmoothGrad's noisy copies
    noise: float = 0.15  # SmoothGrad's sigma as a fraction of the input's range
    steps: int = 50  # Integrated Gradients' Gauss-Legendre nodes
    seed: int = 0
    chunk: int = 10  # SmoothGrad / IG inputs per batch
    mask_batch: int = 32  # Score-CAM masked inputs per batch
    window: int = 48  # occlusion
    stride: int = 16


@dataclass(frozen=True)
class Price:
    forwards: float
    backwards: float

    def describe(self) -> str:
        f, b = _count(self.forwards), _count(self.backwards)
        return f"{f} forward{'s' * (f != '1')}" + (f" + {b} backward{'s' * (b != '1')}" if self.backwards else "")


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def check_method(name: str) -> Method:
    method = METHODS.get(name)
    if method is None:
        raise ValueError(f"Unknown explanation method {name!r}; choose one of {', '.join(METHODS)}.")
    return method


def uses_layer(name: str) -> bool:
    return check_method(name).kind in ("cam", "cam_input")


def price(name: str, settings: Settings = Settings(), channels: int = 256, input_size: int = 224) -> Price:
    """Passes of one map of one class: ``channels`` is the CAM layer's (Score-CAM's forwards)."""
    check_method(name)
    if name == "smoothgrad":
        return Price(settings.samples, settings.samples)
    if name == "integrated_gradients":
        return Price(settings.steps, settings.steps)
    if name == "scorecam":
        return Price(1 + channels, 0)
    if name == "occlusion":
        return Price(1 + len(square_offsets(input_size, settings.window, settings.stride)) ** 2, 0)
    if name == "lrp_composite":  # the gamma rule: four transposed convolutions per layer, ZBox three
        return Price(1, 4)
    if name == "guided_gradcam":
        return Price(1, 2)
    return Price(1, 1)


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
