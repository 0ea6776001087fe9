"""Turns one picture into one immutable Result: predictions, activations, statistics, mosaics.

A frame is two steps, ``prepare`` (picture → uploaded, preprocessed batch and crop) and
``run`` (forward with hooks, statistics, histograms, mosaics, top-5, one transfer back), so
a worker can prepare the next frame while the device runs the current one; ``process``
does both. Nothing in the normal path waits for the device but the transfer of the
results (see transfer.py); per-stage times are taken only when ``FrameRequest.timings``
asks (stage_clock.py, device events on an accelerator). Every device op keeps to dtypes
with CPU, CUDA and MPS kernels (see preprocess.py, stats.py, mosaic.py): float32 values,
uint8 pictures, int64 indices from ``topk`` and ``argsort``, int32 histogram bins.

A frame costs what is shown: statistics of the focus layers only, unless the request asks
for every layer's (``statistics``: the Statistics view is visible); ReLU layers are not
copied out of the forward but derived from their conv or fc output when read (hooks.py);
the Result's statistics of other layers are computed on the host when first read
(kept.py). ``rerender`` redraws a Result for another layer or order without a forward
(its few small ops on one torch thread: torch_threads.py); the ops after a frame's own
forward run on the lane's threads (2 idle cores, a forward between: 0.60 ms against 0.86
on one thread; with every layer's statistics 3.6 against 4.8).

On CUDA, a frame whose request is the one before's, with no ablations and no per-stage
timings, replays a CUDA graph of the whole device part (forward, hooks, statistics,
mosaics, top-5, packing) instead of launching its ~100 kernels one by one (graphs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from alexnet_viewer.core.model.device_gate import device_work, gated
from alexnet_viewer.core.frame.ablation import Ablation, AblationSpec, check_ablations
from alexnet_viewer.core.frame.hooks import ActivationCapture, layer_module
from alexnet_viewer.core.frame.kept import KeptActivations
from alexnet_viewer.core.frame.layers import LAYER_NAMES, check_layer_name
from alexnet_viewer.core.frame.mosaic import filter_images, grid_shape
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.rerender import FrameRenderer, relu_spec
from alexnet_viewer.core.pictures.display import display_copy
from alexnet_viewer.core.frame.result import FilterTiles, Prediction, Result, WeightsInfo, frozen_array
from alexnet_viewer.core.frame.stage_clock import StageClock
from alexnet_viewer.core.frame.graphs import Capture, FrameGraphs, cuda_capture
from alexnet_viewer.core.frame.transfer import copy_to_host, pack, to_host, unpack

if TYPE_CHECKING:
    from alexnet_viewer.core.model.loader import LoadedModel

CHANNEL_ORDERS = ("index", "mean")
TOP_K = 5


@dataclass(frozen=True)
class FrameRequest:
    """What the views need beyond the always-computed summaries."""

    focus_layers: tuple[str, ...] = ("conv1",)
    channel_order: str = "index"
    ablations: AblationSpec = ()  # channels switched off, e.g. (("conv5", (3, 7)),); see ablation.py
    timings: bool = False  # per-stage times in Result.timings_ms (always: "total")
    statistics: bool = False  # every layer's statistics now (else the focus layers', the rest when read)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ablations", check_ablations(self.ablations))
        for name in self.focus_layers:
            check_layer_name(name)
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel order must be one of {CHANNEL_ORDERS}, not {self.channel_order!r}")

    @classmethod
    def everything(cls, channel_order: str = "index") -> "FrameRequest":
        return cls(focus_layers=LAYER_NAMES, channel_order=channel_order, statistics=True)


@dataclass(frozen=True)
class PreparedFrame:
    """A picture uploaded and preprocessed on an engine's device, ready for ``Engine.run``."""

    image: np.ndarray  # (H, W, 3) uint8, the picture as given
    batch: torch.Tensor  # (1, 3, 224, 224) float32, normalised, on the device
    crop: torch.Tensor  # (224, 224, 3) uint8 on the device, contiguous: what the network sees
    clock: StageClock  # the "preprocess" stage, when timings were asked for
    prepare_ms: float  # host time spent in prepare


def as_rgb_array(image: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


class Engine:
    """Runs AlexNet with hooks on one device; ``prepare``, ``run`` and ``process`` may run in
    several threads at once.

    ``float_resize`` (preprocess.py) and ``packed_transfer`` (transfer.py, with histograms
    counted without a host read-back) choose the accelerator code paths (None: on every
    device but the CPU); both can be forced on the CPU, where tests run them. ``graphs``
    (graphs.py): None records CUDA graphs on CUDA only, False never, True always with
    ``cuda_capture``; a capture function stands in for it (tests, on the CPU).
    """

    def __init__(
        self, loaded: "LoadedModel", *, float_resize: bool | None = None, packed_transfer: bool | None = None,
        graphs: bool | Capture | None = None,
    ) -> None:
        self._loaded = loaded
        self._model = loaded.model
        self._device = loaded.device
        self._weights = loaded.weights
        self._packed = loaded.device.type != "cpu" if packed_transfer is None else bool(packed_transfer)
        self._sync_free = self._packed  # histograms without bincount's host read-back go with it
        self._categories = tuple(loaded.categories)
        if graphs is None:
            graphs = loaded.device.type == "cuda"
        capture = cuda_capture if graphs is True else graphs or None
        self.graphs = FrameGraphs(capture) if capture is not None else None
        with device_work(loaded.device):  # a tracing forward, uploads, a read-back: alone on MPS
            self._preprocess = Preprocessor(loaded.transforms, loaded.device, float_resize=float_resize)
            self._capture = ActivationCapture(self._model, self._preprocess.batch_shape)
            self._ablation = Ablation(self._model)
            self._renderer = FrameRenderer(self._capture.layout, sync_free=self._sync_free)
            self._filters = self._filter_tiles()

    @property
    def weights(self) -> WeightsInfo:
        return self._weights

    @property
    def device(self) -> str:
        return str(self._device)

    @property
    def loaded(self) -> "LoadedModel":
        if self._loaded is None:
            raise RuntimeError("this engine was closed")
        return self._loaded

    def close(self) -> None:
        """Remove the hooks and let go of the model, so its memory (GPU memory too) is freed
        as soon as the caller drops its own ``LoadedModel``. The engine cannot run afterwards."""
        self._capture.remove()
        self._ablation.remove()
        if self.graphs is not None:
            self.graphs.clear()
        self._model = self._loaded = None

    def _filter_tiles(self) -> FilterTiles:
        weight = layer_module(self._model, "conv1").weight
        global_norm, per_filter = (frozen_array(t.cpu().numpy()) for t in filter_images(weight))
        return FilterTiles(global_norm, per_filter, grid_shape(weight.shape[0]), tuple(weight.shape[2:]), 1)

    def process(
        self, image: np.ndarray | Image.Image, request: FrameRequest = FrameRequest(), frame_id: int = 0
    ) -> Result:
        return self.run(self.prepare(image, timings=request.timings), request, frame_id)

    @gated  # one thread at a time on MPS (device_gate.py)
    def prepare(self, image: np.ndarray | Image.Image, timings: bool = False) -> PreparedFrame:
        """Check, upload and preprocess a picture; queued on the device, nothing waited for."""
        started = perf_counter()
        array = as_rgb_array(image)
        clock = StageClock(self._device, timings)
        with torch.inference_mode():
            batch, crop = self._preprocess(array)
            # The crop as the Result keeps it, made here by torch: the resize's planar
            # output turned pixel-major by numpy costs 3-4x as much.
            crop = crop.permute(1, 2, 0).contiguous()
        clock.lap("preprocess")
        return PreparedFrame(array, batch, crop, clock, (perf_counter() - started) * 1000)

    @gated
    def run(self, prepared: PreparedFrame, request: FrameRequest = FrameRequest(), frame_id: int = 0) -> Result:
        if self._loaded is None:
            raise RuntimeError("this engine was closed")
        started = perf_counter()
        clock = StageClock(self._device, request.timings)
        relus = relu_spec(request.ablations)
        plan = self._renderer.stats_plan(request.focus_layers, request.statistics)
        with torch.inference_mode():
            replayed = self._replayed(prepared, request, plan) if self.graphs is not None else None
            if replayed is None:
                parts, gaps = self._device_frame(prepared.batch, prepared.crop, request, plan, clock.lap)
                host = to_host(parts, self._packed)
                clock.lap("transfer")
            else:
                host, gaps = replayed
        kept = KeptActivations(host["buffer"], self._capture.layout, relus)
        stats, histograms, mosaics = self._renderer.finish(host, gaps, plan, kept, request.statistics)
        top5 = tuple(
            Prediction(int(index), self._categories[int(index)], float(p))
            for p, index in zip(host["probabilities"], host["classes"])
        )
        timings = {**prepared.clock.read(), **clock.read()}
        timings["total"] = prepared.prepare_ms + (perf_counter() - started) * 1000
        return Result(
            frame_id=frame_id,
            image=frozen_array(prepared.image),
            display=display_copy(prepared.image),
            crop=frozen_array(host["crop"]),
            top5=top5,
            activations=kept,
            stats=stats,
            histograms=histograms,
            mosaics=mosaics,
            filters=self._filters,
            weights=self.weights,
            device=self.device,
            timings_ms=timings,
            kept=kept,
        )

    def _device_frame(self, batch: torch.Tensor, crop: torch.Tensor, request: FrameRequest, plan, lap):
        """A frame's device tensors (queued, not waited for) and its mosaics' gaps."""
        with self._ablation.active(request.ablations):
            logits, buffer = self._capture.run(batch)
        lap("forward")
        probabilities, classes = torch.softmax(logits[0], dim=0).topk(TOP_K)
        parts, gaps = self._renderer.device_parts(
            buffer, request.focus_layers, request.channel_order, plan,
            self._ablation.indices(relu_spec(request.ablations)), request.statistics, lap=lap,
        )
        parts.update(buffer=buffer, probabilities=probabilities, classes=classes, crop=crop)
        return parts, gaps

    def _replayed(self, prepared: PreparedFrame, request: FrameRequest, plan):
        """(host parts, gaps) from a CUDA graph of this request's shape, or None: ablations and
        per-stage timings always run eagerly, as does a shape not yet recorded (graphs.py)."""
        if request.ablations or request.timings:
            return None

        def body(batch: torch.Tensor, crop: torch.Tensor):
            parts, gaps = self._device_frame(batch, crop, request, plan, lambda stage: None)
            flat, spec = pack(parts)
            return flat, (spec, gaps)

        key = (request.focus_layers, request.channel_order, request.statistics)
        replayed = self.graphs.run(key, (prepared.batch, prepared.crop), body, copy_to_host)
        if replayed is None:
            return None
        host, (spec, gaps) = replayed
        return unpack(host, spec), gaps

    def rerender(self, result: Result, request: FrameRequest) -> Result:
        """``result`` redrawn for ``request``'s layers, order and statistics from its kept
        activations: no forward. The request's ablations must be those ``result`` ran with."""
        return self._renderer.rerender(result, request.focus_layers, request.channel_order, request.statistics)
