"""The network's input pipeline, taken from the weights' own ``transforms()``.

The steps of torchvision's ``ImageClassification`` (its resize size, interpolation and
antialiasing, crop size, mean and std) are run one by one on the model's device, so the
224x224 crop the network sees can be kept as a uint8 picture before normalisation.

The resize calls torch's interpolate on the frame's own channels-last layout, with the output
size from torchvision's own rule: torchvision's resize first copies the frame into planar
layout and then takes a kernel 2.5x slower. The two kernels round differently by at most
one level of 255.

Devices. The antialiased bilinear resize has a uint8 kernel only on the CPU (CUDA's
``_upsample_bilinear2d_aa`` dispatches on floating types, MPS refuses uint8), so with
``float_resize`` the frame is resized in float32 and the crop rounded back to uint8, within
one level of the uint8 path. It is a parameter (None: float on every device but the CPU) so
the accelerator path runs, and is tested, on the CPU too. Every other step (slicing, the
uint8/float32 casts, round, clamp, normalisation) has CPU, CUDA and MPS kernels for its
dtype, and nothing here is float64 (MPS has none). On CUDA the picture goes up through a
pinned buffer with a non-blocking copy: a copy from pageable memory would first wait for
every frame already queued on the GPU, so preparing the next frame could not overlap.
The pinned buffers are reused, not pinned anew per frame: torch's caching host allocator
hands a block back once the copy that read it has finished on the device (the copy kernel
records an event for it), so a camera's same-sized frames cycle through the same few.

Bounded memory. torchvision's rule scales the short side to 256 with no cap on the long
one: a 20000x1 picture would become 256x5120000 (3.9 GB). When the resized frame would
pass RESIZE_PIXEL_LIMIT (aspect ratios beyond 64:1; no ordinary photo), only the part of
the picture that reaches the centre crop is resampled: the source is cut to the rows and
columns under the crop's filter taps, and each axis is resampled by a small weight matrix
built with torch's antialiased-bilinear rule (triangle filter, support widened by the
scale when shrinking, weights normalised per output) at the crop's own output coordinates,
in float32. Memory then follows the crop, not the resized frame.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as nnf
from torchvision.transforms import functional as F
from torchvision.transforms.functional import InterpolationMode, _compute_resized_output_size

# 256 x 16384: a resized frame beyond this (48 MB as float32 on a GPU) takes the cut-out path.
RESIZE_PIXEL_LIMIT = 1 << 22
_TORCH_DTYPES = {np.dtype(np.uint8): torch.uint8, np.dtype(np.float32): torch.float32}


def crop_hw(transforms: object) -> tuple[int, int]:
    """(height, width) of the weights' centre crop: torchvision allows [size] or [h, w]."""
    crop = [int(side) for side in transforms.crop_size]
    return (crop[0], crop[0]) if len(crop) == 1 else (crop[0], crop[1])


class Preprocessor:
    def __init__(self, transforms: object, device: torch.device, float_resize: bool | None = None) -> None:
        if transforms.interpolation != InterpolationMode.BILINEAR:
            raise ValueError(f"only bilinear resizing is supported, not {transforms.interpolation}")
        self._resize_size = list(transforms.resize_size)
        self._crop_size = list(crop_hw(transforms))
        self._antialias = bool(transforms.antialias)
        self._mean = torch.tensor(transforms.mean, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(transforms.std, device=device).view(1, 3, 1, 1)
        self._device = device
        self.float_resize = device.type != "cpu" if float_resize is None else bool(float_resize)
        self.batch_shape = (1, 3, *self._crop_size)

    def __call__(self, image: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(normalised batch (1,3,224,224) float32, crop (3,224,224) uint8), both on the device."""
        crop = self.centre_crop(image)
        return self.normalise(crop.unsqueeze(0)), crop

    def centre_crop(self, image: np.ndarray | torch.Tensor) -> torch.Tensor:
        """The (3, 224, 224) uint8 crop the network sees of an (H, W, 3) uint8 picture."""
        return self.crops_at(image, [self.centre_corner(self.resized_size(image))])[0]

    @property
    def crop_size(self) -> tuple[int, int]:
        return self._crop_size[0], self._crop_size[1]

    def centre_corner(self, size: list[int], square: tuple[int, int] | None = None) -> tuple[int, int]:
        """(top, left) of a centred crop (torchvision's center_crop rounding) of ``square``
        (height, width; the network's crop by default) in a frame of ``size``."""
        square = square or self.crop_size
        return _crop_start(size[0], square[0]), _crop_start(size[1], square[1])

    def resized_size(self, image: np.ndarray) -> list[int]:
        """[height, width] of the picture resized by the weights' rule (short side 256)."""
        return _compute_resized_output_size(list(image.shape[:2]), self._resize_size, None)

    def crops_at(self, image: np.ndarray | torch.Tensor, corners: list[tuple[int, int]]) -> torch.Tensor:
        """(n, 3, 224, 224) uint8 crops of the resized picture with these (top, left) corners,
        rounded as the single centre crop is (the centre's corner gives exactly that crop).
        ``image``: (H, W, 3) uint8, a numpy array or a tensor already on the device (a
        picture decoded there: core/atlas/tensor_decode.py)."""
        size = self.resized_size(image)
        height, width = self._crop_size[:2]
        if size[0] * size[1] > RESIZE_PIXEL_LIMIT:
            return torch.stack([self._cut_out_crop(image, size, list(corner)) for corner in corners])
        pixels = image if isinstance(image, torch.Tensor) else self.upload(image)
        batch = pixels.permute(2, 0, 1).unsqueeze(0)
        resized = nnf.interpolate(batch.float() if self.float_resize else batch, size=size, mode="bilinear",
                                  align_corners=False, antialias=self._antialias)[0]
        crops = [resized[:, top : top + height, left : left + width] for top, left in corners]
        crops = crops[0].unsqueeze(0) if len(crops) == 1 else torch.stack(crops)  # one crop: a view, no copy
        return _to_uint8(crops) if self.float_resize else crops

    def normalise(self, crops: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) uint8 crops (or float ones in 0..255) as the network's float32 input; never
        in place on the caller's tensor, so a float crop is left as it was and gradients pass."""
        if crops.dtype == torch.uint8:  # a new float tensor of our own: the same steps, in place
            return crops.float().div_(255).sub_(self._mean).div_(self._std)
        return (crops.float() / 255 - self._mean) / self._std

    def differentiable(self, pixels: torch.Tensor) -> torch.Tensor:
        """The (1, 3, 224, 224) normalised batch of an (H, W, 3) float picture in 0..255 on the
        device, by the same steps in float32 with no rounding, so gradients reach its pixels."""
        size = self.resized_size(pixels)
        top, left = self.centre_corner(size)
        height, width = self._crop_size[:2]
        if size[0] * size[1] > RESIZE_PIXEL_LIMIT:
            return self.normalise(self._cut_out(pixels, size, [top, left]).unsqueeze(0))
        batch = pixels.permute(2, 0, 1).unsqueeze(0)
        resized = nnf.interpolate(batch, size=size, mode="bilinear", align_corners=False, antialias=self._antialias)
        return self.normalise(resized[:, :, top : top + height, left : left + width])

    def upload(self, array: np.ndarray) -> torch.Tensor:
        """A uint8 picture or float32 array as a tensor on the device (zero-copy on the CPU)."""
        if self._device.type == "cpu":
            # torch cannot wrap read-only memory; the caller's array is never written.
            return torch.from_numpy(array if array.flags.writeable else array.copy())
        if self._device.type == "cuda":
            staging = torch.empty(array.shape, dtype=_TORCH_DTYPES[array.dtype], pin_memory=True)
            staging.numpy()[...] = array
            return staging.to(self._device, non_blocking=True)
        return torch.from_numpy(np.ascontiguousarray(array)).to(self._device)

    # The same steps on float pictures, differentiable (activation maximisation optimises
    # through them, so that the saved picture, reopened, is seen exactly as optimised).
    def crop_float(self, picture: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) floats in [0, 1] -> the (N, 3, 224, 224) centre crop after the resize."""
        size = _compute_resized_output_size(list(picture.shape[-2:]), self._resize_size, None)
        resized = nnf.interpolate(picture, size=size, mode="bilinear", align_corners=False, antialias=self._antialias)
        return F.center_crop(resized, self._crop_size)

    def normalise_float(self, crop: torch.Tensor) -> torch.Tensor:
        """A float crop in [0, 1] normalised as the network expects (differentiable)."""
        return (crop - self._mean) / self._std

    def _cut_out_crop(self, image: np.ndarray, size: list[int], corner: list[int]) -> torch.Tensor:
        return _to_uint8(self._cut_out(image, size, corner))

    def _cut_out(self, image: np.ndarray | torch.Tensor, size: list[int], corner: list[int]) -> torch.Tensor:
        """The float (3, crop) crop at ``corner`` from the window of a numpy or tensor picture."""
        (top, rows), (left, cols) = (
            axis_weights(image.shape[axis], size[axis], corner[axis], self._crop_size[axis], self._antialias)
            for axis in (0, 1)
        )
        window = image[top : top + rows.shape[1], left : left + cols.shape[1]]
        window = window.float() if isinstance(window, torch.Tensor) else self.upload(np.ascontiguousarray(window)).float()
        rows_t, cols_t = (self.upload(weights) for weights in (rows, cols))
        return torch.einsum("yh,hwc,xw->cyx", rows_t, window, cols_t)


def _to_uint8(values: torch.Tensor) -> torch.Tensor:
    return values.round().clamp_(0, 255).to(torch.uint8)


def _crop_start(resized: int, crop: int) -> int:
    return int(round((resized - crop) / 2.0))  # torchvision's center_crop


def axis_weights(in_size: int, out_size: int, first: int, count: int, antialias: bool) -> tuple[int, np.ndarray]:
    """Source start and (count, taps) float32 weights of outputs first..first+count-1 of a
    1-D bilinear resize from in_size to out_size, by the rule of torch's antialiased kernel."""
    scale = in_size / out_size
    widen = scale >= 1.0 and antialias
    support, invscale = (scale, 1.0 / scale) if widen else (1.0, 1.0)
    centres = scale * (np.arange(first, first + count, dtype=np.float64) + 0.5)
    low = np.maximum((centres - support + 0.5).astype(np.int64), 0)
    high = np.minimum((centres + support + 0.5).astype(np.int64), in_size)
    start = int(low.min())
    taps = np.arange(start, int(high.max()))
    weights = np.clip(1.0 - np.abs((taps - centres[:, None] + 0.5) * invscale), 0.0, None)
    weights[(taps < low[:, None]) | (taps >= high[:, None])] = 0.0
    weights /= weights.sum(axis=1, keepdims=True)
    return start, weights.astype(np.float32)
