"""WeightsSpec, random weights and device choice (no files, no network)."""

from __future__ import annotations

import pytest
import torch
from torchvision.models import AlexNet_Weights, alexnet

from alexnet_viewer.core.model import loader as model_module
from alexnet_viewer.core.errors import DeviceError, ViewerError, WeightsError
from alexnet_viewer.core.model.loader import (
    DownloadCancelled,
    LoadedModel,
    WeightsSpec,
    choose_device,
    load_model,
)


def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def random_seed0() -> LoadedModel:
    return load_model(WeightsSpec.random(seed=0), device="cpu")


def test_specs_describe_what_was_asked():
    assert WeightsSpec() == WeightsSpec.pretrained()
    assert WeightsSpec.pretrained().kind == "pretrained"
    file_spec = WeightsSpec.from_file("some/dir/my.pth")
    assert file_spec.kind == "file" and file_spec.path.name == "my.pth"
    assert WeightsSpec.random(seed=7) == WeightsSpec("random", seed=7)
    assert "7" in WeightsSpec.random(seed=7).describe()
    assert "my.pth" in file_spec.describe()
    assert "IMAGENET1K_V1" in WeightsSpec.pretrained().describe()


def test_spec_rejects_nonsense():
    with pytest.raises(ValueError):
        WeightsSpec("imagenet")
    with pytest.raises(ValueError):
        WeightsSpec("file")


def test_download_cancelled_is_a_weights_error():
    assert issubclass(DownloadCancelled, WeightsError)


def test_random_model_is_eval_alexnet_on_cpu(random_seed0):
    assert random_seed0.device == torch.device("cpu")
    assert not random_seed0.model.training
    assert all(p.device.type == "cpu" for p in random_seed0.model.parameters())
    assert random_seed0.weights.source == "random"
    assert random_seed0.weights.description == "random, seed 0"
    assert random_seed0.weights.trained is False


def test_categories_and_transforms_come_from_torchvision(random_seed0):
    meta = AlexNet_Weights.IMAGENET1K_V1.meta["categories"]
    assert random_seed0.categories == tuple(meta)
    assert len(random_seed0.categories) == 1000
    image = torch.zeros(3, 300, 400, dtype=torch.uint8)
    out = random_seed0.transforms(image)
    assert out.shape == (3, 224, 224) and out.dtype == torch.float32


def test_random_weights_reproduce_manual_seed(random_seed0):
    torch.manual_seed(0)
    reference = alexnet(weights=None).state_dict()
    assert _same_state(random_seed0.model.state_dict(), reference)


def test_random_weights_same_seed_same_state_different_seed_differs(random_seed0):
    again = load_model(WeightsSpec.random(seed=0), device="cpu")
    other = load_model(WeightsSpec.random(seed=1), device="cpu")
    assert _same_state(again.model.state_dict(), random_seed0.model.state_dict())
    w0 = random_seed0.model.state_dict()["features.0.weight"]
    w1 = other.model.state_dict()["features.0.weight"]
    assert not torch.equal(w0, w1)


def test_random_load_leaves_global_rng_alone():
    before = torch.get_rng_state()
    load_model(WeightsSpec.random(seed=123), device="cpu")
    assert torch.equal(torch.get_rng_state(), before)


def test_random_model_runs_a_forward_pass(random_seed0):
    with torch.no_grad():
        logits = random_seed0.model(torch.zeros(1, 3, 224, 224))
    assert logits.shape == (1, 1000)


def test_choose_device_cpu():
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device(" CPU ") == torch.device("cpu")


def test_choose_device_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(model_module, "_mps_available", lambda: False)
    assert choose_device() == torch.device("cpu")
    assert choose_device("auto") == torch.device("cpu")
    monkeypatch.setattr(model_module, "_mps_available", lambda: True)
    assert choose_device(None) == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device("auto") == torch.device("cuda")


def test_unavailable_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(model_module, "_mps_available", lambda: False)
    for name in ("cuda", "cuda:1", "mps"):
        with pytest.raises(DeviceError) as caught:
            choose_device(name)
        message = str(caught.value)
        assert f"'{name}' is not available here; available: cpu" in message
        assert "\n" not in message
    assert issubclass(DeviceError, ViewerError) and issubclass(DeviceError, ValueError)


def test_missing_cuda_index_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert choose_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match="'cuda:3' is not available here"):
        choose_device("cuda:3")


def test_unknown_device_name():
    with pytest.raises(DeviceError, match="Unknown device 'toaster'"):
        choose_device("toaster")


def test_load_model_checks_device_first(tmp_path):
    missing = tmp_path / "never-read.pth"
    with pytest.raises(DeviceError):
        load_model(WeightsSpec.from_file(missing), device="toaster")


def test_import_does_no_work():
    # Only constants at module level: no cache lookups, no model.
    assert model_module.PRETRAINED_URL == AlexNet_Weights.IMAGENET1K_V1.url
    assert model_module.PRETRAINED_CACHE_DIR is None
    assert not any(isinstance(v, torch.nn.Module) for v in vars(model_module).values())
