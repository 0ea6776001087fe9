"""What the window asks the engine worker for, and what it hands back about it.

A ``Job`` is one frame: where the picture comes from, what the views need, the edits.
The worker turns its ``ViewRequest`` into the core's ``FrameRequest`` (``frame_request``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from alexnet_viewer.core.pictures.edits import Edits, apply_edits


@dataclass(frozen=True)
class PictureSource:
    """Where a picture comes from; exactly one of path / data / array / frame is set.

    ``frame`` is a live frame still in Qt's hands (``qt.live.frames.PendingFrame``): the
    worker converts it, so a frame the mailbox drops is never converted at all.
    ``token`` names the picture: jobs with the token the worker decoded last reuse that
    decoded array instead of decoding again.
    """

    token: int
    label: str
    path: Path | None = None
    data: bytes | None = None
    array: np.ndarray | None = None
    frame: Any = None


@dataclass(frozen=True)
class ViewRequest:
    layer: str = "conv1"
    channel_order: str = "index"
    ablations: tuple = ()  # core AblationSpec: channels switched off, e.g. (("conv5", (3, 7)),)
    statistics: bool = False  # the Statistics view is shown: every layer's statistics with the frame


@dataclass(frozen=True)
class Job:
    frame_id: int
    source: PictureSource
    view: ViewRequest
    edits: Edits = Edits()  # applied by the worker before the engine sees the picture
    # When the window posted it (time.perf_counter): bench --live measures arrival to screen.
    posted_at: float = field(default_factory=time.perf_counter)
    # Filled in by the worker on the Job it sends back: the decoded picture's (H, W)
    # before the edits, which the crop tool needs to map a box back onto it.
    source_shape: tuple[int, int] | None = None
    # The Result on screen when only the view changed (layer, order, statistics) on the same
    # picture, edits and ablations: the worker redraws it from its kept activations, no forward.
    redraw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class WeightsFailure:
    message: str
    reason: str  # "unavailable" (offline), "cancelled", "device", "error"


@dataclass(frozen=True)
class LoadedWeights:
    """What ``weights_ready`` carries: the spec that loaded, what it is, where it runs."""

    spec: Any  # core WeightsSpec
    info: Any  # core WeightsInfo
    device: str
    fallback: bool = False  # reloaded on the CPU after a device fault


def frame_request(view: ViewRequest):
    from alexnet_viewer.core.frame.engine import FrameRequest

    return FrameRequest(
        focus_layers=(view.layer,), channel_order=view.channel_order, ablations=view.ablations,
        statistics=view.statistics,
    )


def decode_picture(source: PictureSource, crop=None) -> tuple[np.ndarray, tuple[int, int] | None, int]:
    """(array, full (width, height) or None, reduction factor): a picture file or pasted bytes
    at its working size (core/pictures/working.py; enough pixels for ``crop``), a live frame
    or an array as it is."""
    from alexnet_viewer.core.pictures import images
    from alexnet_viewer.core.pictures.working import working_factor

    if source.frame is not None:
        return source.frame.to_array(), None, 1
    if source.array is not None:
        return np.ascontiguousarray(source.array, dtype=np.uint8), None, 1
    chosen = []

    def shrink(width: int, height: int) -> int:
        chosen.append(((width, height), working_factor(width, height, crop)))
        return chosen[-1][1]

    if source.path is not None:
        image = images.load_image(source.path, shrink=shrink)
    else:
        image = images.load_image_bytes(source.data, name=source.label, shrink=shrink)
    size, factor = chosen[-1] if chosen else (None, 1)
    return images.image_to_array(image), size, factor


class PictureCache:
    """The last decoded picture and the last edited one, shared by the frame lanes.

    A layer change re-runs the same picture with the same edits: it is neither decoded
    nor edited again. A file is kept at its working size; a crop box that needs more pixels
    than that decodes it again, finer. Each lookup reads one snapshot taken under the lock, so two lanes
    never mix one picture's token with another's array.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoded: tuple[int, np.ndarray, tuple[int, int] | None, int] | None = None
        self._edited: tuple[int, Edits, np.ndarray] | None = None

    def decoded(self, source: PictureSource, crop=None) -> np.ndarray:
        from alexnet_viewer.core.pictures.working import working_factor

        with self._lock:
            cached = self._decoded
        if cached is not None and cached[0] == source.token:
            _, array, size, factor = cached
            if size is None or working_factor(*size, crop) >= factor:
                return array
        array, size, factor = decode_picture(source, crop)
        with self._lock:
            self._decoded = (source.token, array, size, factor)
        return array

    def edited(self, token: int, original: np.ndarray, edits: Edits) -> np.ndarray:
        if edits.is_identity:
            return original
        with self._lock:
            cached = self._edited
        if cached is not None and cached[0] == token and cached[1] == edits:
            return cached[2]
        array = apply_edits(original, edits)
        with self._lock:
            self._edited = (token, edits, array)
        return array

    def clear(self) -> None:
        with self._lock:
            self._decoded = self._edited = None
