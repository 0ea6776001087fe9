"""What an atlas was built from, so a later build never mixes in other weights or inputs."""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from alexnet_viewer.core.model.weights_spec import WeightsSpec


def state_dict_sha256(model: torch.nn.Module) -> str:
    """SHA-256 over the state dict's names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        array = tensor.detach().to("cpu").contiguous().numpy()
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))
    return digest.hexdigest()


def weights_identity(loaded, spec: WeightsSpec | None = None) -> dict:
    """The weights' description and hash; ``spec`` lets ``atlas top`` load them again."""
    identity = {
        "source": loaded.weights.source,
        "description": loaded.weights.description,
        "trained": loaded.weights.trained,
        "sha256": state_dict_sha256(loaded.model),
    }
    if spec is not None:
        identity["spec"] = {"kind": spec.kind, "path": None if spec.path is None else str(spec.path), "seed": spec.seed}
    return identity


def spec_from_identity(identity: dict) -> WeightsSpec | None:
    """The WeightsSpec recorded in an atlas, or None if it recorded none."""
    spec = identity.get("spec")
    if not isinstance(spec, dict):
        return None
    kind = spec.get("kind")
    try:
        if kind == "file":
            return WeightsSpec.from_file(str(spec["path"]))
        if kind == "random":
            return WeightsSpec.random(int(spec["seed"]))
    except (KeyError, TypeError, ValueError):
        return None
    return WeightsSpec.pretrained() if kind == "pretrained" else None


def preprocess_identity(transforms: object, draft: tuple[int, int] | None) -> dict:
    """The input pipeline's settings; records made with different ones do not mix."""
    return {
        "resize": [int(side) for side in transforms.resize_size],
        "crop": [int(side) for side in transforms.crop_size],
        "interpolation": str(transforms.interpolation.value),
        "antialias": bool(transforms.antialias),
        "mean": [float(v) for v in transforms.mean],
        "std": [float(v) for v in transforms.std],
        "jpeg_draft": None if draft is None else [int(side) for side in draft],
    }
