"""Layer-wise relevance propagation over the private network copy, layer by layer.

Relevance starts at the class logit z_c (zero elsewhere) and goes down step by step; x is a
step's input, z its output, s = R / stab(z) with stab(z) = z + eps * sign(z) (sign 0 -> +1):

- ``lrp_epsilon``: Captum's ``LRP`` with its default rules: the epsilon rule (eps 1e-9) at
  every convolution, linear, max-pool and average-pool step (R_in = x * backward(s), the
  max-pool's backward through its switches), ReLU and dropout passing relevance unchanged.
- ``lrp_composite``: zennit's ``EpsilonGammaBox`` with box bounds the normalised 0 and 1 of
  each channel: ZBox at the first convolution, the generalised gamma rule (gamma 0.25) at
  the other convolutions, epsilon (1e-6) at the linear steps, zennit's ``Norm`` at the
  average pool, the plain gradient at max-pools, pass-through at ReLU and dropout; every
  stabiliser 1e-6. zennit seeded with ``one_hot * z_c`` as its output relevance gives the same.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.grad import conv2d_input

from alexnet_viewer.core.explain.network import Network, _adaptive_avg_pool_backward, _max_pool_backward

CAPTUM_EPS = 1e-9
ZENNIT_EPS = 1e-6
GAMMA = 0.25


def stab(z: torch.Tensor, eps: float) -> torch.Tensor:
    return z + torch.where(z >= 0, eps, -eps)


def lrp(net: Network, batch: torch.Tensor, class_index: int, composite: bool = False,
        low: torch.Tensor | None = None, high: torch.Tensor | None = None) -> torch.Tensor:
    """(1, 3, H, W) relevance; ``low``/``high`` (1, 3, 1, 1) are the box bounds for ``composite``."""
    states = net.forward(batch)
    relevance = torch.zeros_like(states[net.top])
    relevance[0, class_index] = states[net.top][0, class_index]
    for k in range(net.top - 1, -1, -1):
        relevance = _step(net, k, relevance, states[k], states[k + 1], composite, low, high)
    return relevance


def _step(net: Network, k: int, r: torch.Tensor, x: torch.Tensor, z: torch.Tensor, composite: bool, low, high) -> torch.Tensor:
    step = net.steps[k]
    eps = ZENNIT_EPS if composite else CAPTUM_EPS
    if isinstance(step, (nn.ReLU, nn.Dropout)):
        return r
    if isinstance(step, nn.Flatten):
        return r.reshape(x.shape)
    if isinstance(step, nn.Linear):
        return x * ((r / stab(z, eps)) @ step.weight)
    if isinstance(step, nn.MaxPool2d):
        if composite:
            return _max_pool_backward(step, r, x)
        return x * _max_pool_backward(step, r / stab(z, eps), x)
    if isinstance(step, nn.AdaptiveAvgPool2d):
        return x * _adaptive_avg_pool_backward(r / stab(z, eps), x.shape[-2:])
    if isinstance(step, nn.Conv2d):
        if not composite:
            return x * _conv_back(step, r / stab(z, eps), step.weight, x.shape)
        if k == 0:
            return _zbox(step, r, x, low, high)
        return _gamma(step, r, x, z)
    raise NotImplementedError(f"no relevance rule for {type(step).__name__}")


def _conv(step: nn.Conv2d, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    return nn.functional.conv2d(x, weight, bias, step.stride, step.padding, step.dilation, step.groups)


def _conv_back(step: nn.Conv2d, s: torch.Tensor, weight: torch.Tensor, shape) -> torch.Tensor:
    return conv2d_input((s.shape[0], *shape[1:]), weight, s, step.stride, step.padding, step.dilation, step.groups)


def _zbox(step: nn.Conv2d, r: torch.Tensor, x: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    w, b = step.weight, step.bias
    wp, wn = w.clamp(min=0), w.clamp(max=0)
    lows, highs = low.expand_as(x), high.expand_as(x)
    bp = None if b is None else b.clamp(min=0)
    bn = None if b is None else b.clamp(max=0)
    z = _conv(step, x, w, b) - _conv(step, lows, wp, bp) - _conv(step, highs, wn, bn)
    s = r / stab(z, ZENNIT_EPS)
    return x * _conv_back(step, s, w, x.shape) - lows * _conv_back(step, s, wp, x.shape) - highs * _conv_back(step, s, wn, x.shape)


def _gamma(step: nn.Conv2d, r: torch.Tensor, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """zennit's generalised Gamma: positive outputs from (x+, w+gamma w+) and (x-, w+gamma w-),
    negative ones from (x+, w+gamma w-) and (x-, w+gamma w+); biases in the x+ terms only."""
    w, b = step.weight, step.bias
    w_up, w_down = w + GAMMA * w.clamp(min=0), w + GAMMA * w.clamp(max=0)
    b_up = None if b is None else b + GAMMA * b.clamp(min=0)
    b_down = None if b is None else b + GAMMA * b.clamp(max=0)
    xp, xn = x.clamp(min=0), x.clamp(max=0)
    s_pos = (z > 0) * r / stab(_conv(step, xp, w_up, b_up) + _conv(step, xn, w_down, None), ZENNIT_EPS)
    s_neg = (z < 0) * r / stab(_conv(step, xp, w_down, b_down) + _conv(step, xn, w_up, None), ZENNIT_EPS)
    return (xp * _conv_back(step, s_pos, w_up, x.shape) + xn * _conv_back(step, s_pos, w_down, x.shape)
            + xp * _conv_back(step, s_neg, w_down, x.shape) + xn * _conv_back(step, s_neg, w_up, x.shape))
