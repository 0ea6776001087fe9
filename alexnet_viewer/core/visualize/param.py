"""The picture being optimised, as Fourier coefficients of decorrelated colour channels.

Optimising pixels directly lets the gradient's high frequencies take over (the picture
turns to noise that the network reacts to and a person cannot read). Here each of three
decorrelated colour channels is a 2-D real spectrum scaled by 1/f, so one Adam step moves
every frequency by about the amount natural pictures hold at it; the channels are mixed
into RGB by the square root of natural pictures' colour covariance, and a sigmoid keeps
every pixel inside [0, 1]. (Olah, Mordvintsev & Schubert, "Feature Visualization",
Distill 2017; Lucid/Lucent implement the same idea.)
"""

from __future__ import annotations

import torch

# Provenance: the symmetric square root C^(1/2) = U diag(sqrt(eigenvalues)) U^T of the RGB
# covariance (values in [0, 1]) of the bundled sample photos (resources/samples), averaged
# over the photos with equal weight, then divided by its largest column norm.
# tests/core/test_visualize.py recomputes it from the photos and checks these figures.
COLOUR_SQRT = (
    (0.8561, 0.4310, 0.2851),
    (0.4310, 0.6717, 0.5086),
    (0.2851, 0.5086, 0.7367),
)

INIT_SD = 0.01
# Divides the inverse transform's output so the starting picture sits near grey (sigmoid(0)).
SPATIAL_DAMPING = 4.0


def frequency_scale(height: int, width: int, decay: float = 1.0) -> torch.Tensor:
    """1/f^decay over the rfft2 grid (height, width//2 + 1), the lowest frequency capped."""
    fy = torch.fft.fftfreq(height).view(-1, 1)
    fx = torch.fft.rfftfreq(width).view(1, -1)
    frequency = torch.sqrt(fy * fy + fx * fx).clamp(min=1.0 / max(height, width))
    return frequency.pow(-decay)


class FourierImage:
    """``picture()`` -> (1, 3, H, W) RGB in [0, 1], differentiable in ``parameters()``."""

    def __init__(self, size: int, generator: torch.Generator, device: torch.device) -> None:
        self._size = size
        spectrum = torch.randn((3, size, size // 2 + 1, 2), generator=generator) * INIT_SD
        self._spectrum = spectrum.to(device).requires_grad_(True)
        self._scale = frequency_scale(size, size).to(device)
        self._mix = torch.tensor(COLOUR_SQRT, device=device)

    def parameters(self) -> list[torch.Tensor]:
        return [self._spectrum]

    def picture(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self._spectrum) * self._scale
        decorrelated = torch.fft.irfft2(spectrum, s=(self._size, self._size), norm="ortho") / SPATIAL_DAMPING
        rgb = torch.einsum("ij,jhw->ihw", self._mix, decorrelated)
        return torch.sigmoid(rgb).unsqueeze(0)
