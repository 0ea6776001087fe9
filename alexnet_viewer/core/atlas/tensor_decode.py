"""JPEGs decoded on the model's device, a batch at a time (torchvision's decode_jpeg: nvJPEG on CUDA).

Beside a GPU, an atlas build or an evaluation is bound by Pillow decoding in the worker
processes. With this route the workers only read each file's bytes and check them cheaply:
a regular, non-empty file that starts as a JPEG and ends with its end marker, whose header
(read by Pillow without decoding a pixel) says a single-picture RGB or grey JPEG within
MAX_PIXELS. Anything else — another format, CMYK, a multi-picture (MPO) file, trailing data,
a header Pillow cannot read, a picture over the limit — takes the Pillow path in the worker,
as before, which decodes it or names its fault in one sentence. The main process decodes a
batch's JPEGs in one call on the device and preprocesses each there by the Preprocessor's
own rule (``centre_crop``); a batched call that fails is repeated picture by picture, and
a picture the decoder refuses goes the Pillow path (core/atlas/pictures.py).

Pixels. nvJPEG's inverse DCT and chroma upsampling differ from libjpeg-turbo's by a level
or so (on the CPU torchvision uses libjpeg-turbo, as Pillow does: the same pixels). The
viewer decodes with Pillow, so an atlas build treats every picture decoded here as it
treats a draft-decoded one: candidates for a top-K are decoded again with Pillow and run
again (core/atlas/rescore.py). ``evaluate`` uses this route only when asked.

EXIF orientation. torchvision applies it on the CPU only (its CUDA decoder ignores
``apply_exif_orientation``), so the worker reads the orientation from the header, as
Pillow's ``exif_transpose`` does, and it is applied here, on the device, on every device.

Memory. A batch decodes in groups of at most DECODE_PIXEL_BUDGET pixels (a camera's 12 MP
photos would otherwise take 9 GB of uint8 for a batch of 256); each picture is cut to its
224x224 crop before the next group. The batch's JPEG bytes travel end to end in one uint8
tensor, which the DataLoader pins when the model is on CUDA: pinned blocks come from torch's
caching host allocator, so the same pinned memory serves batch after batch.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image
from torchvision.io import ImageReadMode, decode_jpeg

from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.pictures.images import MAX_PIXELS, open_picture_file, quiet_pillow

DECODERS = ("auto", "pillow", "torchvision")
DECODE_PIXEL_BUDGET = 1 << 27  # pixels decoded at once: 384 MiB of uint8 on the device
JPEG_START, JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"
_ORIENTATION = 0x0112  # EXIF's Orientation tag
# A JPEG bigger than its pixels uncompressed (plus room for EXIF, ICC and thumbnails) is not an ordinary one.
_MOST_BYTES_PER_PIXEL, _SLACK = 3, 1 << 20
_DECODED_MODES = ("RGB", "L")  # grey becomes RGB as Pillow's convert makes it: the level thrice
# Pillow's exif_transpose, orientation by orientation, on a (C, H, W) tensor.
_UPRIGHT = {
    2: lambda p: p.flip(-1),  # FLIP_LEFT_RIGHT
    3: lambda p: p.flip(-2, -1),  # ROTATE_180
    4: lambda p: p.flip(-2),  # FLIP_TOP_BOTTOM
    5: lambda p: p.transpose(-2, -1),  # TRANSPOSE
    6: lambda p: p.rot90(-1, (-2, -1)),  # ROTATE_270 (a quarter turn clockwise)
    7: lambda p: p.transpose(-2, -1).flip(-2, -1),  # TRANSVERSE
    8: lambda p: p.rot90(1, (-2, -1)),  # ROTATE_90
}
# torchvision 0.29 deprecates its image codecs in favour of TorchCodec and says so on every call.
_QUIET = ("ignore", None, DeprecationWarning, re.compile(r"torchvision\.io\.image"), 0)


def uses_tensor_decoding(decoder: str, device: torch.device, draft: bool) -> bool:
    """Whether JPEGs take this route: ``torchvision`` always, ``pillow`` never, ``auto`` on a
    CUDA device when JPEGs may be decoded approximately anyway (an atlas build in draft mode)."""
    if decoder not in DECODERS:
        raise ValueError(f"the JPEG decoder is one of {', '.join(DECODERS)}, not {decoder!r}")
    if decoder == "auto":
        return torch.device(device).type == "cuda" and draft
    return decoder == "torchvision"


class Jpeg(NamedTuple):
    data: bytes
    orientation: int  # EXIF orientation, 1 (upright) to 8
    pixels: int  # width x height, from the header


class Jpegs(NamedTuple):
    """A batch's JPEGs, their bytes end to end in one tensor."""

    data: torch.Tensor  # (total bytes,) uint8
    positions: list[int]  # each picture's position in the path list
    bounds: list[tuple[int, int]]  # each picture's bytes: data[start:stop]
    orientations: list[int]
    pixels: list[int]


def read_jpeg(path, max_pixels: int = MAX_PIXELS) -> Jpeg | None:
    """The file's bytes if this route can decode them, else None (the Pillow path then decodes
    the file or names its fault). Decodes nothing; reads the whole file only for a JPEG that
    passes every check."""
    quiet_pillow()
    try:
        with open_picture_file(path) as fp:
            size = os.fstat(fp.fileno()).st_size
            if fp.read(len(JPEG_START)) != JPEG_START or size < 64:
                return None
            fp.seek(size - 64)
            if not fp.read(64).rstrip(b"\0").endswith(JPEG_END):
                return None  # truncated, or with data after the picture: Pillow's case
            fp.seek(0)
            with Image.open(fp, formats=["JPEG"]) as image:
                if image.format != "JPEG" or image.mode not in _DECODED_MODES:
                    return None
                width, height = image.size
                orientation = image.getexif().get(_ORIENTATION, 1)
                orientation = orientation if orientation in _UPRIGHT else 1
            pixels = width * height
            if width <= 0 or height <= 0 or pixels > max_pixels or size > _MOST_BYTES_PER_PIXEL * pixels + _SLACK:
                return None
            fp.seek(0)
            return Jpeg(fp.read(size), int(orientation), pixels)
    except Exception:  # noqa: BLE001 - unreadable, or any doubt about the header: the Pillow path decides
        return None


def pack(items: list[tuple[int, Jpeg]]) -> Jpegs | None:
    """(position, Jpeg) pairs as one Jpegs (None for none), in a worker's collate."""
    if not items:
        return None
    data = torch.empty(sum(len(jpeg.data) for _, jpeg in items), dtype=torch.uint8)
    flat, bounds, start = data.numpy(), [], 0
    for _, jpeg in items:
        stop = start + len(jpeg.data)
        flat[start:stop] = np.frombuffer(jpeg.data, np.uint8)
        bounds.append((start, stop))
        start = stop
    return Jpegs(data, [p for p, _ in items], bounds, [j.orientation for _, j in items], [j.pixels for _, j in items])


def upright(picture: torch.Tensor, orientation: int) -> torch.Tensor:
    """(C, H, W) turned as Pillow's exif_transpose turns a picture with this EXIF orientation."""
    turn = _UPRIGHT.get(orientation)
    return picture if turn is None else turn(picture)


class TensorDecoder:
    """Decodes a batch's JPEGs on ``device`` and preprocesses them there (``float_resize`` as
    for the Preprocessor: None resizes in float on every device but the CPU)."""

    def __init__(self, transforms: object, device: torch.device, float_resize: bool | None = None) -> None:
        self.device = torch.device(device)
        self.transforms = transforms
        self._preprocess = Preprocessor(transforms, self.device, float_resize)

    def decode(self, jpegs: Jpegs) -> tuple[list[int], torch.Tensor | None, list[int]]:
        """(positions decoded, their (n, 3, H, W) normalised float32 pictures on the device,
        positions the decoder refused)."""
        done, crops, refused = [], [], []
        with device_work(self.device):  # alone on a serial device (core/model/device_gate.py)
            for group in _groups(jpegs.pixels, DECODE_PIXEL_BUDGET):
                pictures = self._decode([jpegs.data[slice(*jpegs.bounds[i])] for i in group])
                for i, picture in zip(group, pictures):
                    if picture is None or picture.shape[0] != 3 or picture.shape[1] * picture.shape[2] != jpegs.pixels[i]:
                        refused.append(jpegs.positions[i])
                        continue
                    # decode_jpeg decodes on the CPU for any device but CUDA: then the picture goes up
                    picture = upright(picture.to(self.device), jpegs.orientations[i])
                    crops.append(self._preprocess.centre_crop(picture.permute(1, 2, 0)))
                    done.append(jpegs.positions[i])
                del pictures  # the group's full-size pictures go before the next group's come
            return done, self._preprocess.normalise(torch.stack(crops)) if crops else None, refused

    def _decode(self, data: list[torch.Tensor]) -> list[torch.Tensor | None]:
        if _QUIET not in warnings.filters:  # as core/pictures/images.py keeps Pillow quiet
            warnings.filterwarnings(_QUIET[0], category=_QUIET[2], module=_QUIET[3].pattern)
        try:
            return list(decode_jpeg(data, mode=ImageReadMode.RGB, device=self.device))
        except Exception:  # noqa: BLE001 - one bad file fails the whole call: find it alone
            if len(data) == 1:
                return [None]
            return [self._decode([one])[0] for one in data]


def _groups(pixels: list[int], budget: int) -> list[list[int]]:
    """Consecutive indices in groups of at most ``budget`` pixels (a bigger picture alone)."""
    groups, total = [], budget + 1
    for i, count in enumerate(pixels):
        if total + count > budget:
            groups.append([])
            total = 0
        groups[-1].append(i)
        total += count
    return groups
