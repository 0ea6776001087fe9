"""Which AlexNet weights to use, where to run them, and building the model.

Nothing is loaded or downloaded at import time; ``load_model`` does all the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.models import AlexNet_Weights, alexnet

from alexnet_viewer.core.model import download
from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.model.download import DownloadCancelled, Progress, ShouldCancel
from alexnet_viewer.core.errors import DeviceError, WeightsError
from alexnet_viewer.core.frame.layers import LAYER_NAMES, MODULE_LOCATIONS
from alexnet_viewer.core.frame.preprocess import crop_hw
from alexnet_viewer.core.frame.result import WeightsInfo
from alexnet_viewer.core.model.weights_file import (
    as_state_dict,
    check_state_dict,
    load_torch_file,
    read_state_dict,
)
from alexnet_viewer.core.model.weights_spec import WeightsSpec

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
            f"{', '.join(_available_devices())} ({_why_unusable(device)})."
        )
    return device


def _why_unusable(device: torch.device) -> str:
    if device.type == "cuda":
        if torch.version.cuda is None:
            return f"this torch {torch.__version__} was built without CUDA"
        if not torch.cuda.is_available():
            return "no CUDA GPU or driver was found"
        count = torch.cuda.device_count()
        if count == 1:
            return "this machine has 1 CUDA device, cuda:0"
        return f"this machine has {count} CUDA devices, cuda:0 to cuda:{count - 1}"
    if device.type == "mps":
        backend = getattr(torch.backends, "mps", None)
        if backend is None or not backend.is_built():
            return f"this torch {torch.__version__} was built without MPS"
        if device.index not in (None, 0):
            return "MPS has one device, mps"
        return "MPS needs an Apple-silicon Mac with macOS 12.3 or later"
    if device.type == "cpu":
        return "the CPU is one device, cpu"
    return "AlexNet Viewer runs on cpu, cuda and mps"


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
    with device_work(target):  # the upload and a forward: alone on MPS (device_gate.py)
        try:
            model = model.to(target).eval()
        except RuntimeError as error:
            raise DeviceError(f"Cannot move AlexNet to {target}: {str(error).splitlines()[0]}") from None
        check_finite_forward(model, target, info.description)
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


def check_finite_forward(model: torch.nn.Module, device: torch.device, description: str) -> None:
    """Refuse weights whose forward overflows, before anything is shown or written with them.

    Two fixed inputs (a black picture and a seeded random one, normalised as for a photo)
    must give finite outputs at every layer; else WeightsError naming the first layer.
    """
    transforms = IMAGENET.transforms()
    pattern = torch.rand((1, 3, *crop_hw(transforms)), generator=torch.Generator().manual_seed(0))
    mean, std = (torch.tensor(values).view(1, 3, 1, 1) for values in (transforms.mean, transforms.std))
    dtype = next(model.parameters()).dtype
    batch = torch.cat([(torch.zeros_like(pattern) - mean) / std, (pattern - mean) / std]).to(device, dtype)
    overflowed: list[str] = []

    def watch(name: str):
        def hook(module, inputs, output) -> None:
            if not overflowed and not bool(torch.isfinite(output).all()):
                overflowed.append(name)

        return hook

    modules = {name: getattr(model, attr)[index] for name, (attr, index) in MODULE_LOCATIONS.items()}
    handles = [modules[name].register_forward_hook(watch(name)) for name in LAYER_NAMES]
    try:
        with torch.inference_mode():
            logits = model(batch)
    finally:
        for handle in handles:
            handle.remove()
    if overflowed or not bool(torch.isfinite(logits).all()):
        layer = overflowed[0] if overflowed else LAYER_NAMES[-1]
        raise WeightsError(
            f"The weights in '{description}' give non-finite activations (overflow at layer {layer}): refusing them."
        )
