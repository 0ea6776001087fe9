"""An animation of a still picture: a sweep through the layers, one frame per spatial layer,
each its mosaic of every channel (the same tiling and colours as the Feature maps panel)
under a caption naming the layer. A view that does not change while it is recorded is
exported as this sweep, never as a one-frame file."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.panels.colormaps import DEFAULT_COLORMAP, mosaic_lookup_table
from alexnet_viewer.qt.panels.style import PLOT_BACKGROUND

SIDE = 480  # pixels of one frame at 1×, caption included
CAPTION = 40


def layer_sweep_frames(result: Result, scale: int = 1, colormap: str = DEFAULT_COLORMAP) -> list[np.ndarray]:
    """(H, W, 3) uint8 frames, one per spatial layer of ``result``, all the same size."""
    import torch  # here: importing the window must not import torch

    from alexnet_viewer.core.frame.mosaic import activation_mosaic

    side, caption = SIDE * scale, CAPTION * scale
    table = mosaic_lookup_table(colormap, PLOT_BACKGROUND)
    background = tuple(int(v) for v in table[0])
    font = ImageFont.load_default(size=int(caption * 0.6))
    frames = []
    for name in SPATIAL_LAYERS:
        activation = result.activations.get(name)
        if activation is None:
            continue
        values = torch.from_numpy(np.array(activation, dtype=np.float32))  # a copy: the result is read-only
        levels = torch.stack([values.min(), values.max()])
        mosaic, _gap = activation_mosaic(values, levels, None)
        picture = Image.fromarray(table[mosaic.numpy()])
        fit = (side - caption) / max(picture.size)
        picture = picture.resize((max(1, round(picture.width * fit)), max(1, round(picture.height * fit))),
                                 Image.Resampling.NEAREST)
        frame = Image.new("RGB", (side, side), background)
        frame.paste(picture, ((side - picture.width) // 2, caption))
        text = f"{name} · {activation.shape[0]} channels of {activation.shape[1]} x {activation.shape[2]}"
        ImageDraw.Draw(frame).text((side // 2, caption // 2), text, fill=(235, 235, 235), font=font, anchor="mm")
        frames.append(np.asarray(frame))
    return frames


def all_the_same(frames: list[np.ndarray]) -> bool:
    """Whether every frame equals the first (a still view)."""
    return all(frame.shape == frames[0].shape and np.array_equal(frame, frames[0]) for frame in frames[1:])
