"""Class activation maps at any conv, relu or pool layer, each as pytorch-grad-cam defines it,
at the layer's own resolution before its upsampling and min-max scaling (ReLU of the sum).

With A the layer's (K, h, w) output and g = dz_c/dA (the data-only backward from the logits):

- ``gradcam_pp`` (Chattopadhay et al. 2018): alpha = g^2 / (2 g^2 + sum_ij(A) g^3 + 1e-6),
  zero where g is 0; w_k = sum_ij relu(g) alpha; map relu(sum_k w_k A^k).
- ``layercam`` (Jiang et al. 2021): relu(sum_k relu(g) A^k), per position.
- ``scorecam`` (Wang et al. 2020): no gradient. Each channel, upsampled bilinearly to the
  input with aligned corners and scaled to [0, 1] (``(u - min) / (max - min + 1e-8)``), masks
  the input; the class logit of each masked input is its score; w = softmax over channels of
  the scores; map relu(sum_k w_k A^k). ``batch_size`` masked inputs go through at once (K
  forwards in all), the masks made chunk by chunk, so memory stays bounded.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from alexnet_viewer.core.explain.input_maps import Cancelled, Progress, _report
from alexnet_viewer.core.explain.network import Network

GRADCAM_PP_EPS = 1e-6
SCORECAM_EPS = 1e-8


def _activations_and_grads(net: Network, batch: torch.Tensor, state: int, class_index: int) -> tuple[torch.Tensor, torch.Tensor]:
    states = dict(enumerate(net.forward(batch)))
    seed = torch.zeros(1, net.shapes[net.top][0], device=batch.device)
    seed[0, class_index] = 1.0
    return states[state], net.backprop(seed, net.top, state, states, "plain")


def gradcam_pp(net: Network, batch: torch.Tensor, class_index: int, state: int) -> torch.Tensor:
    a, g = _activations_and_grads(net, batch, state, class_index)
    g2 = g * g
    alpha = g2 / (2 * g2 + a.sum(dim=(2, 3), keepdim=True) * g2 * g + GRADCAM_PP_EPS)
    alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
    weights = (g.clamp(min=0) * alpha).sum(dim=(2, 3), keepdim=True)
    return torch.relu((weights * a).sum(dim=1))[0]


def layercam(net: Network, batch: torch.Tensor, class_index: int, state: int) -> torch.Tensor:
    a, g = _activations_and_grads(net, batch, state, class_index)
    return torch.relu((g.clamp(min=0) * a).sum(dim=1))[0]


def scorecam(
    net: Network, batch: torch.Tensor, class_index: int, state: int, batch_size: int = 32,
    progress: Progress = None, cancelled: Cancelled = None,
) -> torch.Tensor:
    a = net.forward(batch, upto=state)[state]
    channels = a.shape[1]
    scores = []
    for start in range(0, channels, batch_size):
        up = F.interpolate(a[:, start:start + batch_size], size=batch.shape[-2:], mode="bilinear", align_corners=True)[0]
        flat = up.flatten(1)
        low, high = flat.min(dim=1).values.view(-1, 1, 1), flat.max(dim=1).values.view(-1, 1, 1)
        masks = (up - low) / (high - low + SCORECAM_EPS)
        scores.append(net.model(batch * masks[:, None])[:, class_index])
        _report(min(start + batch_size, channels), channels, a, progress, cancelled, None, "Score-CAM map")
    weights = torch.softmax(torch.cat(scores), dim=0).view(1, -1, 1, 1)
    return torch.relu((weights * a).sum(dim=1))[0]
