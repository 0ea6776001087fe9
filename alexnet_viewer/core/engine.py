"""Turns one picture into one immutable Result: predictions, activations, statistics, mosaics."""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from .hooks import ActivationCapture, layer_module
from .layers import LAYER_NAMES, check_layer_name
from .mosaic import activation_mosaic, filter_images, grid_shape
from .preprocess import Preprocessor
from .result import FilterTiles, Mosaic, Prediction, Result, WeightsInfo, frozen_array
from .stats import (
    buffer_runs,
    channel_sums,
    histogram_counts,
    host_layer_stats,
    layer_levels,
    make_histogram,
    summarise,
)

if TYPE_CHECKING:
    from .model import LoadedModel

CHANNEL_ORDERS = ("index", "mean")
TOP_K = 5


@dataclass(frozen=True)
class FrameRequest:
    """What the views need beyond the always-computed summaries."""

    focus_layers: tuple[str, ...] = ("conv1",)
    channel_order: str = "index"

    def __post_init__(self) -> None:
        for name in self.focus_layers:
            check_layer_name(name)
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel order must be one of {CHANNEL_ORDERS}, not {self.channel_order!r}")

    @classmethod
    def everything(cls, channel_order: str = "index") -> "FrameRequest":
        return cls(focus_layers=LAYER_NAMES, channel_order=channel_order)


def as_rgb_array(image: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


class Engine:
    """Runs AlexNet with hooks on one device; ``process`` may run in several threads at once."""

    def __init__(self, loaded: "LoadedModel") -> None:
        self._loaded = loaded
        self._model = loaded.model
        self._device = loaded.device
        self._preprocess = Preprocessor(loaded.transforms, loaded.device)
        self._capture = ActivationCapture(self._model, self._preprocess.batch_shape)
        self._runs = buffer_runs(self._capture.layout)
        self._categories = tuple(loaded.categories)
        self._filters = self._filter_tiles()

    @property
    def weights(self) -> WeightsInfo:
        return self._loaded.weights

    @property
    def device(self) -> str:
        return str(self._device)

    @property
    def loaded(self) -> "LoadedModel":
        return self._loaded

    def close(self) -> None:
        self._capture.remove()

    def _filter_tiles(self) -> FilterTiles:
        weight = layer_module(self._model, "conv1").weight
        global_norm, per_filter = (frozen_array(t.cpu().numpy()) for t in filter_images(weight))
        return FilterTiles(global_norm, per_filter, grid_shape(weight.shape[0]), tuple(weight.shape[2:]), 1)

    def _sync(self) -> None:
        # Stage timings on an asynchronous device mean nothing without a barrier.
        if self._device.type == "cuda":
            torch.cuda.synchronize(self._device)
        elif self._device.type == "mps":
            torch.mps.synchronize()

    def process(
        self, image: np.ndarray | Image.Image, request: FrameRequest = FrameRequest(), frame_id: int = 0
    ) -> Result:
        clock = [perf_counter()]

        def lap() -> None:
            self._sync()
            clock.append(perf_counter())

        array = as_rgb_array(image)
        with torch.inference_mode():
            batch, crop = self._preprocess(array)
            lap()
            logits, buffer = self._capture.run(batch)
            lap()
            summary = summarise(buffer, self._runs)
            focus = {name: self._capture.layout.view(buffer, name) for name in request.focus_layers}
            levels = {name: layer_levels(activation) for name, activation in focus.items()}
            histograms = {name: histogram_counts(focus[name], levels[name]) for name in focus}
            probabilities, classes = torch.softmax(logits[0], dim=0).topk(TOP_K)
            lap()
            mosaics, orders, gaps = {}, {}, {}
            for name, activation in focus.items():
                order = None
                if request.channel_order == "mean":
                    order = channel_sums(activation).argsort(descending=True)
                    orders[name] = order
                mosaics[name], gaps[name] = activation_mosaic(activation, levels[name], order)
            lap()
            host = _to_host(
                {
                    "buffer": buffer,
                    "reductions": summary.reductions,
                    "histograms": histograms,
                    "mosaics": mosaics,
                    "orders": orders,
                    "top": (probabilities, classes),
                    "crop": crop.permute(1, 2, 0),
                }
            )
            lap()
        return self._assemble(frame_id, array, summary, host, gaps, clock)

    def _assemble(self, frame_id, array, summary, host: dict, gaps: dict, clock: list) -> Result:
        layout = self._capture.layout
        buffer = frozen_array(host["buffer"])
        activations = {name: layout.view_array(buffer, name) for name in LAYER_NAMES}
        stats = host_layer_stats(summary, host["reductions"], layout)
        histograms = {
            name: make_histogram(counts, stats[name].min, stats[name].max)
            for name, counts in host["histograms"].items()
        }
        mosaics = {}
        for name, image in host["mosaics"].items():
            shape = activations[name].shape
            count = shape[0]
            order = host["orders"].get(name)
            mosaics[name] = Mosaic(
                image=frozen_array(image),
                levels=(stats[name].min, stats[name].max),
                grid=grid_shape(count),
                tile=tuple(shape[1:]) if len(shape) == 3 else (1, 1),
                gap=gaps[name],
                order=tuple(order.tolist()) if order is not None else tuple(range(count)),
            )
        probabilities, classes = host["top"]
        top5 = tuple(
            Prediction(int(index), self._categories[int(index)], float(p))
            for p, index in zip(probabilities, classes)
        )
        stages = ("preprocess", "forward", "stats", "mosaics", "transfer")
        timings = {stage: (end - start) * 1000 for stage, start, end in zip(stages, clock, clock[1:])}
        timings["total"] = (perf_counter() - clock[0]) * 1000
        return Result(
            frame_id=frame_id,
            image=frozen_array(array),
            crop=frozen_array(host["crop"]),
            top5=top5,
            activations=activations,
            stats=stats,
            histograms=histograms,
            mosaics=mosaics,
            filters=self._filters,
            weights=self.weights,
            device=self.device,
            timings_ms=timings,
        )


def _to_host(tree):
    """Copy a nest of device tensors to CPU numpy arrays (zero-copy when already on CPU)."""
    if isinstance(tree, torch.Tensor):
        # .to("cpu") on a CPU tensor still costs tens of microseconds; skip it there.
        return (tree if tree.device.type == "cpu" else tree.to("cpu")).numpy()
    if isinstance(tree, dict):
        return {key: _to_host(value) for key, value in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_to_host(value) for value in tree)
    return tree
