"""Why AlexNet thinks so: Grad-CAM, guided backprop, deconvnet, guided Grad-CAM, unit maps.

Every method takes the normalised (1, 3, 224, 224) batch from ``Preprocessor`` and answers
numpy float32 arrays on the host. Class targets are logits z_c (before the softmax); a
method given a sequence of classes answers one map per class (stacked), computed as one
batched backward. ``activations=`` (a frame's ``Result.activations``) skips the forward:
the backward reads the frame's captured ReLU outputs and pooling inputs instead, so a live
frame plus its Grad-CAM costs the frame plus a partial backward (pass an unablated frame's
values: the maps are of the intact network). No method ever computes a gradient with
respect to a weight, and the engine's model is never run or changed (see network.py for
the private copy and the backward rules).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS, check_layer_name
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.explain.occlusion import OcclusionMap, occlusion_map
from alexnet_viewer.core.explain.registry import DEFAULT_LAYER

Activations = Mapping[str, object]  # canonical layer name -> captured (C,H,W) / (N,) values
Classes = int | Sequence[int]

CLASS_METHODS = ("gradcam", "guided_backprop", "deconv", "guided_gradcam")
UNIT_METHODS = {"deconv": "deconv", "guided_backprop": "guided"}


class Explainer:
    """Explains one LoadedModel's decisions; thread-safe (it keeps no per-call state)."""

    def __init__(self, loaded) -> None:
        self.device = loaded.device
        self.categories = tuple(loaded.categories)
        self.input_shape = Preprocessor(loaded.transforms, loaded.device).batch_shape
        self._net = Network(loaded.model, loaded.device, self.input_shape)
        self.num_classes = self._net.shapes[self._net.top][0]

    def layer_shape(self, layer: str) -> tuple[int, ...]:
        """(C, H, W) of a spatial layer's output, (N,) of a fully connected one."""
        return self._net.layer_shape(check_layer_name(layer))

    # -- class targets ---------------------------------------------------------------------

    def gradcam(self, batch, class_index: Classes, layer: str = DEFAULT_LAYER, *, activations: Activations | None = None) -> np.ndarray:
        """ReLU(sum_k alpha_k A^k), alpha_k the mean of dz_c/dA^k: (H, W) at the layer's size."""
        return self.class_maps(batch, class_index, layer, ("gradcam",), activations=activations)["gradcam"]

    def guided_backprop(self, batch, class_index: Classes, *, activations: Activations | None = None) -> np.ndarray:
        """dz_c/dx for the normalised input, each ReLU passing only g > 0 where it fired: (3, 224, 224)."""
        return self.class_maps(batch, class_index, DEFAULT_LAYER, ("guided_backprop",), activations=activations)[
            "guided_backprop"
        ]

    def deconv(self, batch, class_index: Classes, *, activations: Activations | None = None) -> np.ndarray:
        """Zeiler & Fergus's deconvnet of z_c: each ReLU passes relu(g) whatever the sign: (3, 224, 224)."""
        return self.class_maps(batch, class_index, DEFAULT_LAYER, ("deconv",), activations=activations)["deconv"]

    def guided_gradcam(self, batch, class_index: Classes, layer: str = DEFAULT_LAYER, *, activations: Activations | None = None) -> np.ndarray:
        """Guided backprop times Grad-CAM upsampled bilinearly (align_corners=False) to the input."""
        return self.class_maps(batch, class_index, layer, ("guided_gradcam",), activations=activations)[
            "guided_gradcam"
        ]

    def class_maps(
        self,
        batch,
        class_index: Classes,
        layer: str = DEFAULT_LAYER,
        methods: Sequence[str] = CLASS_METHODS,
        *,
        activations: Activations | None = None,
    ) -> dict[str, np.ndarray]:
        """Several maps of several classes from one forward (or none, given ``activations``)."""
        classes, single = self._classes(class_index)
        unknown = set(methods) - set(CLASS_METHODS)
        if unknown:
            raise ValueError(f"unknown method(s) {sorted(unknown)}; choose from {CLASS_METHODS}")
        net, cam_state = self._net, self._cam_state(layer)
        wants_cam = bool({"gradcam", "guided_gradcam"} & set(methods))
        wants_guided = bool({"guided_backprop", "guided_gradcam"} & set(methods))
        indices = net.needed(cam_state) | {cam_state} if wants_cam else set()
        if wants_guided or "deconv" in methods:
            indices |= net.needed(0)
        with torch.inference_mode():
            states = self._states(batch, activations, indices)
            seed = self._seed(classes)
            maps: dict[str, torch.Tensor] = {}
            if wants_cam:
                grad = net.backprop(seed, net.top, cam_state, states, "plain")
                weights = grad.mean(dim=(2, 3), keepdim=True)
                maps["gradcam"] = torch.relu((weights * states[cam_state]).sum(dim=1, keepdim=True))
            if wants_guided:
                maps["guided_backprop"] = net.backprop(seed, net.top, 0, states, "guided")
            if "deconv" in methods:
                maps["deconv"] = net.backprop(seed, net.top, 0, states, "deconv")
            if "guided_gradcam" in methods:
                upsampled = F.interpolate(maps["gradcam"], size=self.input_shape[-2:], mode="bilinear")
                maps["guided_gradcam"] = maps["guided_backprop"] * upsampled
            if "gradcam" in maps:
                maps["gradcam"] = maps["gradcam"][:, 0]
            return {name: _host(maps[name], single) for name in methods}

    # -- units -----------------------------------------------------------------------------

    def unit_map(
        self,
        batch,
        layer: str,
        channel: int,
        y: int | None = None,
        x: int | None = None,
        method: str = "deconv",
        *,
        activations: Activations | None = None,
    ) -> np.ndarray:
        """DVT's backprop pane: (3, 224, 224) deconv / guided backprop of a channel, seeded with
        its own activation (the gradient of 1/2 sum a_c^2), or of the single neuron a_{c,y,x}."""
        if method not in UNIT_METHODS:
            raise ValueError(f"unit method must be one of {tuple(UNIT_METHODS)}, not {method!r}")
        state = self._net.state_of[check_layer_name(layer)]
        check_unit(self.layer_shape(layer), layer, channel, y, x)
        with torch.inference_mode():
            if activations is None:
                states = dict(enumerate(self._net.forward(self._check_batch(batch), upto=state)))
            else:
                states = self._net.states_from(activations, self._net.needed(0, state) | {state})
            values = states[state]
            seed = torch.zeros_like(values)
            if y is None:
                seed[:, channel] = values[:, channel]
            else:
                seed[0, channel, y, x] = 1.0
            return _host(self._net.backprop(seed, state, 0, states, UNIT_METHODS[method]), True)

    # -- occlusion -------------------------------------------------------------------------

    def occlusion(self, batch, class_index: Classes, window: int = 48, stride: int = 16, progress=None, cancelled=None, batch_size: int = 16) -> OcclusionMap:
        """Zeiler & Fergus's grey square (0 after normalisation, i.e. the weights' mean colour)
        slid over the crop; the class probability with it at each position. Batched forwards;
        ``progress(done, total)`` after each batch; ``cancelled()`` true raises ExplainCancelled."""
        classes, single = self._classes(class_index)
        with torch.inference_mode():
            return occlusion_map(
                self._net.model, self._check_batch(batch), classes, single, window, stride, progress, cancelled, batch_size
            )

    # -- helpers ---------------------------------------------------------------------------

    def _states(self, batch, activations: Activations | None, indices: set[int]) -> dict[int, torch.Tensor]:
        if activations is not None:
            return self._net.states_from(activations, indices)
        return dict(enumerate(self._net.forward(self._check_batch(batch))))

    def _check_batch(self, batch) -> torch.Tensor:
        if not isinstance(batch, torch.Tensor) or tuple(batch.shape) != tuple(self.input_shape):
            shape = tuple(batch.shape) if isinstance(batch, torch.Tensor) else type(batch).__name__
            raise ValueError(f"expected a normalised {tuple(self.input_shape)} batch, got {shape}")
        return batch.to(self.device, torch.float32)

    def _cam_state(self, layer: str) -> int:
        if check_layer_name(layer) not in SPATIAL_LAYERS:
            raise ValueError(f"Grad-CAM needs a conv, relu or pool layer, not {layer!r}")
        return self._net.state_of[layer]

    def _classes(self, class_index: Classes) -> tuple[list[int], bool]:
        single = isinstance(class_index, (int, np.integer))
        classes = [int(class_index)] if single else [int(c) for c in class_index]
        if not classes:
            raise ValueError("no class to explain")
        for c in classes:
            if not 0 <= c < self.num_classes:
                raise ValueError(f"class index {c} is out of range 0..{self.num_classes - 1}")
        return classes, single

    def _seed(self, classes: list[int]) -> torch.Tensor:
        seed = torch.zeros(len(classes), self.num_classes, device=self.device)
        seed[torch.arange(len(classes), device=self.device), torch.tensor(classes, device=self.device)] = 1.0
        return seed


def check_unit(shape: tuple[int, ...], layer: str, channel: int, y: int | None, x: int | None) -> None:
    """ValueError with one sentence when (channel, y, x) is not a unit of a layer of this shape."""
    if not 0 <= channel < shape[0]:
        raise ValueError(f"{layer} has channels 0..{shape[0] - 1}, not {channel}")
    if (y is None) != (x is None):
        raise ValueError("give both y and x for a neuron, or neither for the whole channel")
    if y is None:
        return
    if len(shape) != 3:
        raise ValueError(f"{layer} is fully connected: its units have no position")
    if not (0 <= y < shape[1] and 0 <= x < shape[2]):
        raise ValueError(f"{layer} positions are y 0..{shape[1] - 1}, x 0..{shape[2] - 1}, not {y},{x}")


def _host(tensor: torch.Tensor, single: bool) -> np.ndarray:
    array = tensor.detach().to("cpu", torch.float32).numpy()
    return array[0] if single else array
