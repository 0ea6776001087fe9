"""Pretrained weights: verified download from a local server, cache, cancel, offline."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest
import torch
from torchvision.models import AlexNet_Weights, alexnet

from alexnet_viewer.core.model import download
from alexnet_viewer.core.model import loader as model_module
from alexnet_viewer.core.errors import WeightsError, WeightsUnavailableError
from alexnet_viewer.core.model.loader import (
    DownloadCancelled,
    WeightsSpec,
    load_model,
    pretrained_weights_cached,
    pretrained_weights_path,
)


def small_state() -> dict[str, torch.Tensor]:
    """A valid AlexNet state dict stored in a few KB: stride-0 views, distinct per key."""
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in alexnet(weights=None).state_dict().items()}
    return {
        key: (torch.arange(shape[-1], dtype=torch.float32) * 1e-3 + index).expand(shape)
        for index, (key, shape) in enumerate(shapes.items())
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path):
    """(folder served over http://127.0.0.1, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def checkpoint(served) -> tuple[Path, str]:
    """A served small checkpoint named ``alexnet-test-<sha256 prefix>.pth``: (file, URL)."""
    root, base = served
    staging = root / "staging.bin"
    torch.save(small_state(), staging)
    digest = hashlib.sha256(staging.read_bytes()).hexdigest()
    path = root / f"alexnet-test-{digest[:8]}.pth"
    staging.rename(path)
    return path, f"{base}/{path.name}"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache" / "checkpoints"
    monkeypatch.setattr(model_module, "PRETRAINED_CACHE_DIR", folder)
    return folder


def closed_port_url(name: str) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def use_url(monkeypatch, url: str) -> None:
    monkeypatch.setattr(model_module, "PRETRAINED_URL", url)


def test_default_location_is_torch_hub_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    expected = Path(torch.hub.get_dir()) / "checkpoints" / "alexnet-owt-7be5be79.pth"
    assert pretrained_weights_path() == expected
    assert AlexNet_Weights.IMAGENET1K_V1.url.endswith("/" + expected.name)
    assert pretrained_weights_cached() is False
    assert not (tmp_path / "torch_home").exists()


def test_hash_prefix_from_torchvision_name():
    assert download.expected_hash_prefix("alexnet-owt-7be5be79.pth") == "7be5be79"
    with pytest.raises(WeightsError):
        download.expected_hash_prefix("alexnet.pth")


def test_download_over_http_reports_progress_and_caches(cache, checkpoint, monkeypatch):
    source, url = checkpoint
    use_url(monkeypatch, url)
    monkeypatch.setattr(download, "CHUNK_BYTES", 1024)
    calls: list[tuple[int, int | None]] = []
    assert pretrained_weights_cached() is False

    loaded = load_model(WeightsSpec.pretrained(), device="cpu", progress=lambda d, t: calls.append((d, t)))

    size = source.stat().st_size
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert len(calls) > 3
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert pretrained_weights_cached() is True
    assert (cache / source.name).read_bytes() == source.read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == [source.name]  # no temp file left
    got = loaded.model.state_dict()
    for key, value in small_state().items():
        assert torch.equal(got[key], value)
    assert (loaded.weights.source, loaded.weights.description, loaded.weights.trained) == (
        "pretrained",
        "ImageNet (IMAGENET1K_V1)",
        True,
    )
    assert not loaded.model.training


def test_download_from_file_url(cache, checkpoint, monkeypatch):
    source, _ = checkpoint
    use_url(monkeypatch, source.as_uri())
    load_model(WeightsSpec.pretrained(), device="cpu")
    assert (cache / source.name).is_file()


def test_cached_file_is_used_without_network(cache, checkpoint, monkeypatch):
    source, _ = checkpoint
    cache.mkdir(parents=True)
    (cache / source.name).write_bytes(source.read_bytes())
    use_url(monkeypatch, closed_port_url(source.name))
    calls = []
    load_model(WeightsSpec.pretrained(), device="cpu", progress=lambda d, t: calls.append(d))
    assert calls == []


def test_a_cached_file_is_hashed_once_until_it_changes(cache, checkpoint, monkeypatch):
    import os

    from alexnet_viewer.core.model import verified

    source, _ = checkpoint
    cache.mkdir(parents=True)
    cached = cache / source.name
    cached.write_bytes(source.read_bytes())
    use_url(monkeypatch, closed_port_url(source.name))
    hashed = []
    real_sha256 = download.sha256_of
    monkeypatch.setattr(download, "sha256_of", lambda path: hashed.append(path) or real_sha256(path))
    for _ in range(3):
        load_model(WeightsSpec.pretrained(), device="cpu")
    assert hashed == [cached]  # the first launch hashes; the record answers the next ones
    assert verified.known_hash(cached) == real_sha256(cached)
    data = bytearray(cached.read_bytes())
    data[100] ^= 0xFF  # damaged later, same size: the new mtime makes it hash again
    cached.write_bytes(bytes(data))
    stamp = os.stat(cached)
    os.utime(cached, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    with pytest.raises(WeightsError, match="damaged"):
        load_model(WeightsSpec.pretrained(), device="cpu")
    assert hashed == [cached, cached]


def test_a_download_is_recorded_as_verified(cache, checkpoint, monkeypatch):
    from alexnet_viewer.core.model import verified

    source, url = checkpoint
    use_url(monkeypatch, url)
    load_model(WeightsSpec.pretrained(), device="cpu")
    assert verified.known_hash(cache / source.name) == hashlib.sha256(source.read_bytes()).hexdigest()


def test_damaged_cached_file_is_refused(cache, checkpoint, monkeypatch):
    source, _ = checkpoint
    cache.mkdir(parents=True)
    damaged = cache / source.name
    data = bytearray(source.read_bytes())
    data[100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    use_url(monkeypatch, closed_port_url(source.name))
    with pytest.raises(WeightsError) as caught:
        load_model(WeightsSpec.pretrained(), device="cpu")
    message = str(caught.value)
    assert not isinstance(caught.value, WeightsUnavailableError)
    assert str(damaged) in message and "damaged" in message and "\n" not in message


def test_cancel_deletes_partial_download(cache, checkpoint, monkeypatch):
    source, url = checkpoint
    use_url(monkeypatch, url)
    monkeypatch.setattr(download, "CHUNK_BYTES", 1024)
    seen = []

    def progress(done, total):
        seen.append(done)

    with pytest.raises(DownloadCancelled):
        load_model(
            WeightsSpec.pretrained(),
            device="cpu",
            progress=progress,
            should_cancel=lambda: len(seen) >= 3,
        )
    assert 0 < seen[-1] < source.stat().st_size
    assert list(cache.iterdir()) == []
    assert pretrained_weights_cached() is False


def test_hash_mismatch_deletes_download(cache, served, monkeypatch):
    root, base = served
    bad = root / "alexnet-test-00000000.pth"
    torch.save(small_state(), bad)
    use_url(monkeypatch, f"{base}/{bad.name}")
    with pytest.raises(WeightsError) as caught:
        load_model(WeightsSpec.pretrained(), device="cpu")
    message = str(caught.value)
    assert "alexnet-test-00000000.pth" in message and "checksum" in message
    assert "\n" not in message
    assert list(cache.iterdir()) == []


def test_offline_message_explains_the_ways_out(cache, monkeypatch):
    url = closed_port_url("alexnet-owt-7be5be79.pth")
    use_url(monkeypatch, url)
    with pytest.raises(WeightsUnavailableError) as caught:
        load_model(WeightsSpec.pretrained(), device="cpu")
    message = str(caught.value)
    assert url in message
    assert str(cache / "alexnet-owt-7be5be79.pth") in message
    assert "--weights FILE" in message and "--random-weights --seed N" in message
    assert ".safetensors" in message
    assert "\n" not in message
    assert list(cache.iterdir()) == []


def test_http_404_is_reported_as_unavailable(cache, served, monkeypatch):
    _, base = served
    use_url(monkeypatch, f"{base}/alexnet-owt-7be5be79.pth")
    with pytest.raises(WeightsUnavailableError, match="HTTP 404"):
        load_model(WeightsSpec.pretrained(), device="cpu")


def test_unreadable_cache_folder_is_a_weights_error(tmp_path, checkpoint, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setattr(model_module, "PRETRAINED_CACHE_DIR", blocker / "checkpoints")
    use_url(monkeypatch, checkpoint[1])
    with pytest.raises(WeightsError, match="Cannot write to the weights cache"):
        load_model(WeightsSpec.pretrained(), device="cpu")


def test_silent_server_times_out_as_unavailable(cache, monkeypatch):
    monkeypatch.setattr(download, "TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        use_url(monkeypatch, f"http://127.0.0.1:{silent.getsockname()[1]}/alexnet-owt-7be5be79.pth")
        with pytest.raises(WeightsUnavailableError, match="timed out") as caught:
            load_model(WeightsSpec.pretrained(), device="cpu")
    assert "--random-weights" in str(caught.value)
    assert list(cache.iterdir()) == []
