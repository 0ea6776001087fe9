"""Input maps (3x224x224, with respect to the normalised input) from plain gradients.

Each is built from ``gradients``: a forward of a batch through the private network copy and
the data-only backward of network.py with the true ReLU rule, one row per input.

- ``saliency``: dz_c/dx, the raw (signed) gradient (Simonyan et al. 2014; Captum's
  ``Saliency`` with ``abs=False``).
- ``grad_x_input``: x * dz_c/dx (Captum's ``InputXGradient``).
- ``smoothgrad``: the mean gradient over ``samples`` noisy copies x + N(0, sigma^2),
  sigma = noise * (max - min) of x (Smilkov et al. 2017). The noise is drawn on the CPU from
  a generator seeded with ``seed``, chunk by chunk, exactly as Captum's ``NoiseTunnel``
  draws it from the global generator with ``nt_samples_batch_size=chunk``; noise 0 is the
  saliency map.
- ``integrated_gradients``: (x - x0) * sum_i w_i dz_c/dx(x0 + a_i (x - x0)), x0 = 0 (the
  normalised zero, the weights' mean colour), (a_i, w_i) the Gauss-Legendre nodes and
  weights on [0, 1] (Captum's default). The steps go in interleaved chunks (0, k, 2k, ... then
  1, k+1, ...) so every partial sum, rescaled by the weight it has covered, already spans the
  whole path: a coarse picture first, refined as chunks finish.

``partial(map, done, total)`` receives each running estimate; ``progress(done, total)``
follows every chunk; ``cancelled()`` true raises ExplainCancelled between chunks.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.explain.occlusion import ExplainCancelled

Progress = Callable[[int, int], None] | None
Partial = Callable[[torch.Tensor, int, int], None] | None
Cancelled = Callable[[], bool] | None


def gradients(net: Network, x: torch.Tensor, class_index: int) -> torch.Tensor:
    """dz_c/dx for each row of x (n, 3, H, W)."""
    states = dict(enumerate(net.forward(x)))
    seed = torch.zeros(x.shape[0], net.shapes[net.top][0], device=x.device)
    seed[:, class_index] = 1.0
    return net.backprop(seed, net.top, 0, states, "plain")


def saliency(net: Network, batch: torch.Tensor, class_index: int) -> torch.Tensor:
    return gradients(net, batch, class_index)


def grad_x_input(net: Network, batch: torch.Tensor, class_index: int) -> torch.Tensor:
    return batch * gradients(net, batch, class_index)


def smoothgrad(
    net: Network, batch: torch.Tensor, class_index: int, samples: int = 50, noise: float = 0.15, seed: int = 0,
    chunk: int = 10, progress: Progress = None, cancelled: Cancelled = None, partial: Partial = None,
) -> torch.Tensor:
    if samples < 1 or noise < 0:
        raise ValueError(f"SmoothGrad needs at least one sample and noise >= 0, not {samples} and {noise}")
    sigma = float(noise) * float(batch.max() - batch.min())
    generator = torch.Generator().manual_seed(int(seed))
    total, done = torch.zeros_like(batch), 0
    while done < samples:
        size = min(chunk, samples - done)
        spread = torch.tensor(sigma).repeat(size, *batch.shape[1:])
        noisy = batch + torch.normal(0.0, spread, generator=generator).to(batch.device)
        total += gradients(net, noisy, class_index).sum(dim=0, keepdim=True)
        done += size
        _report(done, samples, total / done, progress, cancelled, partial, "SmoothGrad map")
    return total / samples


def gauss_legendre(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(alphas, weights) on [0, 1], as Captum's ``gausslegendre`` approximation builds them."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    return 0.5 * (1 + nodes), 0.5 * weights


def integrated_gradients(
    net: Network, batch: torch.Tensor, class_index: int, steps: int = 50, chunk: int = 10,
    progress: Progress = None, cancelled: Cancelled = None, partial: Partial = None,
) -> torch.Tensor:
    if steps < 1:
        raise ValueError(f"Integrated Gradients needs at least one step, not {steps}")
    alphas, weights = gauss_legendre(steps)
    rounds = -(-steps // chunk)
    total, covered, done = torch.zeros_like(batch), 0.0, 0
    for first in range(rounds):
        picked = np.arange(first, steps, rounds)
        scaled = torch.cat([alphas[i] * batch for i in picked])  # baseline 0 + a (x - 0)
        w = torch.tensor(weights[picked], dtype=torch.float32, device=batch.device).view(-1, 1, 1, 1)
        total += (gradients(net, scaled, class_index) * w).sum(dim=0, keepdim=True)
        covered += float(weights[picked].sum())
        done += len(picked)
        _report(done, steps, batch * total / covered, progress, cancelled, partial, "Integrated Gradients map")
    return batch * total


def _report(done: int, total: int, estimate: torch.Tensor, progress: Progress, cancelled: Cancelled,
            partial: Partial, what: str) -> None:
    if partial is not None and done < total:
        partial(estimate, done, total)
    if progress is not None:
        progress(done, total)
    if cancelled is not None and done < total and cancelled():
        raise ExplainCancelled(what)
