"""Canonical names for the layers of torchvision's AlexNet and where they live."""

from __future__ import annotations

# (canonical name, attribute of the AlexNet module, index in that Sequential)
_LAYOUT: tuple[tuple[str, str, int], ...] = (
    ("conv1", "features", 0),
    ("relu1", "features", 1),
    ("pool1", "features", 2),
    ("conv2", "features", 3),
    ("relu2", "features", 4),
    ("pool2", "features", 5),
    ("conv3", "features", 6),
    ("relu3", "features", 7),
    ("conv4", "features", 8),
    ("relu4", "features", 9),
    ("conv5", "features", 10),
    ("relu5", "features", 11),
    ("pool5", "features", 12),
    ("fc6", "classifier", 1),
    ("relu6", "classifier", 2),
    ("fc7", "classifier", 4),
    ("relu7", "classifier", 5),
    ("fc8", "classifier", 6),
)

LAYER_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _LAYOUT)
MODULE_LOCATIONS: dict[str, tuple[str, int]] = {name: (attr, idx) for name, attr, idx in _LAYOUT}
# Layers with a spatial (C, H, W) output: conv, relu and pool 1-5 (export writes their mosaics).
SPATIAL_LAYERS: tuple[str, ...] = LAYER_NAMES[: LAYER_NAMES.index("pool5") + 1]


# ReLU layers whose values are their conv or fc layer's output clamped at 0 (torchvision's
# ReLUs run in place): the engine derives them on demand instead of keeping a copy.
DERIVED_FROM: dict[str, str] = {
    "relu1": "conv1", "relu2": "conv2", "relu3": "conv3", "relu4": "conv4",
    "relu5": "conv5", "relu6": "fc6", "relu7": "fc7",
}
# The layers the engine keeps (copies out of the forward): every one that is not derived.
KEPT_LAYERS: tuple[str, ...] = tuple(name for name in LAYER_NAMES if name not in DERIVED_FROM)


def check_layer_name(name: str) -> str:
    if name not in MODULE_LOCATIONS:
        raise ValueError(f"unknown layer {name!r}; choose one of: {', '.join(LAYER_NAMES)}")
    return name
