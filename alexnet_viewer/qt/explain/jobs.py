"""What the Explain panel asks for, and what comes back: plain data, and the one function
that turns a request into maps by calling the core's ``Explainer`` (no tensor math here).

Every method but occlusion reads the drawn frame's own captured values
(``Result.activations``): no second forward, and the explanation is of exactly the frame
on screen. Occlusion needs forwards of the crop itself (the frame's normalised input).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HEAT, GRADIENT = "heat", "gradient"

# key -> (menu title, what it draws, explains a unit too)
METHODS: dict[str, tuple[str, str, bool]] = {
    "gradcam": ("Grad-CAM", HEAT, False),
    "guided_backprop": ("Guided backprop", GRADIENT, True),
    "deconv": ("Deconvnet", GRADIENT, True),
    "guided_gradcam": ("Guided Grad-CAM", GRADIENT, False),
    "occlusion": ("Occlusion", HEAT, False),
}
LAYER_METHODS = ("gradcam", "guided_gradcam")  # the ones the CAM layer applies to
OCCLUSION_WINDOW, OCCLUSION_STRIDE = 48, 16


@dataclass(frozen=True)
class ClassTarget:
    index: int
    label: str

    def describe(self) -> str:
        return f"“{self.label}” ({self.index})"


@dataclass(frozen=True)
class UnitTarget:
    layer: str
    channel: int
    y: int | None = None
    x: int | None = None

    def describe(self) -> str:
        where = "" if self.y is None else f" · cell (y {self.y}, x {self.x})"
        return f"{self.layer} · channel {self.channel}{where}"


@dataclass(frozen=True)
class ExplainRequest:
    method: str
    target: ClassTarget | UnitTarget
    layer: str  # the CAM layer (read by Grad-CAM and guided Grad-CAM only)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {tuple(METHODS)}")
        if isinstance(self.target, UnitTarget) and not METHODS[self.method][2]:
            raise ValueError(f"{METHODS[self.method][0]} explains a class; a unit takes guided backprop or deconvnet.")

    @property
    def kind(self) -> str:
        return METHODS[self.method][1]

    def describe(self) -> str:
        title = METHODS[self.method][0]
        at = f" at {self.layer}" if self.method in LAYER_METHODS else ""
        return f"{title} of {self.target.describe()}{at}"


@dataclass(frozen=True)
class ExplainJob:
    """One frame to explain. ``generation`` changes with the method, the target, the layer or
    the weights (not with the frame): an occlusion of an older generation is given up."""

    serial: int
    generation: int
    request: ExplainRequest
    result: object  # core Result: the frame drawn in the window
    frame_id: int
    loaded: object  # core LoadedModel the frame was run on
    ablated: bool = False


@dataclass(frozen=True)
class Explanation:
    job: ExplainJob
    maps: np.ndarray  # what the Explainer answered: (h, w) heat, (3, 224, 224) gradient
    heat: np.ndarray | None  # heat methods: the map to draw, over ``box`` of the crop
    box: tuple[float, float, float, float]  # (top, left, bottom, right) on the crop
    note: str  # e.g. the class probability before occlusion
    ms: float

    @property
    def frame_id(self) -> int:
        return self.job.frame_id


Progress = Callable[[int, int], None]


def explain_job(explainer, job: ExplainJob, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None) -> Explanation:
    """The maps of ``job`` (raises ExplainCancelled, or ValueError with a sentence)."""
    from alexnet_viewer.core.explain.display import occlusion_drop, upsample

    started = time.perf_counter()
    request, result = job.request, job.result
    target, crop = request.target, result.crop.shape[:2]
    whole = (0.0, 0.0, float(crop[0]), float(crop[1]))
    activations = result.activations
    note = ""
    if isinstance(target, UnitTarget):
        maps = explainer.unit_map(None, target.layer, target.channel, target.y, target.x, request.method,
                                  activations=activations)
        heat, box = None, whole
    elif request.method == "occlusion":
        occlusion = explainer.occlusion(_normalised_batch(job), target.index, OCCLUSION_WINDOW, OCCLUSION_STRIDE,
                                        progress=progress, cancelled=cancelled)
        maps = occlusion.probability
        heat, box = occlusion_drop(occlusion)
        note = f"p = {float(occlusion.baseline):.3f} uncovered; hot: covering it there lowers p most"
    else:
        maps = explainer.class_maps(None, target.index, request.layer, (request.method,),
                                    activations=activations)[request.method]
        heat, box = (upsample(maps, crop), whole) if request.kind == HEAT else (None, whole)
    return Explanation(job, maps, heat, box, note, (time.perf_counter() - started) * 1000)


def _normalised_batch(job: ExplainJob):
    import torch

    from alexnet_viewer.core.inspect.formula import normalised_input

    return torch.from_numpy(normalised_input(job.loaded, job.result)).unsqueeze(0)
