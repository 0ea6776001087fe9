"""``bench --explain``: what "why it thinks so" costs on top of a frame, against a bare forward.

On one input, interleaved in one process (bench.py's loop): a bare torchvision forward;
the engine's full frame; the frame plus Grad-CAM of its top-1 at relu5 from the frame's own
captured values (``gradcam_ratio``, target <= 2.0) and plus guided backprop
(``guided_ratio``, target <= 2.6); the Explainer alone from the picture (its own forward);
and, where installed, Captum's LayerGradCam and GuidedBackprop and pytorch-grad-cam's
GradCAM on the same input (each alone, on a copy with inplace=False ReLUs, as a user of
those libraries would run them). Then every other method alone and its reference library's
run (explain_methods.py). Every figure is a median in milliseconds; ratios are ÷ the bare
forward.
"""

from __future__ import annotations

import warnings
from typing import Callable

import torch

from alexnet_viewer.bench.explain_methods import format_methods_report, out_of_place, run_methods_bench
from alexnet_viewer.bench.frames import bare_model, bench_frame, interleaved_median_ms, machine
from alexnet_viewer.core.frame.engine import Engine, FrameRequest
from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.explain.methods import Settings
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.preprocess import Preprocessor

TARGETS = {"gradcam_ratio": 2.0, "guided_ratio": 2.6}
LAYER = "relu5"


def run_explain_bench(engine: Engine, frames: int = 50, warmup: int = 3, settings: Settings = Settings(),
                      method_layer: str = LAYER) -> dict:
    """The frame figures over ``frames`` rounds, then every method (methods.py) over a tenth of them."""
    device = engine.loaded.device
    frame = bench_frame()
    batch, _ = Preprocessor(engine.loaded.transforms, device)(frame)
    bare = bare_model(engine)
    explainer = Explainer(engine.loaded)
    request = FrameRequest()
    top1 = engine.process(frame, request).top5[0].index

    def frame_then(method: str) -> Callable[[], object]:
        def run() -> object:
            result = engine.process(frame, request)
            return getattr(explainer, method)(None, result.top5[0].index, activations=result.activations)

        return run

    def bare_forward() -> object:
        with torch.inference_mode():
            return bare(batch)

    runs: dict[str, Callable[[], object]] = {
        "bare_forward": bare_forward,
        "frame": lambda: engine.process(frame, request),
        "frame_gradcam": frame_then("gradcam"),
        "frame_guided_backprop": frame_then("guided_backprop"),
        "gradcam_alone": lambda: explainer.gradcam(batch, top1),
        "guided_backprop_alone": lambda: explainer.guided_backprop(batch, top1),
    }
    others, missing = _other_libraries(engine, batch, top1)
    runs.update(others)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Captum warns about its ReLU hooks on every call
        ms = interleaved_median_ms(runs, frames, warmup, device)
    base = ms["bare_forward"]
    ratios = {
        "frame_ratio": ms["frame"] / base,
        "gradcam_ratio": ms["frame_gradcam"] / base,
        "guided_ratio": ms["frame_guided_backprop"] / base,
        "gradcam_alone_ratio": ms["gradcam_alone"] / base,
        "guided_backprop_alone_ratio": ms["guided_backprop_alone"] / base,
    }
    for name in others:  # alone, and what a user pays for a frame plus that library's map
        ratios[f"{name}_ratio"] = ms[name] / base
        ratios[f"frame_plus_{name}_ratio"] = (ms["frame"] + ms[name]) / base
    return {
        **machine(device),
        "frames": frames,
        "input_shape": list(frame.shape),
        "layer": LAYER,
        "median_ms": {name: round(value, 3) for name, value in ms.items()},
        "ratios": {name: round(value, 3) for name, value in ratios.items()},
        "targets": TARGETS,
        "targets_met": {name: ratios[name] <= limit for name, limit in TARGETS.items()},
        "not_installed": missing,
        "methods": run_methods_bench(engine, batch, top1, max(1, frames // 10), min(warmup, 1), method_layer, settings),
    }


def _other_libraries(engine: Engine, batch: torch.Tensor, top1: int) -> tuple[dict[str, Callable[[], object]], list[str]]:
    """Captum's and pytorch-grad-cam's maps of the same target, each on its own model copy."""
    runs: dict[str, Callable[[], object]] = {}
    missing = []
    try:
        from captum.attr import GuidedBackprop, LayerGradCam
    except ImportError:
        missing.append("captum")
    else:
        model = out_of_place(bare_model(engine))
        layer_gradcam = LayerGradCam(model, layer_module(model, LAYER))
        guided = GuidedBackprop(model)
        runs["captum_layergradcam"] = lambda: layer_gradcam.attribute(batch.clone().requires_grad_(True), top1)
        runs["captum_guided_backprop"] = lambda: guided.attribute(batch.clone().requires_grad_(True), top1)
    try:
        from pytorch_grad_cam import GradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    except ImportError:
        missing.append("pytorch-grad-cam (grad-cam)")
    else:
        model = out_of_place(bare_model(engine))
        cam = GradCAM(model=model, target_layers=[layer_module(model, LAYER)])
        runs["pytorch_grad_cam"] = lambda: cam(input_tensor=batch, targets=[ClassifierOutputTarget(top1)])
    return runs, missing


def format_explain_report(report: dict) -> str:
    ms, ratios = report["median_ms"], report["ratios"]
    lines = [
        f"device {report['device']}  torch {report['torch']}  threads {report['threads']}  "
        f"frames {report['frames']}  input {report['input_shape'][1]}x{report['input_shape'][0]}  layer {report['layer']}",
        f"{'':34}{'median ms':>10}{'÷ bare':>9}",
        f"{'bare torchvision forward':34}{ms['bare_forward']:10.2f}{1:9.2f}",
    ]
    labels = {
        "frame": ("engine, full frame", "frame_ratio"),
        "frame_gradcam": ("frame + Grad-CAM of the top-1", "gradcam_ratio"),
        "frame_guided_backprop": ("frame + guided backprop", "guided_ratio"),
        "gradcam_alone": ("Grad-CAM alone (own forward)", "gradcam_alone_ratio"),
        "guided_backprop_alone": ("guided backprop alone", "guided_backprop_alone_ratio"),
        "captum_layergradcam": ("Captum LayerGradCam alone", "captum_layergradcam_ratio"),
        "captum_guided_backprop": ("Captum GuidedBackprop alone", "captum_guided_backprop_ratio"),
        "pytorch_grad_cam": ("pytorch-grad-cam GradCAM alone", "pytorch_grad_cam_ratio"),
    }
    for name, (label, ratio) in labels.items():
        if name in ms:
            target = TARGETS.get(ratio)
            note = f"  (target <= {target}: {'met' if ratios[ratio] <= target else 'MISSED'})" if target else ""
            lines.append(f"{label:34}{ms[name]:10.2f}{ratios[ratio]:9.2f}{note}")
    for name in ratios:
        if name.startswith("frame_plus_"):
            lines.append(f"{'frame + ' + name[len('frame_plus_'):-len('_ratio')]:34}{'':10}{ratios[name]:9.2f}")
    if report["not_installed"]:
        lines.append("not installed (not compared): " + ", ".join(report["not_installed"]))
    if "methods" in report:
        lines += ["", format_methods_report(report["methods"])]
    return "\n".join(lines)


def run(args) -> int:
    from alexnet_viewer.cli.weights_options import run_measurement

    return run_measurement(args, lambda engine: run_explain_bench(engine, frames=args.frames), format_explain_report)
