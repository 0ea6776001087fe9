"""Fetching the pretrained checkpoint into torch's cache, verified, cancellable.

torchvision's own loader trusts whatever sits in the cache; here the SHA-256 prefix that
is part of the file name is checked, and the download streams into a temp file that only
becomes the cached file once it hashed correctly. The hash is taken once per file: a file
whose size and mtime match the record of its last check (verified.py) is not read again.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from alexnet_viewer.core.errors import WeightsError, WeightsUnavailableError
from alexnet_viewer.core.model import verified

CHUNK_BYTES = 256 * 1024
TIMEOUT_S = 30.0
CANCEL_POLL_S = 0.1  # how soon a cancel cuts off a read that waits on a silent server

Progress = Callable[[int, "int | None"], None]
ShouldCancel = Callable[[], bool]


class DownloadCancelled(WeightsError):
    """The user stopped the pretrained download; nothing was cached."""


def file_name(url: str) -> str:
    return Path(urllib.parse.urlparse(url).path).name


def expected_hash_prefix(name: str) -> str:
    """torch.hub convention: ``name-<sha256 prefix>.ext``."""
    stem = name.split(".", 1)[0]
    prefix = stem.rsplit("-", 1)[-1].lower() if "-" in stem else ""
    if len(prefix) < 6 or any(ch not in "0123456789abcdef" for ch in prefix):
        raise WeightsError(f"Cannot verify '{name}': its name carries no SHA-256 prefix.")
    return prefix


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def verify_cached(path: Path) -> None:
    prefix = expected_hash_prefix(path.name)
    known = verified.known_hash(path)
    if known is not None and known.startswith(prefix):
        return  # hashed before, and the file has not changed since
    try:
        actual = sha256_of(path)
    except OSError as error:
        raise WeightsError(f"Cannot read cached weights {path}: {error.strerror or error}.") from None
    if not actual.startswith(prefix):
        raise WeightsError(
            f"The cached weights file {path} is damaged (its SHA-256 does not start with {prefix}); "
            "delete it so it can be downloaded again."
        )
    verified.remember(path, actual)


def offline_message(url: str, destination: Path, reason: str) -> str:
    return (
        f"Could not download the pretrained AlexNet weights from {url} ({reason}). "
        f"To use them without a connection, fetch that file on another machine, copy it to "
        f"{destination} and start again. Alternatively start with --weights FILE (an AlexNet state dict as "
        ".pth, .pt or .safetensors) or with --random-weights --seed N (untrained weights: "
        "the predictions are meaningless)."
    )


def download(
    url: str,
    destination: Path,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> None:
    """Stream ``url`` to ``destination`` if its SHA-256 matches the prefix in the file name."""
    prefix = expected_hash_prefix(destination.name)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=destination.parent, prefix=destination.name + ".", suffix=".partial"
        )
    except OSError as error:
        raise WeightsError(
            f"Cannot write to the weights cache {destination.parent}: {error.strerror or error}."
        ) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as sink:
            digest = _stream(url, sink, destination, progress, should_cancel)
        if not digest.startswith(prefix):
            raise WeightsError(
                f"The downloaded {destination.name} failed its checksum (SHA-256 {digest[:12]}..., "
                f"expected {prefix}...); it was deleted."
            )
        os.replace(temp, destination)
        verified.remember(destination, digest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _stream(url, sink, destination, progress, should_cancel) -> str:
    digest = hashlib.sha256()
    done = 0
    try:
        response = urllib.request.urlopen(url, timeout=TIMEOUT_S)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        raise WeightsUnavailableError(offline_message(url, destination, _reason(error))) from None
    cancelled = (lambda: False) if should_cancel is None else should_cancel
    with response, _CancelWatch(response, cancelled):
        total = _content_length(response)
        if progress is not None:
            progress(0, total)
        while True:
            if cancelled():
                raise DownloadCancelled("The download of the pretrained weights was cancelled.")
            try:
                chunk = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as error:
                if cancelled():
                    raise DownloadCancelled("The download of the pretrained weights was cancelled.") from None
                raise WeightsUnavailableError(
                    offline_message(url, destination, _reason(error))
                ) from None
            if not chunk:
                if cancelled():
                    raise DownloadCancelled("The download of the pretrained weights was cancelled.")
                break
            digest.update(chunk)
            try:
                sink.write(chunk)
            except OSError as error:
                raise WeightsError(
                    f"Cannot write to the weights cache {destination.parent}: "
                    f"{error.strerror or error}."
                ) from None
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if total is not None and done != total:
        raise WeightsUnavailableError(
            offline_message(url, destination, f"the connection ended after {done} of {total} bytes")
        )
    return digest.hexdigest()


class _CancelWatch:
    """While the body streams, a watcher shuts the connection's socket once ``cancelled()``
    holds, so a read blocked on a stalled server returns at once instead of after TIMEOUT_S."""

    def __init__(self, response, cancelled: ShouldCancel) -> None:
        self._response, self._cancelled = response, cancelled
        self._done = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._watch, name="DownloadCancelWatch", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.wait(CANCEL_POLL_S):
            if self._cancelled():
                # The socket under urllib's response (http.client keeps it as fp.raw._sock).
                sock = getattr(getattr(getattr(self._response, "fp", None), "raw", None), "_sock", None)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except (AttributeError, OSError):
                    pass  # already closed, or not a socket: the read ends by its own timeout
                return


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length") if response.headers else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        if not isinstance(error.reason, BaseException):
            return str(error.reason)
        error = error.reason
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "the connection timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error) or type(error).__name__
