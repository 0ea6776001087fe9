"""A folder of real photos (skimage.data), each also flipped and cropped: families of pictures."""

from __future__ import annotations

import numpy as np
import skimage.data
from PIL import Image

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field", "colorwheel", "logo")


def photo_folder(root):
    """32 pictures in 8 families: each photo whole, flipped and cut two ways."""
    folder = root / "photos"
    folder.mkdir()
    for name in PHOTOS:
        pixels = getattr(skimage.data, name)()[..., :3]
        h, w = pixels.shape[:2]
        variants = {
            "whole": pixels,
            "flip": pixels[:, ::-1],
            "top": pixels[: h * 3 // 4, : w * 3 // 4],
            "bottom": pixels[h // 4 :, w // 4 :],
        }
        for kind, array in variants.items():
            Image.fromarray(np.ascontiguousarray(array)).save(folder / f"{name}-{kind}.png")
    return folder


def photo_atlas(root, loaded):
    """The photos' atlas (codes included); returns its folder."""
    from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
    from alexnet_viewer.core.model.weights_spec import WeightsSpec

    build_atlas(loaded, [photo_folder(root)], root / "atlas", BuildOptions(top_k=2, batch_size=16), spec=WeightsSpec.random(0))
    return root / "atlas"
