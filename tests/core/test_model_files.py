"""User weight files: formats that load, and every way a file is refused (one line, no code run)."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from safetensors.torch import save_file
from torchvision.models import alexnet

from alexnet_viewer.core.errors import WeightsError
from alexnet_viewer.core.model.loader import WeightsSpec, load_model


def small_state() -> dict[str, torch.Tensor]:
    """A valid AlexNet state dict stored in a few KB: stride-0 views, distinct per key."""
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in alexnet(weights=None).state_dict().items()}
    state = {}
    for index, (key, shape) in enumerate(shapes.items()):
        row = torch.arange(shape[-1], dtype=torch.float32) * 1e-3 + index
        state[key] = row.expand(shape)
    return state


def assert_model_holds(loaded, state) -> None:
    got = loaded.model.state_dict()
    assert got.keys() == state.keys()
    for key, value in state.items():
        assert torch.equal(got[key], value.to(torch.float32)), key


def refusal(path) -> str:
    with pytest.raises(WeightsError) as caught:
        load_model(WeightsSpec.from_file(path), device="cpu")
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture(scope="module")
def real_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(5)
    return alexnet(weights=None).state_dict()


@pytest.fixture
def small_pth(tmp_path):
    path = tmp_path / "small.pth"
    torch.save(small_state(), path)
    return path


class _TouchMarker:
    """Unpickling this would create a file: exactly what weights_only must stop."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


class _ShellMarker:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def test_real_pth_loads_identically(tmp_path, real_state):
    path = tmp_path / "trained.pth"
    torch.save(real_state, path)
    loaded = load_model(WeightsSpec.from_file(path), device="cpu")
    assert_model_holds(loaded, real_state)
    assert not loaded.model.training
    assert (loaded.weights.source, loaded.weights.description, loaded.weights.trained) == (
        "file",
        "trained.pth",
        True,
    )


def test_safetensors_loads_identically(tmp_path, real_state):
    path = tmp_path / "trained.safetensors"
    save_file({k: v.contiguous() for k, v in real_state.items()}, str(path))
    loaded = load_model(WeightsSpec.from_file(path), device="cpu")
    assert_model_holds(loaded, real_state)
    assert loaded.weights.description == "trained.safetensors"


def test_small_file_is_small_and_loads(small_pth):
    assert small_pth.stat().st_size < 1_000_000
    assert_model_holds(load_model(WeightsSpec.from_file(small_pth), device="cpu"), small_state())


@pytest.mark.parametrize("wrapper", ["state_dict", "model_state_dict", "model"])
def test_pt_with_wrapper_and_module_prefix(tmp_path, wrapper):
    state = small_state()
    prefixed = {f"module.{k}": v for k, v in state.items()}
    path = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, wrapper: prefixed, "best_acc": 0.5}, path)
    assert_model_holds(load_model(WeightsSpec.from_file(path), device="cpu"), state)


def test_half_precision_file_becomes_float32(tmp_path):
    state = {k: v.half() for k, v in small_state().items()}
    path = tmp_path / "half.pth"
    torch.save(state, path)
    loaded = load_model(WeightsSpec.from_file(path), device="cpu")
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    with torch.no_grad():
        assert loaded.model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_missing_file(tmp_path):
    message = refusal(tmp_path / "nowhere.pth")
    assert message == f"Weights file not found: {tmp_path / 'nowhere.pth'}"


def test_directory_is_not_a_regular_file(tmp_path):
    folder = tmp_path / "folder.pth"
    folder.mkdir()
    assert refusal(folder) == f"Weights file is not a regular file: {folder}"


def test_unknown_suffix(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\0" * 16)
    message = refusal(path)
    assert "unknown file type ('.bin')" in message and ".safetensors" in message


def test_truncated_pth(tmp_path, small_pth):
    data = small_pth.read_bytes()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(data[: len(data) // 2])
    assert refusal(cut) == "Cannot read weights from 'cut.pth': the file is truncated or corrupt."


def test_truncated_safetensors(tmp_path):
    good = tmp_path / "good.safetensors"
    save_file({"a": torch.zeros(1000)}, str(good))
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:200])
    assert "truncated or corrupt" in refusal(cut)


def test_garbage_pth(tmp_path):
    path = tmp_path / "garbage.pth"
    path.write_bytes(bytes(range(256)) * 16)
    assert refusal(path).startswith("Cannot read weights from 'garbage.pth': the file is truncated")


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
@pytest.mark.parametrize("payload", [_TouchMarker, _ShellMarker])
def test_pickled_code_is_refused_and_never_runs(tmp_path, writer, payload):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.pth"
    content = {"features.0.weight": torch.zeros(1), "extra": payload(marker)}
    if writer == "torch.save":
        torch.save(content, path)
    else:
        with open(path, "wb") as stream:
            pickle.dump(content, stream)
    assert not marker.exists()
    message = refusal(path)
    assert message == "Refused 'evil.pth': the file contains pickled code, not just weights."
    assert not marker.exists()


def test_wrong_shape_names_key_and_both_shapes(tmp_path):
    state = small_state()
    state["classifier.6.weight"] = torch.zeros(10, 4096)
    state["classifier.6.bias"] = torch.zeros(10)
    path = tmp_path / "ten_classes.pth"
    torch.save(state, path)
    assert refusal(path) == (
        "Cannot use 'ten_classes.pth': 'classifier.6.weight' has shape (10, 4096) "
        "but AlexNet needs (1000, 4096)."
    )


def test_missing_and_unexpected_keys_are_named(tmp_path):
    state = small_state()
    del state["features.0.weight"], state["features.0.bias"]
    state["head.weight"] = torch.zeros(2)
    path = tmp_path / "partial.pth"
    torch.save(state, path)
    message = refusal(path)
    assert message.startswith("Cannot use 'partial.pth': it is not an AlexNet state dict:")
    assert "missing 2 keys (features.0.weight, features.0.bias)" in message
    assert "unexpected 1 key (head.weight)" in message


def test_resnet_like_file_lists_only_a_few_keys(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({f"layer{i}.weight": torch.zeros(1) for i in range(50)}, path)
    message = refusal(path)
    assert "missing 16 keys" in message and "unexpected 50 keys" in message
    assert message.count("layer") == 3 and "..." in message


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_value_names_key(tmp_path, bad):
    state = small_state()
    tensor = state["features.3.weight"].clone()
    tensor[0, 0, 0, 0] = bad
    state["features.3.weight"] = tensor
    path = tmp_path / "nan.pth"
    torch.save(state, path)
    assert refusal(path) == "Cannot use 'nan.pth': 'features.3.weight' contains NaN or infinite values."


def test_integer_weights_are_refused(tmp_path):
    state = {k: torch.zeros(v.shape, dtype=torch.int64) for k, v in small_state().items()}
    path = tmp_path / "ints.safetensors"
    save_file(state, str(path))
    assert refusal(path) == (
        "Cannot use 'ints.safetensors': 'features.0.weight' holds int64 values; "
        "weights must be floating point."
    )


def test_list_content_is_refused(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([torch.zeros(3)], path)
    assert refusal(path) == "Cannot use 'list.pth': it holds a list, not a dictionary of weight tensors."


def test_non_tensor_entry_is_refused(tmp_path):
    path = tmp_path / "mixed.pth"
    torch.save({"features.0.weight": torch.zeros(1), "lr": 0.1}, path)
    assert refusal(path) == "Cannot use 'mixed.pth': entry 'lr' is a float, not a tensor."


def test_empty_dict_is_refused(tmp_path):
    path = tmp_path / "empty.pth"
    torch.save({}, path)
    assert refusal(path) == "Cannot use 'empty.pth': it holds no weights at all."


def test_legacy_torch_format_loads(tmp_path):
    path = tmp_path / "legacy.pth"
    torch.save(small_state(), path, _use_new_zipfile_serialization=False)
    assert_model_holds(load_model(WeightsSpec.from_file(path), device="cpu"), small_state())


def test_plain_protocol4_pickle_of_tensors_is_not_called_code(tmp_path):
    path = tmp_path / "plain.pth"
    with open(path, "wb") as stream:
        pickle.dump({"features.0.weight": torch.zeros(2)}, stream, protocol=4)
    assert refusal(path) == (
        "Cannot read weights from 'plain.pth': the file is truncated, corrupt or not saved with torch.save."
    )
