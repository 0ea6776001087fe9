"""Reading untrusted weight files and checking that they fit AlexNet.

Every failure becomes a one-line WeightsError; nothing here ever runs code from a file
(torch.load always with weights_only=True).
"""

from __future__ import annotations

import pickle
import pickletools
import re
import warnings
import zipfile
from pathlib import Path
from typing import Mapping

import torch

from alexnet_viewer.core.errors import WeightsError

TORCH_SUFFIXES = (".pth", ".pt")
SAFETENSORS_SUFFIX = ".safetensors"
SUPPORTED_SUFFIXES = TORCH_SUFFIXES + (SAFETENSORS_SUFFIX,)

# Training scripts often save {"epoch": ..., "state_dict": {...}} rather than the bare dict.
_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")
# nn.DataParallel / DistributedDataParallel prefix every key with this.
_PARALLEL_PREFIX = "module."
_NAMES_SHOWN = 3
# The legacy torch format is several pickles back to back before the raw tensor bytes.
_LEGACY_PICKLES = 8
# Modules a plain state dict pickle may name (tensor rebuilders, OrderedDict, bytes).
_DATA_MODULES = frozenset({"torch", "collections", "_codecs"})
_CODE_REFUSAL = re.compile(
    r"GLOBAL|allowed global|is blocked|unrecognized function|Can only (create|build)|must be imported"
)


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The raw tensors of a user file, unwrapped and without a ``module.`` prefix."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"Weights file not found: {path}")
    if not path.is_file():
        raise WeightsError(f"Weights file is not a regular file: {path}")
    suffix = path.suffix.lower()
    if suffix in TORCH_SUFFIXES:
        content = load_torch_file(path)
    elif suffix == SAFETENSORS_SUFFIX:
        content = _load_safetensors(path)
    else:
        shown = f"'{path.suffix}'" if path.suffix else "no suffix"
        raise WeightsError(
            f"Cannot read weights from '{path.name}': unknown file type ({shown}); "
            f"use {', '.join(SUPPORTED_SUFFIXES)}."
        )
    return as_state_dict(content, path.name)


def load_torch_file(path: Path) -> object:
    """torch.load restricted to plain data; code-carrying pickles are refused."""
    try:
        with warnings.catch_warnings():
            # Raw protocol-4 pickles make torch warn before it refuses them; the refusal
            # below is the message the user gets.
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # The weights-only unpickler reports both forbidden globals (code) and bad opcodes
        # (damage) as UnpicklingError; only its wording tells them apart.
        if _CODE_REFUSAL.search(str(error)) or _imports_code(path):
            raise WeightsError(
                f"Refused '{path.name}': the file contains pickled code, not just weights."
            ) from None
        raise WeightsError(
            f"Cannot read weights from '{path.name}': the file is truncated, corrupt "
            "or not saved with torch.save."
        ) from None
    except PermissionError:
        raise WeightsError(f"Cannot read '{path.name}': permission denied.") from None
    except Exception:  # zip/EOF/struct/EINVAL errors of every flavour mean a damaged file
        raise _corrupt(path) from None


def _imports_code(path: Path) -> bool:
    """Does a raw (non-zip) pickle name anything outside torch? Scanned, never executed.

    The weights-only unpickler stops at the first opcode it lacks (e.g. protocol 4 FRAME)
    before it ever sees a global, so such files need this second look.
    """
    if zipfile.is_zipfile(path):
        return False
    modules: list[str] = []
    strings: list[str] = []
    try:
        with open(path, "rb") as stream:
            for _ in range(_LEGACY_PICKLES):
                for opcode, arg, _ in pickletools.genops(stream):
                    if opcode.name in ("GLOBAL", "INST"):
                        modules.append(str(arg).split(" ", 1)[0])
                    elif opcode.name == "STACK_GLOBAL":
                        modules.append(strings[-2] if len(strings) >= 2 else "?")
                    elif isinstance(arg, str):
                        strings.append(arg)
    except Exception:  # the scan ends wherever the stream stops making sense
        pass
    return any(module.split(".", 1)[0] not in _DATA_MODULES for module in modules)


def _load_safetensors(path: Path) -> object:
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except PermissionError:
        raise WeightsError(f"Cannot read '{path.name}': permission denied.") from None
    except Exception:
        raise _corrupt(path) from None


def _corrupt(path: Path) -> WeightsError:
    return WeightsError(f"Cannot read weights from '{path.name}': the file is truncated or corrupt.")


def as_state_dict(content: object, name: str) -> dict[str, torch.Tensor]:
    """Unwrap a checkpoint dict and drop a DataParallel prefix; refuse anything but tensors."""
    if isinstance(content, Mapping):
        for key in _WRAPPER_KEYS:
            inner = content.get(key)
            if isinstance(inner, Mapping):
                content = inner
                break
    if not isinstance(content, Mapping):
        raise WeightsError(
            f"Cannot use '{name}': it holds a {type(content).__name__}, "
            "not a dictionary of weight tensors."
        )
    if not content:
        raise WeightsError(f"Cannot use '{name}': it holds no weights at all.")
    state: dict[str, torch.Tensor] = {}
    for key, value in content.items():
        if not isinstance(key, str):
            raise WeightsError(f"Cannot use '{name}': it has a non-text key {key!r}, not a state dict.")
        if not isinstance(value, torch.Tensor):
            raise WeightsError(
                f"Cannot use '{name}': entry '{key}' is a {type(value).__name__}, not a tensor."
            )
        state[key] = value
    if all(key.startswith(_PARALLEL_PREFIX) for key in state):
        state = {key[len(_PARALLEL_PREFIX):]: value for key, value in state.items()}
    return state


def check_state_dict(
    state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Size], name: str
) -> dict[str, torch.Tensor]:
    """float32 contiguous copies of ``state`` if it matches ``expected`` exactly, else WeightsError."""
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {_count(missing)} ({_few(missing)})")
        if unexpected:
            parts.append(f"unexpected {_count(unexpected)} ({_few(unexpected)})")
        raise WeightsError(f"Cannot use '{name}': it is not an AlexNet state dict: {'; '.join(parts)}.")
    checked: dict[str, torch.Tensor] = {}
    for key, shape in expected.items():
        tensor = state[key]
        if tuple(tensor.shape) != tuple(shape):
            raise WeightsError(
                f"Cannot use '{name}': '{key}' has shape {tuple(tensor.shape)} "
                f"but AlexNet needs {tuple(shape)}."
            )
        if not tensor.is_floating_point():
            raise WeightsError(
                f"Cannot use '{name}': '{key}' holds {str(tensor.dtype).removeprefix('torch.')} "
                "values; weights must be floating point."
            )
        # Half/bfloat16 files are fine to read but the engine computes in float32.
        tensor = tensor.detach().to(torch.float32).contiguous()
        if not bool(torch.isfinite(tensor).all()):
            raise WeightsError(f"Cannot use '{name}': '{key}' contains NaN or infinite values.")
        checked[key] = tensor
    return checked


def _count(keys: list[str]) -> str:
    return f"{len(keys)} key" + ("" if len(keys) == 1 else "s")


def _few(keys: list[str]) -> str:
    shown = ", ".join(keys[:_NAMES_SHOWN])
    return shown + (", ..." if len(keys) > _NAMES_SHOWN else "")
