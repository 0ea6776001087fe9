"""A private, hook-free, gradient-ready copy of AlexNet, cut after any named layer.

The engine's model carries forward hooks and in-place ReLUs; optimising through it would
fire those hooks and let an in-place ReLU overwrite a conv output the objective reads. The
copy is built on the "meta" device and then takes the original's tensors (shared storage,
no second 233 MB), with ``requires_grad`` off so no weight gradient is ever computed.

For optimisation its ReLUs can be ``RedirectedReLU``: the same forward, but when a ReLU's
gradient is zero everywhere for a picture (every unit the objective depends on is negative,
so plain gradient ascent can never start) the gradient passes through the negative units
that it would push up. Lucid's "redirected ReLU gradient" solves the same dead start.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import alexnet

from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS, check_layer_name


class _Redirected(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        plain = grad * (x > 0)
        # A descent step moves x by -grad: keep what raises a negative unit, drop what lowers it.
        redirected = torch.where((x < 0) & (grad > 0), torch.zeros_like(grad), grad)
        dead = (plain.flatten(1).abs().amax(1) == 0).view(-1, *([1] * (grad.dim() - 1)))
        return torch.where(dead, redirected, plain)


class RedirectedReLU(nn.Module):
    """ReLU whose gradient, when zero for a whole picture, is redirected (see the module doc)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _Redirected.apply(x)


def private_model(model: nn.Module, redirect: bool = False) -> nn.Module:
    """AlexNet with the same weights as ``model`` (shared, frozen), no hooks, ReLU(inplace=False)
    (``RedirectedReLU`` with ``redirect``)."""
    with torch.device("meta"):
        copy = alexnet(weights=None)
    copy.load_state_dict(model.state_dict(), strict=True, assign=True)
    for part in (copy.features, copy.classifier):
        for index, module in enumerate(part):
            if isinstance(module, nn.ReLU):
                part[index] = RedirectedReLU() if redirect else nn.ReLU(inplace=False)
    copy.requires_grad_(False)
    return copy.eval()


def truncated(model: nn.Module, layer: str) -> nn.Sequential:
    """The network from its input up to and including ``layer``'s output (pre-ReLU for conv/fc)."""
    attr, index = MODULE_LOCATIONS[check_layer_name(layer)]
    if attr == "features":
        return nn.Sequential(*model.features[: index + 1]).eval()
    return nn.Sequential(model.features, model.avgpool, nn.Flatten(1), *model.classifier[: index + 1]).eval()
