"""Activation maximisation: the picture that drives one channel (or one class's logit) hardest.

``visualize(loaded, layer, channel, ...)`` optimises a Fourier-parameterised, colour-
decorrelated picture under random jitter, scale and rotation (the regularisers of
Olah et al., "Feature Visualization", Distill 2017, as in Lucid/Lucent), on a private
copy of the network, and caches the result on disk per weights.
"""

from alexnet_viewer.core.visualize.optimise import DEFAULT_STEPS, VisualizeCancelled, VisualizeResult, measure_activations, visualize
from alexnet_viewer.core.visualize.target import Target, TargetError, channel_count, parse_target

__all__ = [
    "DEFAULT_STEPS",
    "Target",
    "TargetError",
    "VisualizeCancelled",
    "VisualizeResult",
    "channel_count",
    "measure_activations",
    "parse_target",
    "visualize",
]
