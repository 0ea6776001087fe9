"""Every explanation method by name and what it costs (no torch: the window lists them early).

``METHODS`` lists each method once: its title, kind (``input``: a 3x224x224 map with respect
to the normalised input; ``cam``: an (h, w) map at a conv/relu/pool layer; ``cam_input``:
guided Grad-CAM, an input map that also reads a layer; ``occlusion``) and the reference
implementation it equals. ``price`` counts the passes a method makes, in single-picture
forwards and backwards; costs.py turns that into seconds on this device; methods.py runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS, check_layer_name

DEFAULT_LAYER = "relu5"


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




def square_offsets(size: int, window: int, stride: int) -> tuple[int, ...]:
    """Where the occlusion square's top-left corner goes along one side of the crop."""
    if not 1 <= window <= size or stride < 1:
        raise ValueError(f"occlusion needs 1 <= window <= {size} and stride >= 1, not {window} and {stride}")
    return tuple(range(0, size - window + 1, stride))


def channels_of(model, layer: str) -> int:
    """Channels of a conv/relu/pool layer's output: the last convolution's up to it."""
    attr, index = MODULE_LOCATIONS[check_layer_name(layer)]
    convs = [m.out_channels for m in list(getattr(model, attr))[: index + 1] if hasattr(m, "out_channels")]
    if not convs:
        raise ValueError(f"{layer} has no convolution below it")
    return convs[-1]
