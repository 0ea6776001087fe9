"""Fool it: projected gradient descent on the picture's own pixels (Madry et al. 2018; FGSM,
Goodfellow et al. 2015, is one step).

The attack works on the whole picture at its own size, through the viewer's own
preprocessing made differentiable (``Preprocessor.differentiable``: the weights' resize,
crop and normalisation in float32), with an L-infinity bound in 8-bit levels. Each step
moves every pixel by ``step`` levels along the sign of the gradient (targeted: down the
cross-entropy of the target; untargeted: up the cross-entropy of the original top-1) and
projects back into the bound and 0..255.

Rounding is accounted for by judging only what would be saved: after each step the picture
is rounded to 8 bits (still within the bound, since the original is 8-bit and the bound a
whole number of levels) and classified as the viewer opens a picture (``Preprocessor``,
its uint8 path) and as torchvision's own ``transforms()`` would; the first rounded picture
both call the target (untargeted: anything but the original top-1) is the answer. The
network is a private, hook-free copy that shares the engine's weights (``visualize.network.private_model``);
no gradient with respect to a weight is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from alexnet_viewer.core.visualize.network import private_model
from alexnet_viewer.core.explain.occlusion import ExplainCancelled
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import Prediction
from alexnet_viewer.core.model.device_gate import device_work

DEFAULT_EPS, DEFAULT_STEPS = 2, 10


def counted(count: int, noun: str) -> str:
    """'1 step', '3 steps': the attack's reports in words."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


CHANGED_LAYERS = ("conv1", "fc7")


@dataclass(frozen=True)
class AttackStep:
    """What one step achieved, as the viewer would open the rounded picture."""

    step: int
    steps: int
    top5: tuple[Prediction, ...]
    change: dict[str, float]  # layer -> ||a' - a|| / ||a||
    before: tuple[Prediction, ...]  # the original's top-5


@dataclass(frozen=True)
class AttackResult:
    adversarial: np.ndarray  # (H, W, 3) uint8, the picture to save
    difference: np.ndarray  # (H, W, 3) int16, adversarial - original, in levels
    before: tuple[Prediction, ...]  # top-5 of the original
    after: tuple[Prediction, ...]  # top-5 of the adversarial picture as the viewer opens it
    target: int | None  # None: untargeted (anything but the original top-1)
    eps: int
    steps: int
    steps_run: int
    success: bool
    change: dict[str, float]  # layer -> ||a' - a|| / ||a|| as the viewer sees both pictures

    @property
    def linf(self) -> int:
        return int(np.abs(self.difference).max()) if self.difference.size else 0

    def perturbation_picture(self) -> np.ndarray:
        """The difference amplified to the full range: mid-grey is no change."""
        scale = 127.0 / max(self.linf, 1)
        return np.clip(np.round(128 + self.difference * scale), 0, 255).astype(np.uint8)

    def payload(self, categories) -> dict:
        def guesses(rows):
            return [{"index": g.index, "label": g.label, "probability": g.probability} for g in rows]

        return {
            "target": None if self.target is None else {"index": self.target, "label": categories[self.target]},
            "eps_levels": self.eps, "steps": self.steps, "steps_run": self.steps_run,
            "achieved_linf_levels": self.linf, "success": self.success,
            "top5_before": guesses(self.before), "top5_after": guesses(self.after),
            "relative_change": dict(self.change),
        }


def attack(
    loaded,
    image: np.ndarray,
    target: int | None = None,
    eps: int = DEFAULT_EPS,
    steps: int = DEFAULT_STEPS,
    progress: Callable[[AttackStep], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> AttackResult:
    """PGD on an (H, W, 3) uint8 picture; ``progress(AttackStep)`` after each step;
    ``cancelled()`` true raises ExplainCancelled. ValueError for a bad bound, step count or class."""
    eps, steps = int(eps), int(steps)
    if not 1 <= eps <= 255:
        raise ValueError(f"The bound must be 1..255 levels, not {eps}.")
    if steps < 1:
        raise ValueError(f"The attack needs at least one step, not {steps}.")
    classes = len(loaded.categories)
    if target is not None and not 0 <= int(target) < classes:
        raise ValueError(f"Class index {target} is out of range 0..{classes - 1}.")
    with device_work(loaded.device):  # alone on MPS (core/model/device_gate.py), a step at a time
        judge = _Judge(loaded)
        original = np.ascontiguousarray(image, dtype=np.uint8)
        reference = judge.outputs(original)
        before = judge.top5(reference["fc8"])
        aim = int(target) if target is not None else before[0].index
        source = torch.from_numpy(original).to(loaded.device, torch.float32)
        low, high = (source - eps).clamp(0, 255), (source + eps).clamp(0, 255)
        step_size = eps if steps == 1 else max(2.5 * eps / steps, 0.25)
        direction = -1.0 if target is not None else 1.0  # down the target's loss, or up the top-1's
        pixels, candidate, outputs, steps_run = source.clone(), original, reference, 0
        success = target is not None and judge.fooled(original, reference["fc8"], aim, True)  # already there
    while not success and steps_run < steps:
        if cancelled is not None and cancelled():
            raise ExplainCancelled("attack")
        with device_work(loaded.device):  # between steps live frames get the device
            grad = judge.gradient(pixels, aim)
            pixels = torch.minimum(torch.maximum(pixels + direction * step_size * grad.sign(), low), high)
            candidate = pixels.round().to("cpu", torch.uint8).numpy()
            outputs = judge.outputs(candidate)
            steps_run += 1
            success = judge.fooled(candidate, outputs["fc8"], aim, target is not None)
            step = AttackStep(steps_run, steps, judge.top5(outputs["fc8"]), judge.change(reference, outputs), before)
        if progress is not None:
            progress(step)
    difference = candidate.astype(np.int16) - original.astype(np.int16)
    with device_work(loaded.device):
        after, change = judge.top5(outputs["fc8"]), judge.change(reference, outputs)
    return AttackResult(
        adversarial=candidate, difference=difference, before=before, after=after,
        target=None if target is None else aim, eps=eps, steps=steps, steps_run=steps_run, success=success,
        change=change,
    )


class _Judge:
    """The private network, the viewer's preprocessing and torchvision's, for one attack."""

    def __init__(self, loaded) -> None:
        self.model = private_model(loaded.model)
        self.categories = loaded.categories
        self.transforms = loaded.transforms
        self.device = loaded.device
        self.preprocess = Preprocessor(loaded.transforms, loaded.device)

    def gradient(self, pixels: torch.Tensor, aim: int) -> torch.Tensor:
        with torch.enable_grad():
            pixels = pixels.detach().requires_grad_(True)
            logits = self.model(self.preprocess.differentiable(pixels))
            loss = F.cross_entropy(logits, torch.tensor([aim], device=self.device))
            (grad,) = torch.autograd.grad(loss, pixels)
        return grad

    def outputs(self, picture: np.ndarray) -> dict[str, torch.Tensor]:
        """conv1, fc7 and the logits (fc8) as the viewer opens the saved picture."""
        outputs: dict[str, torch.Tensor] = {}
        handles = []
        for name in CHANGED_LAYERS:
            attr, index = MODULE_LOCATIONS[name]
            hook = lambda _module, _inputs, out, name=name: outputs.__setitem__(name, out.detach())  # noqa: E731
            handles.append(getattr(self.model, attr)[index].register_forward_hook(hook))
        try:
            with torch.inference_mode():
                outputs["fc8"] = self.model(self.preprocess(picture)[0])[0]
        finally:
            for handle in handles:
                handle.remove()
        return outputs

    def fooled(self, picture: np.ndarray, logits: torch.Tensor, aim: int, targeted: bool) -> bool:
        if (int(logits.argmax()) == aim) != targeted:
            return False
        with torch.inference_mode():  # and as torchvision's own transforms would
            planar = torch.from_numpy(picture).permute(2, 0, 1).contiguous()
            theirs = int(self.model(self.transforms(planar).unsqueeze(0).to(self.device)).argmax())
        return (theirs == aim) == targeted

    def top5(self, logits: torch.Tensor) -> tuple[Prediction, ...]:
        probabilities = torch.softmax(logits.float(), 0)
        values, indices = probabilities.topk(5)
        return tuple(Prediction(int(i), self.categories[int(i)], float(v)) for v, i in zip(values, indices))

    @staticmethod
    def change(reference: dict[str, torch.Tensor], outputs: dict[str, torch.Tensor]) -> dict[str, float]:
        """||a' - a|| / ||a|| at each of CHANGED_LAYERS."""
        change = {}
        for name in CHANGED_LAYERS:
            norm = float(reference[name].norm())
            change[name] = float((outputs[name] - reference[name]).norm()) / norm if norm > 0 else 0.0
        return change
