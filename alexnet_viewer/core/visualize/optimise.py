"""The optimisation loop, its result, and the honest measure of what was achieved.

The objective is the mean over positions of one channel of the named layer's output: for
``convN`` the convolution's output before its ReLU, for ``reluN``/``poolN`` that layer's
own output, for fc layers the unit (fc8: a class's logit, before the softmax). This is what
the viewer shows for that layer (its hooks copy conv and fc outputs before the ReLU).

The picture is 224x224, optimised through exactly the viewer's preprocessing of a 224x224
file (see transforms.py), under a random shift, scale and rotation for the first three
quarters of the steps and without for the last quarter (the polish: on an untrained network
the random views alone leave the saved picture at about twice the best photo, the polish
lifts it to three to five times without changing the picture's structure); Adam, lr 0.05.
``activation`` in the result is measured on the quantised uint8 picture through
core/preprocess.py's Preprocessor, as the viewer would see the saved PNG when opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import frozen_array
from alexnet_viewer.core.visualize import cache
from alexnet_viewer.core.visualize.network import private_model, truncated
from alexnet_viewer.core.visualize.param import FourierImage
from alexnet_viewer.core.visualize.target import check_target
from alexnet_viewer.core.visualize.transforms import random_view

if TYPE_CHECKING:
    from alexnet_viewer.core.model.loader import LoadedModel

DEFAULT_STEPS = 256
LEARNING_RATE = 0.05
# The last quarter of the steps sees the picture exactly as the viewer will (no random view).
POLISH = 0.25
SIZE = 224

Progress = Callable[[int, int, float], None]  # (steps done, steps, objective now)


class VisualizeCancelled(ViewerError):
    """The caller stopped the optimisation; nothing was cached."""


@dataclass(frozen=True)
class VisualizeResult:
    layer: str
    channel: int
    steps: int
    seed: int
    image: np.ndarray  # (224, 224, 3) uint8, read-only: the picture to save
    activation: float  # the channel's mean for ``image`` opened as the viewer opens a file
    history: tuple[float, ...]  # the objective at each step, on that step's random view
    cached: bool  # True when read back from the disk cache
    seconds: float  # time spent in this call


def visualize(
    loaded: "LoadedModel",
    layer: str,
    channel: int,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    cache_dir: Path | None = None,
) -> VisualizeResult:
    """The 224x224 picture that maximises ``layer``'s channel; from the cache when known.

    Raises TargetError for a layer or channel that does not exist, ValueError for steps < 1,
    VisualizeCancelled when ``cancelled()`` turns true (checked before every step).
    """
    start = perf_counter()
    channel = check_target(layer, channel).channel
    if int(steps) < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    steps, seed = int(steps), int(seed)
    folder = cache.default_cache_dir() if cache_dir is None else Path(cache_dir)
    entry = cache.entry_path(folder, cache.weights_fingerprint(loaded.model), layer, channel, steps, seed)
    known = cache.read_entry(entry, steps)
    if known is not None:
        image, activation, history = known
        if progress is not None:
            progress(steps, steps, history[-1] if history else activation)
        return VisualizeResult(
            layer, channel, steps, seed, frozen_array(image), activation, history, True, perf_counter() - start
        )
    # Also when the caller is in inference mode: tensors made there could not be differentiated.
    with torch.inference_mode(False), torch.enable_grad():
        network = truncated(private_model(loaded.model, redirect=True), layer)
        image, history = _optimise(network, loaded, channel, steps, seed, progress, cancelled)
    activation = _channel_mean(network, loaded, channel, image)
    cache.write_entry(entry, image, activation, history)
    return VisualizeResult(
        layer, channel, steps, seed, frozen_array(image), activation, history, False, perf_counter() - start
    )


def measure_activations(loaded: "LoadedModel", layer: str, channel: int, images: list[np.ndarray]) -> list[float]:
    """``layer``'s channel mean for each (H, W, 3) uint8 picture, through the viewer's preprocessing."""
    network = truncated(private_model(loaded.model), layer)
    return [_channel_mean(network, loaded, channel, image) for image in images]


def _channel_mean(network: torch.nn.Module, loaded: "LoadedModel", channel: int, image: np.ndarray) -> float:
    with device_work(loaded.device), torch.inference_mode():
        batch, _ = Preprocessor(loaded.transforms, loaded.device)(image)
        return float(network(batch)[0, channel].mean())


def _optimise(network, loaded, channel, steps, seed, progress, cancelled) -> tuple[np.ndarray, tuple[float, ...]]:
    generator = torch.Generator().manual_seed(seed)  # a private stream: the caller's RNG is untouched
    picture = FourierImage(SIZE, generator, loaded.device)
    view = Preprocessor(loaded.transforms, loaded.device)
    optimiser = torch.optim.Adam(picture.parameters(), lr=LEARNING_RATE)
    history: list[float] = []
    robust_steps = steps - round(POLISH * steps)
    for step in range(steps):
        if cancelled is not None and cancelled():
            raise VisualizeCancelled(f"Stopped after {step} of {steps} steps.")
        with device_work(loaded.device):  # a step at a time: alone on MPS, between frames
            optimiser.zero_grad(set_to_none=True)
            crop = view.crop_float(picture.picture())
            seen = view.normalise_float(random_view(crop, generator) if step < robust_steps else crop)
            objective = network(seen)[0, channel].mean()
            (-objective).backward()
            optimiser.step()
            history.append(float(objective.detach()))
        if progress is not None:
            progress(step + 1, steps, history[-1])
    with device_work(loaded.device), torch.no_grad():
        pixels = picture.picture()[0].permute(1, 2, 0).mul(255).round().clamp(0, 255)
        return pixels.to(torch.uint8).cpu().numpy(), tuple(history)
