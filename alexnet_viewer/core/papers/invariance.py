"""Invariance to translation, scale and rotation (Zeiler & Fergus 2014, Fig. 5).

Each step transforms the normalised 224x224 crop with torchvision's ``v2.functional.affine``
(bilinear, fill 0 -- the weights' mean colour -- about the centre; a translation moves the
picture down by ``t`` pixels, ``translate=[0, t]``) and records, against the untransformed
crop, the Euclidean distance between the feature vectors of each chosen layer (the whole
layer flattened) and the probability of one class (by default the untransformed crop's
top-1). The identity step of each sweep is the untransformed crop itself (affine's resampling
at the identity is off by about 1e-4), so its distance is 0 up to the rounding of a batched
pass (about 1e-6 of the features' norm). Every step of the
three sweeps goes through the network in batches, with progress and cancel between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torchvision.transforms.v2 import functional as F

from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.frame.layers import check_layer_name

DEFAULT_LAYERS = ("relu1", "relu7")
DEFAULT_SWEEPS: dict[str, tuple[float, ...]] = {
    "translation": tuple(float(t) for t in range(-60, 61, 10)),  # pixels of the crop, downwards
    "scale": tuple(round(0.5 + 0.1 * step, 2) for step in range(11)),
    "rotation": tuple(float(angle) for angle in range(0, 361, 30)),  # degrees, anticlockwise
}
IDENTITY = {"translation": 0.0, "scale": 1.0, "rotation": 0.0}
UNITS = {"translation": "pixels", "scale": "times", "rotation": "degrees"}


class InvarianceCancelled(ViewerError):
    def __init__(self) -> None:
        super().__init__("The invariance sweeps were cancelled.")


@dataclass(frozen=True)
class Sweep:
    values: tuple[float, ...]
    distance: Mapping[str, np.ndarray]  # layer -> (steps,) float32
    probability: np.ndarray  # (steps,) float32


@dataclass(frozen=True)
class Invariance:
    class_index: int
    sweeps: Mapping[str, Sweep]

    def to_json(self, label: str | None = None) -> dict:
        payload: dict = {"class": self.class_index}
        if label is not None:
            payload["label"] = label
        payload["sweeps"] = {
            name: {
                "values": list(sweep.values),
                "distance": {layer: values.tolist() for layer, values in sweep.distance.items()},
                "probability": sweep.probability.tolist(),
            }
            for name, sweep in self.sweeps.items()
        }
        return payload


def transformed(batch: torch.Tensor, sweep: str, value: float) -> torch.Tensor:
    """The (1, 3, H, W) normalised crop moved, scaled or rotated by one step of a sweep."""
    if value == IDENTITY[sweep]:
        return batch
    angle, translate, scale = 0.0, [0.0, 0.0], 1.0
    if sweep == "translation":
        translate = [0.0, float(value)]
    elif sweep == "scale":
        scale = float(value)
    elif sweep == "rotation":
        angle = float(value)
    else:
        raise ValueError(f"unknown sweep {sweep!r}; choose one of {', '.join(IDENTITY)}")
    return F.affine(batch, angle=angle, translate=translate, scale=scale, shear=[0.0, 0.0],
                    interpolation=F.InterpolationMode.BILINEAR, fill=0.0)


def check_sweeps(sweeps: Mapping[str, Sequence[float]]) -> None:
    for name, values in sweeps.items():
        if name not in IDENTITY:
            raise ValueError(f"unknown sweep {name!r}; choose from {', '.join(IDENTITY)}")
        if not values:
            raise ValueError(f"the {name} sweep has no values")
        if name == "scale" and min(values) <= 0:
            raise ValueError("scales must be above 0")


def invariance(
    network,
    batch: torch.Tensor,
    class_index: int | None = None,
    layers: Sequence[str] = DEFAULT_LAYERS,
    sweeps: Mapping[str, Sequence[float]] = DEFAULT_SWEEPS,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = 16,
) -> Invariance:
    """The three sweeps of one normalised (1, 3, 224, 224) crop.

    ``network``: ``core.explain.network.Network`` (hook-free, its states step by step)."""
    layers = [check_layer_name(layer) for layer in dict.fromkeys(layers)]
    if not layers:
        raise ValueError("choose at least one layer")
    check_sweeps(sweeps)
    states = [network.state_of[layer] for layer in layers]
    steps = [(name, value) for name, values in sweeps.items() for value in values]
    with torch.inference_mode():
        reference = network.forward(batch)
        logits = reference[network.top]
        if class_index is None:
            class_index = int(logits.argmax(dim=1)[0])
        if not 0 <= class_index < logits.shape[1]:
            raise ValueError(f"class index {class_index} is out of range 0..{logits.shape[1] - 1}")
        origin = {state: reference[state].flatten(1) for state in states}
        distance = {state: [] for state in states}
        probability = []
        for start in range(0, len(steps), max(1, batch_size)):
            if cancelled is not None and cancelled():
                raise InvarianceCancelled()
            chunk = steps[start : start + batch_size]
            found = network.forward(torch.cat([transformed(batch, name, value) for name, value in chunk]))
            for state in states:
                distance[state].append(torch.linalg.vector_norm(found[state].flatten(1) - origin[state], dim=1))
            probability.append(torch.softmax(found[network.top], dim=1)[:, class_index])
            if progress is not None:
                progress(start + len(chunk), len(steps))
        flat = {state: torch.cat(values).to("cpu", torch.float32).numpy() for state, values in distance.items()}
        flat_probability = torch.cat(probability).to("cpu", torch.float32).numpy()
    result, offset = {}, 0
    for name, values in sweeps.items():
        span = slice(offset, offset + len(values))
        result[name] = Sweep(
            values=tuple(float(value) for value in values),
            distance={layer: flat[state][span] for layer, state in zip(layers, states)},
            probability=flat_probability[span],
        )
        offset += len(values)
    return Invariance(class_index=class_index, sweeps=result)
