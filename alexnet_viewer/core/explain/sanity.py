"""Adebayo et al.'s model-randomisation sanity check (*Sanity Checks for Saliency Maps*, 2018).

On a private copy of the network (its own storage: the engine's weights are never touched),
the learnable layers are re-initialised cumulatively from the top, fc8, then fc7, ... down to
conv1, each with its own layer's default initialisation (``reset_parameters``) under a seeded
generator. After each step the map of the same method, class and picture is recomputed and
compared with the original by Spearman's rank correlation. A method that explains the
network should lose its likeness as the weights it explains are destroyed; a map that stays
alike (rho near 1) shows the picture, not the model.

What is ranked: a CAM as it is; an input map (3, H, W) as the sum over colours of its
absolute value (the picture one looks at). Ties share their mean rank; a flat map has no
ranking, so its rho is None. (Ranks by numpy: no scipy at run time.)

Methods join by name: ``MAP_METHODS[name] = factory``, ``factory(loaded)`` returning
``fn(batch, class_index, layer) -> np.ndarray`` (``layer``: the CAM layer, ignored by input
maps). The factory is called once per cascade with the private copy's LoadedModel, and must
read that model's parameters in place (as ``Network`` does, sharing their storage), since
the cascade re-draws them between maps.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from alexnet_viewer.core.explain.explainer import CLASS_METHODS, DEFAULT_LAYER, Explainer
from alexnet_viewer.core.visualize.network import private_model
from alexnet_viewer.core.explain.occlusion import ExplainCancelled
from alexnet_viewer.core.explain.registry import NEW_METHODS
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS
from alexnet_viewer.core.model.device_gate import device_work

MapFunction = Callable[[torch.Tensor, int, str], np.ndarray]  # (batch, class, layer) -> the map
MapFactory = Callable[[object], MapFunction]  # a LoadedModel -> its map function


def _explainer_method(name: str) -> MapFactory:
    def factory(loaded) -> MapFunction:
        explainer = Explainer(loaded)
        return lambda batch, index, layer: explainer.class_maps(batch, index, layer, (name,))[name]

    return factory


def _runner_method(name: str) -> MapFactory:
    def factory(loaded) -> MapFunction:
        from alexnet_viewer.core.explain.methods import MethodRunner

        runner = MethodRunner(loaded)  # its Explainer and Network share the copy's storage
        return lambda batch, index, layer: runner.run(name, batch, index, layer)

    return factory


MAP_METHODS: dict[str, MapFactory] = {
    **{name: _explainer_method(name) for name in CLASS_METHODS},
    **{name: _runner_method(name) for name in NEW_METHODS},  # the registry's (default settings)
}
# Re-initialised in this order, cumulatively (the learnable layers, top down).
CASCADE = ("fc8", "fc7", "fc6", "conv5", "conv4", "conv3", "conv2", "conv1")
ORIGINAL = "none"  # the first step's name: no layer randomised


@dataclass(frozen=True)
class SanityStep:
    randomised: str  # the layer re-initialised at this step (ORIGINAL first), all above it too
    map: np.ndarray  # the method's own output, float32, unnormalised
    importance: np.ndarray  # (H, W) what is ranked
    rho: float | None  # Spearman to the original's importance; None for a flat map


@dataclass(frozen=True)
class SanityRow:
    method: str
    class_index: int
    layer: str
    seed: int
    steps: tuple[SanityStep, ...]

    def payload(self) -> dict:
        """The correlations as strict JSON (None for a flat map)."""
        return {
            "method": self.method, "class": self.class_index, "layer": self.layer, "seed": self.seed,
            "cascade": "cumulative, from fc8 down to conv1",
            "spearman": {step.randomised: step.rho for step in self.steps},
        }


def check_method(name: str) -> str:
    if name not in MAP_METHODS:
        raise ValueError(f"No sanity check for method {name!r}; choose one of {', '.join(MAP_METHODS)}.")
    return name


def importance(values: np.ndarray) -> np.ndarray:
    """The (H, W) map that is ranked: a CAM itself, an input map's |values| summed over colours."""
    values = np.asarray(values, dtype=np.float32)
    return np.abs(values).sum(axis=0) if values.ndim == 3 else values


def spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Rank correlation of two maps (ties: mean ranks); None when either has no ranking."""
    a, b = np.ravel(a), np.ravel(b)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """0-based ranks, ties sharing the mean of the ranks they span (scipy's rankdata 'average', - 1)."""
    order = np.argsort(values, kind="stable")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(values.size, np.float64)
    ranks[order] = np.repeat(first + (counts - 1) / 2.0, counts)
    return ranks


def sanity_check(
    loaded,
    batch: torch.Tensor,
    method: str,
    class_index: int,
    layer: str = DEFAULT_LAYER,
    seed: int = 0,
    progress: Callable[[SanityStep, int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SanityRow:
    """The cascade for one picture (its normalised batch); ``progress(step, done, total)`` after
    each map; ``cancelled()`` true raises ExplainCancelled."""
    check_method(method)
    with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py), a step at a time
        model = own_copy(loaded.model)
        compute = MAP_METHODS[method](dataclasses.replace(loaded, model=model))  # reads the copy's storage
    steps: list[SanityStep] = []
    total = len(CASCADE) + 1
    for position, name in enumerate((ORIGINAL, *CASCADE)):
        if cancelled is not None and cancelled():
            raise ExplainCancelled("sanity check")
        with device_work(loaded.device):  # between steps live frames get the device
            if name != ORIGINAL:
                randomise_layer(model, name, seed * 1000 + position)
            values = np.array(compute(batch, class_index, layer), dtype=np.float32)  # its own: the weights change next
        ranked = importance(values)
        rho = spearman(steps[0].importance, ranked) if steps else (1.0 if np.ptp(ranked) > 0 else None)
        steps.append(SanityStep(name, values, ranked, rho))
        if progress is not None:
            progress(steps[-1], position + 1, total)
    return SanityRow(method, int(class_index), layer, int(seed), tuple(steps))


def own_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A hook-free copy with its own parameter storage: randomising it leaves the engine's alone."""
    private = private_model(model)
    for module in private.modules():
        for key, parameter in module._parameters.items():
            if parameter is not None:
                module._parameters[key] = torch.nn.Parameter(parameter.detach().clone(), requires_grad=False)
    return private


def randomise_layer(model: torch.nn.Module, name: str, seed: int) -> None:
    """Re-initialise one learnable layer in place by its own default rule, reproducibly."""
    attr, index = MODULE_LOCATIONS[name]
    module = getattr(model, attr)[index]
    fresh = copy.deepcopy(module).to("cpu")
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        fresh.reset_parameters()
        for target, source in zip(module.parameters(), fresh.parameters()):
            target.copy_(source)
