"""``alexnet-viewer bench``: the engine's per-frame cost against a bare torchvision forward.

Both run in one process on the same frame, interleaved frame by frame, so the noise of a
busy machine falls on both alike; the figure that matters is their ratio.
"""

from __future__ import annotations

import statistics
from time import perf_counter
from typing import Callable

import numpy as np
import torch
from torchvision.models import alexnet

from alexnet_viewer.core.frame.engine import Engine, FrameRequest
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.pictures.samples import list_samples

CAMERA_SIZE = (480, 640)  # (height, width): a typical webcam frame


def bench_frame() -> np.ndarray:
    """The first sample photo at webcam size, or a fixed pattern if none is bundled."""
    samples = list_samples()
    if samples:
        picture = load_image(samples[0][1]).resize(CAMERA_SIZE[::-1])
        return image_to_array(picture)
    rows, cols = np.mgrid[0 : CAMERA_SIZE[0], 0 : CAMERA_SIZE[1]]
    return np.stack([rows % 256, cols % 256, (rows + cols) % 256], axis=-1).astype(np.uint8)


def machine(device: torch.device) -> dict:
    """What every bench report starts with: where it ran."""
    return {"device": str(device), "torch": torch.__version__, "threads": torch.get_num_threads()}


def bare_model(engine: Engine) -> torch.nn.Module:
    """A hook-free AlexNet with the engine's weights on the engine's device."""
    model = alexnet(weights=None)
    model.load_state_dict(engine.loaded.model.state_dict())
    return model.to(engine.loaded.device).eval()


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def interleaved_median_ms(
    runs: dict[str, Callable[[], object]], frames: int, warmup: int, device: torch.device
) -> dict[str, float]:
    """Median milliseconds of each run, taking turns frame by frame so load falls on all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for index in range(warmup + frames):
        for name, run in runs.items():
            _synchronize(device)
            start = perf_counter()
            run()
            _synchronize(device)
            if index >= warmup:
                times[name].append((perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def run_bench(engine: Engine, frames: int = 50, warmup: int = 5, layer: str = "conv1") -> dict:
    device = engine.loaded.device
    frame = bench_frame()
    batch = engine.loaded.transforms(torch.from_numpy(frame).permute(2, 0, 1)).unsqueeze(0).to(device)
    model = bare_model(engine)
    # The frames timed are a user's (no per-stage timings: on CUDA they replay a graph);
    # the stage times come from a short pass of their own afterwards, from device events on
    # an accelerator (no synchronize between stages).
    request = FrameRequest(focus_layers=(layer,))
    bare_ms, engine_ms, stages = [], [], {}
    replayed = engine.graphs.replayed if engine.graphs is not None else 0
    with torch.inference_mode():
        for index in range(warmup + frames):
            _synchronize(device)
            start = perf_counter()
            model(batch)
            _synchronize(device)
            middle = perf_counter()
            engine.process(frame, request, frame_id=index)
            end = perf_counter()
            if index >= warmup:
                bare_ms.append((middle - start) * 1000)
                engine_ms.append((end - middle) * 1000)
        replayed = (engine.graphs.replayed if engine.graphs is not None else 0) - replayed
        timed = FrameRequest(focus_layers=(layer,), timings=True)
        for index in range(max(5, frames // 5)):
            for stage, ms in engine.process(frame, timed, frame_id=index).timings_ms.items():
                stages.setdefault(stage, []).append(ms)
    bare, full = statistics.median(bare_ms), statistics.median(engine_ms)
    return {
        **machine(device),
        "frames": frames,
        "input_shape": list(frame.shape),
        "focus_layer": layer,
        "bare_forward_ms": round(bare, 3),
        "engine_ms": round(full, 3),
        "ratio": round(full / bare, 3),
        "engine_frames_per_s": round(1000 / full, 1),
        "graph_replays": replayed,  # frames (warm-up included) served by a CUDA graph (graphs.py)
        "engine_stages_ms": {stage: round(statistics.median(v), 3) for stage, v in stages.items()},
    }


def format_report(report: dict) -> str:
    lines = [
        f"device {report['device']}  torch {report['torch']}  threads {report['threads']}  "
        f"frames {report['frames']}  input {report['input_shape'][1]}x{report['input_shape'][0]}",
        f"bare torchvision forward   {report['bare_forward_ms']:8.2f} ms (median)",
        f"engine, full frame         {report['engine_ms']:8.2f} ms (median), "
        f"{report['engine_frames_per_s']:.1f} frames/s",
        f"ratio engine / bare        {report['ratio']:8.3f}"
        + (f"   ({report['graph_replays']} frames replayed a CUDA graph)" if report.get("graph_replays") else ""),
        "engine stages (median ms): "
        + ", ".join(f"{k} {v:.2f}" for k, v in report["engine_stages_ms"].items()),
    ]
    return "\n".join(lines)
