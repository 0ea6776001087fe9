"""A private, hook-free copy of AlexNet walked step by step, and an explicit backward pass.

The copy is visualize/network.py's ``private_model`` (rebuilt on the meta device, then given
the engine's tensors: shared storage, no second 233 MB on the device), with
``requires_grad=False``, no hooks, and ``inplace=False`` ReLUs, so a recorded conv output
stays pre-ReLU and the engine's model is never touched.

The backward pass is written out module by module instead of asking autograd, because the
methods only ever need gradients with respect to *data*, and every rule it needs is known:

- ``Conv2d``: ``conv2d_input`` (the data-gradient kernel autograd itself calls; no weight
  gradient is ever computed);
- ``Linear``: ``g @ W``;
- ``ReLU``: one of three rules (below), each needing only the layer's output sign;
- ``MaxPool2d``: the gradient goes to the switches (argmax positions) of the recorded input,
  accumulated where windows overlap, as autograd does;
- ``AdaptiveAvgPool2d`` (the identity at 224x224), ``Flatten`` and eval ``Dropout``.

So a backward can start from any recorded states: this network's own forward, or the
values the engine captured for a frame (no second forward at all). Several targets go down
as one batch (one row of ``g`` each).

ReLU rules, with ``out`` the ReLU's forward output and ``g`` the incoming gradient:
``"plain"`` g where out > 0 (the true gradient); ``"guided"`` g where out > 0 and g > 0
(Springenberg et al.); ``"deconv"`` relu(g) whatever the forward sign (Zeiler & Fergus).
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS
from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.visualize.network import private_model

RULES = ("plain", "guided", "deconv")


class Network:
    """AlexNet as a flat list of steps; state k is the input of step k (state 0: the image)."""

    def __init__(self, model: nn.Module, device: torch.device, input_shape: tuple[int, ...]) -> None:
        self.model = private_model(model)
        self.device = device
        features, classifier = self.model.features, self.model.classifier
        self.steps: list[nn.Module] = [*features, self.model.avgpool, nn.Flatten(1), *classifier]
        offsets = {"features": 0, "classifier": len(features) + 2}
        # state index holding each canonical layer's output
        self.state_of = {name: offsets[attr] + index + 1 for name, (attr, index) in MODULE_LOCATIONS.items()}
        self.name_of_state = {state: name for name, state in self.state_of.items()}
        self.top = len(self.steps)  # the logits' state
        with device_work(device), torch.inference_mode():  # alone on MPS (core/model/device_gate.py)
            states = self.forward(torch.zeros(input_shape, device=device))
        self.shapes = [tuple(state.shape[1:]) for state in states]

    def layer_shape(self, name: str) -> tuple[int, ...]:
        return self.shapes[self.state_of[name]]

    def forward(self, x: torch.Tensor, upto: int | None = None) -> list[torch.Tensor]:
        """States 0..upto (all by default) of one forward pass."""
        states = [x]
        for step in self.steps[: self.top if upto is None else upto]:
            states.append(step(states[-1]))
        return states

    def needed(self, bottom: int, top: int | None = None) -> set[int]:
        """The states a backward from ``top`` (the logits) down to ``bottom`` reads."""
        needed = set()
        for k in range(bottom, self.top if top is None else top):
            if isinstance(self.steps[k], nn.ReLU):
                needed.add(k + 1)  # its output's sign
            elif isinstance(self.steps[k], nn.MaxPool2d):
                needed.add(k)  # its input, for the switches
        return needed

    def states_from(self, activations: Mapping[str, object], indices: set[int]) -> dict[int, torch.Tensor]:
        """States from the layers a frame captured (canonical name -> (C,H,W) or (N,) values)."""
        states = {}
        for index in sorted(indices):
            name = self.name_of_state.get(index)
            if name is None or name not in activations:
                raise ValueError(f"the captured activations lack {name or f'the output of step {index}'}")
            states[index] = self._as_state(activations[name], index)
        return states

    def _as_state(self, value: object, index: int) -> torch.Tensor:
        tensor = value if isinstance(value, torch.Tensor) else torch.from_numpy(np.array(value, dtype=np.float32))
        tensor = tensor.to(self.device, torch.float32)
        if tuple(tensor.shape) == self.shapes[index]:
            tensor = tensor.unsqueeze(0)
        if tuple(tensor.shape) != (1, *self.shapes[index]):
            raise ValueError(f"captured {self.name_of_state[index]} has shape {tuple(tensor.shape)}, "
                             f"expected {self.shapes[index]}")
        return tensor

    def backprop(self, g: torch.Tensor, top: int, bottom: int, states: Mapping[int, torch.Tensor], rule: str) -> torch.Tensor:
        """The gradient at state ``bottom`` given ``g`` (n rows) at state ``top``."""
        if rule not in RULES:
            raise ValueError(f"unknown ReLU rule {rule!r}; choose one of {RULES}")
        for k in range(top - 1, bottom - 1, -1):
            g = self._step_backward(k, g, states, rule)
        return g

    def _step_backward(self, k: int, g: torch.Tensor, states: Mapping[int, torch.Tensor], rule: str) -> torch.Tensor:
        step, n = self.steps[k], g.shape[0]
        in_shape = (n, *self.shapes[k])
        if isinstance(step, nn.Conv2d):
            if step.padding_mode != "zeros" or isinstance(step.padding, str):
                raise NotImplementedError("only zero-padded convolutions with numeric padding are supported")
            return torch.nn.grad.conv2d_input(in_shape, step.weight, g, step.stride, step.padding, step.dilation, step.groups)
        if isinstance(step, nn.Linear):
            return g @ step.weight
        if isinstance(step, nn.ReLU):
            if rule == "deconv":
                return g.clamp(min=0)
            # ReLU's own backward kernel (autograd's too): g where the output is > 0, else 0
            return torch.ops.aten.threshold_backward(g.clamp(min=0) if rule == "guided" else g, states[k + 1], 0.0)
        if isinstance(step, nn.MaxPool2d):
            return _max_pool_backward(step, g, states[k])
        if isinstance(step, nn.AdaptiveAvgPool2d):
            return _adaptive_avg_pool_backward(g, self.shapes[k][-2:])
        if isinstance(step, nn.Flatten):
            return g.reshape(in_shape)
        if isinstance(step, nn.Dropout):
            return g  # eval mode: the identity
        raise NotImplementedError(f"no backward rule for {type(step).__name__}")


def _max_pool_backward(pool: nn.MaxPool2d, g: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    _, switches = F.max_pool2d(
        inputs, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode, return_indices=True
    )
    n, channels = g.shape[:2]
    flat = g.new_zeros(n, channels, inputs.shape[-2] * inputs.shape[-1])
    flat.scatter_add_(2, switches.flatten(2).expand(n, -1, -1), g.flatten(2))
    return flat.view(n, channels, *inputs.shape[-2:])


def _adaptive_avg_pool_backward(g: torch.Tensor, in_size: tuple[int, int]) -> torch.Tensor:
    if tuple(g.shape[-2:]) == tuple(in_size):
        return g
    rows = _pool_matrix(g.shape[-2], in_size[0], g)
    cols = _pool_matrix(g.shape[-1], in_size[1], g)
    return rows.T @ g @ cols  # y = rows x cols^T, so dx = rows^T g cols


def _pool_matrix(out_size: int, in_size: int, like: torch.Tensor) -> torch.Tensor:
    """(out, in): row i averages input bins floor(i*in/out) .. ceil((i+1)*in/out) - 1."""
    matrix = like.new_zeros(out_size, in_size)
    for i in range(out_size):
        start, end = (i * in_size) // out_size, math.ceil((i + 1) * in_size / out_size)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix
