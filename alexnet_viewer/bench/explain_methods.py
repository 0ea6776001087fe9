"""``bench --explain``, second part: each method of core/explain/methods.py alone (its own
forward) against a bare forward, and the reference library's own run of the same map where
installed (Captum, pytorch-grad-cam, zennit, as a user of those libraries would run them:
on a copy with out-of-place ReLUs, pytorch-grad-cam with its upsampling and scaling).

The methods cost up to hundreds of forwards each, so they take turns over fewer rounds
(``method_frames``) than the frame figures, with a bare forward in the same rounds.
"""

from __future__ import annotations

import contextlib
import io
from typing import Callable

import torch

from alexnet_viewer.bench.frames import bare_model, interleaved_median_ms
from alexnet_viewer.core.explain.methods import NEW_METHODS, MethodRunner, Settings, price
from alexnet_viewer.core.frame.hooks import layer_module

SMOOTHGRAD_CHUNK = 10


def method_runs(engine, batch: torch.Tensor, target: int, layer: str, settings: Settings) -> dict[str, Callable[[], object]]:
    runner = MethodRunner(engine.loaded)
    return {name: (lambda name=name: runner.run(name, batch, target, layer, settings)) for name in NEW_METHODS}


def reference_runs(engine, batch: torch.Tensor, target: int, layer: str, settings: Settings) -> tuple[dict, list[str]]:
    """name -> the reference library's run of that map; the libraries not installed."""
    runs: dict[str, Callable[[], object]] = {}
    missing: list[str] = []
    model = out_of_place(bare_model(engine))

    def grad_input() -> torch.Tensor:
        return batch.clone().requires_grad_(True)

    try:
        from captum import attr
    except ImportError:
        missing.append("captum")
    else:
        sigma = settings.noise * float(batch.max() - batch.min())
        tunnel = attr.NoiseTunnel(attr.Saliency(model))
        runs["saliency"] = lambda: attr.Saliency(model).attribute(grad_input(), target=target, abs=False)
        runs["grad_x_input"] = lambda: attr.InputXGradient(model).attribute(grad_input(), target=target)
        runs["smoothgrad"] = lambda: tunnel.attribute(grad_input(), target=target, abs=False, nt_type="smoothgrad",
                                                      nt_samples=settings.samples, nt_samples_batch_size=settings.chunk,
                                                      stdevs=sigma)
        runs["integrated_gradients"] = lambda: attr.IntegratedGradients(model).attribute(
            grad_input(), target=target, n_steps=settings.steps, internal_batch_size=settings.chunk)
        runs["lrp_epsilon"] = lambda: attr.LRP(model).attribute(grad_input(), target=target)
    try:
        import pytorch_grad_cam as cams
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    except ImportError:
        missing.append("pytorch-grad-cam (grad-cam)")
    else:
        for name, cls in (("gradcam_pp", cams.GradCAMPlusPlus), ("layercam", cams.LayerCAM), ("scorecam", cams.ScoreCAM)):
            cam = cls(model=model, target_layers=[layer_module(model, layer)])
            cam.batch_size = settings.mask_batch
            runs[name] = lambda cam=cam: _quiet(lambda: cam(input_tensor=batch, targets=[ClassifierOutputTarget(target)]))
    try:
        from zennit.attribution import Gradient
        from zennit.composites import EpsilonGammaBox
    except ImportError:
        missing.append("zennit")
    else:
        mean = torch.tensor(engine.loaded.transforms.mean, device=batch.device).view(1, 3, 1, 1)
        std = torch.tensor(engine.loaded.transforms.std, device=batch.device).view(1, 3, 1, 1)

        def zennit_lrp() -> object:
            seed = torch.zeros(1, 1000, device=batch.device)
            seed[0, target] = 1.0
            with Gradient(model=model, composite=EpsilonGammaBox(low=-mean / std, high=(1 - mean) / std)) as attributor:
                return attributor(batch.clone(), seed)

        runs["lrp_composite"] = zennit_lrp
    return runs, missing


def run_methods_bench(engine, batch: torch.Tensor, target: int, method_frames: int, warmup: int, layer: str = "relu5",
                      settings: Settings = Settings()) -> dict:
    device = engine.loaded.device
    bare = bare_model(engine)

    def bare_forward() -> object:
        with torch.inference_mode():
            return bare(batch)

    ours = method_runs(engine, batch, target, layer, settings)
    theirs, missing = reference_runs(engine, batch, target, layer, settings)
    runs = {"bare_forward": bare_forward, **ours, **{f"reference_{name}": run for name, run in theirs.items()}}
    ms = interleaved_median_ms(runs, method_frames, warmup, device)
    channels = MethodRunner(engine.loaded).layer_channels(layer)
    rows = {}
    for name in ours:
        cost = price(name, settings, channels)
        row = {"ms": round(ms[name], 3), "ratio": round(ms[name] / ms["bare_forward"], 3),
               "forwards": cost.forwards, "backwards": cost.backwards}
        if name in theirs:
            row["reference_ms"] = round(ms[f"reference_{name}"], 3)
            row["reference_ratio"] = round(ms[f"reference_{name}"] / ms["bare_forward"], 3)
        rows[name] = row
    return {"rounds": method_frames, "layer": layer, "bare_forward_ms": round(ms["bare_forward"], 3),
            "settings": {"smoothgrad_samples": settings.samples, "smoothgrad_noise": settings.noise,
                         "ig_steps": settings.steps, "chunk": settings.chunk, "scorecam_batch": settings.mask_batch},
            "methods": rows, "not_installed": missing}


def format_methods_report(report: dict) -> str:
    lines = [f"each method alone, {report['rounds']} rounds, CAMs at {report['layer']} "
             f"(bare forward {report['bare_forward_ms']:.2f} ms in these rounds)",
             f"{'method':22}{'passes':>14}{'ms':>10}{'÷ bare':>9}{'reference ms':>14}{'÷ bare':>9}"]
    for name, row in report["methods"].items():
        passes = f"{row['forwards']:g}F+{row['backwards']:g}B"
        ref = (f"{row['reference_ms']:14.1f}{row['reference_ratio']:9.2f}" if "reference_ms" in row else f"{'-':>14}{'-':>9}")
        lines.append(f"{name:22}{passes:>14}{row['ms']:10.1f}{row['ratio']:9.2f}{ref}")
    if report["not_installed"]:
        lines.append("not installed (not compared): " + ", ".join(report["not_installed"]))
    return "\n".join(lines)


def _quiet(run: Callable[[], object]) -> object:
    with contextlib.redirect_stderr(io.StringIO()):  # Score-CAM's progress bars
        return run()


def out_of_place(model: torch.nn.Module) -> torch.nn.Module:
    """The model with out-of-place ReLUs, so hooks on them see true values (weights still train)."""
    for module in model.modules():
        if isinstance(module, torch.nn.ReLU):
            module.inplace = False
    return model
