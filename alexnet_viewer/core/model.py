"""Which AlexNet weights to use, where to run them, and building the model.

Nothing is loaded or downloaded at import time; ``load_model`` does all the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.models import AlexNet_Weights, alexnet

from . import download
from .download import DownloadCancelled, Progress, ShouldCancel
from .errors import DeviceError
from .result import WeightsInfo
from .weights_file import (
    as_state_dict,
    check_state_dict,
    load_torch_file,
    read_state_dict,
)
from .weights_spec import WeightsSpec

__all__ = [
    "DownloadCancelled",
    "LoadedModel",
    "WeightsSpec",
    "choose_device",
    "load_model",
    "pretrained_weights_cached",
    "pretrained_weights_path",
]

IMAGENET = AlexNet_Weights.IMAGENET1K_V1
# Tests point these at a local server / temp folder; None means torch's hub cache.
PRETRAINED_URL: str = IMAGENET.url
PRETRAINED_CACHE_DIR: Path | None = None

@dataclass(frozen=True)
class LoadedModel:
    model: torch.nn.Module  # torchvision AlexNet, eval(), on device
    device: torch.device
    weights: WeightsInfo
    categories: tuple[str, ...]
    transforms: object


def choose_device(requested: str | None = None) -> torch.device:
    """cuda > mps > cpu for None/"auto"; an explicit choice must exist here."""
    if requested is None or str(requested).strip().lower() in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    text = str(requested).strip().lower()
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError, TypeError):
        raise DeviceError(
            f"Unknown device '{requested}'; available: {', '.join(_available_devices())}."
        ) from None
    if not _device_usable(device):
        raise DeviceError(
            f"Device '{requested}' is not available here; available: "
            f"{', '.join(_available_devices())}."
        )
    return device


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _device_usable(device: torch.device) -> bool:
    if device.type == "cpu":
        return device.index in (None, 0)
    if device.type == "cuda":
        return torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    if device.type == "mps":
        return _mps_available() and device.index in (None, 0)
    return False


def _available_devices() -> list[str]:
    names = ["cpu"]
    if torch.cuda.is_available():
        names.append("cuda")
        count = torch.cuda.device_count()
        if count > 1:
            names += [f"cuda:{index}" for index in range(count)]
    if _mps_available():
        names.append("mps")
    return names


def pretrained_weights_path() -> Path:
    """Where the pretrained checkpoint is (or would be) cached."""
    cache_dir = PRETRAINED_CACHE_DIR
    if cache_dir is None:
        cache_dir = Path(torch.hub.get_dir()) / "checkpoints"
    return Path(cache_dir) / download.file_name(PRETRAINED_URL)


def pretrained_weights_cached() -> bool:
    """Cheap presence check (no hashing): decides whether a download will be needed."""
    return pretrained_weights_path().is_file()


def load_model(
    spec: WeightsSpec,
    device: str | torch.device | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> LoadedModel:
    """Build AlexNet with the asked-for weights, in eval mode, on the chosen device.

    Raises WeightsError (one-line reason), WeightsUnavailableError (offline) or
    DownloadCancelled; DeviceError for an unusable device.
    """
    target = choose_device(None if device is None else str(device))
    if spec.kind == "random":
        model = _random_model(spec.seed)
        info = WeightsInfo(source="random", description=f"random, seed {spec.seed}", trained=False)
    elif spec.kind == "pretrained":
        state, name = _pretrained_state(progress, should_cancel)
        model = _model_with(state, name)
        info = WeightsInfo(source="pretrained", description="ImageNet (IMAGENET1K_V1)", trained=True)
    else:
        path = Path(spec.path)
        model = _model_with(read_state_dict(path), path.name)
        info = WeightsInfo(source="file", description=path.name, trained=True)
    try:
        model = model.to(target).eval()
    except RuntimeError as error:
        raise DeviceError(f"Cannot move AlexNet to {target}: {str(error).splitlines()[0]}") from None
    return LoadedModel(
        model=model,
        device=target,
        weights=info,
        categories=tuple(IMAGENET.meta["categories"]),
        transforms=IMAGENET.transforms(),
    )


def _random_model(seed: int) -> torch.nn.Module:
    # Same numbers as `torch.manual_seed(seed); alexnet(weights=None)` (init runs on the CPU
    # generator), without disturbing the caller's CPU or accelerator RNG streams.
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        return alexnet(weights=None)


def _model_with(state: dict[str, torch.Tensor], name: str) -> torch.nn.Module:
    # Built on "meta" so no time goes into a random init that is overwritten at once.
    with torch.device("meta"):
        model = alexnet(weights=None)
    expected = {key: value.shape for key, value in model.state_dict().items()}
    checked = check_state_dict(state, expected, name)
    model.load_state_dict(checked, strict=True, assign=True)
    return model


def _pretrained_state(
    progress: Progress | None, should_cancel: ShouldCancel | None
) -> tuple[dict[str, torch.Tensor], str]:
    path = pretrained_weights_path()
    if path.is_file():
        download.verify_cached(path)
    else:  # download() hashes while streaming and only keeps a file that matched
        download.download(PRETRAINED_URL, path, progress, should_cancel)
    return as_state_dict(load_torch_file(path), path.name), path.name
