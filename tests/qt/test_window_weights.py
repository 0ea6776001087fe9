"""Weights in the window: untrained marking, the offline dialog, switching, download progress."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QPushButton

from alexnet_viewer.core import model as model_module
from alexnet_viewer.core.errors import WeightsUnavailableError
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.settings import WeightsChoice
from tests.qt.conftest import RecordingFactory, wait_for_frame

OFFLINE = "The pretrained weights are not cached and the download failed: no network."


def offline_load_model(spec, device=None, progress=None, should_cancel=None):
    raise WeightsUnavailableError(OFFLINE)


def test_untrained_weights_are_clearly_marked(make_window, qtbot, picture):
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    assert window.untrained_banner.isVisible()
    assert "UNTRAINED" in window.untrained_banner.text
    assert "UNTRAINED" in window.weights_label.text()
    assert "UNTRAINED" in window.windowTitle()
    assert window.top5_panel.banner_visible
    assert window.device_label.text() == "device: cpu"
    assert window.time_label.text().endswith(" ms") and window.time_label.text() != "– ms"
    assert not window.loading_banner.isVisible()


def test_loading_state_is_shown_before_the_model_arrives(make_window):
    window = make_window(start=False)
    assert window.loading_banner.isVisible()
    assert "Loading" in window.loading_banner.text
    assert window.weights_label.text() == "weights: loading…"


def test_offline_pretrained_offers_untrained_weights(make_window, qtbot, picture, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    asked = []

    def choose_untrained(parent, message):
        asked.append(message)
        return WeightsChoice("random", seed=0)

    monkeypatch.setattr(weights_dialogs, "ask_offline_choice", choose_untrained)
    window = make_window(weights=None)  # nothing on the command line or in settings: pretrained
    frame = window.open_path(picture)
    wait_for_frame(qtbot, window, frame)
    assert asked == [OFFLINE]
    assert [spec.kind for spec in window.worker.engine_factory.specs] == ["pretrained", "random"]
    assert "UNTRAINED" in window.weights_label.text()
    assert window.untrained_banner.isVisible()
    # An untrained fallback is not remembered: next run tries pretrained again.
    assert window.settings.weights() is None


def test_offline_quit_closes_the_window(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    monkeypatch.setattr(weights_dialogs, "ask_offline_choice", lambda parent, message: None)
    window = make_window(weights=None)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    assert not window.worker.isRunning()


def test_offline_without_dialogs_is_fatal(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    window = make_window(weights=None, start=False, interactive=False)
    with qtbot.waitSignal(window.fatal_error, timeout=30000) as fatal:
        window.start()
    assert fatal.args == [OFFLINE]


def test_settings_weights_switches_and_remembers_a_file_choice(make_window, qtbot, picture, monkeypatch, tmp_path):
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice", lambda parent, current: WeightsChoice("random", seed=3))
    shown = window.current_job.frame_id
    window.weights_dialog()
    # The picture on screen is run again with the new weights.
    wait_for_frame(qtbot, window, shown + 1)
    assert window.worker.engine_factory.specs[-1].seed == 3

    missing = tmp_path / "missing.pth"
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice", lambda parent, current: WeightsChoice("file", missing))
    with qtbot.waitSignal(window.worker.weights_failed, timeout=30000) as failed:
        window.weights_dialog()
    assert "missing.pth" in failed.args[0].message
    qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=5000)
    assert "previous weights stay in use" in window.error_banner.text
    assert window.settings.weights() == WeightsChoice("file", missing)


def test_download_progress_shows_a_cancellable_dialog(make_window, qtbot, shared_engine):
    seen = []

    def slow_download(spec, progress, should_cancel):
        for done in range(0, 5):
            progress(done * 50 * 2**20, 200 * 2**20)
            time.sleep(0.08)
        seen.append(should_cancel())

    window = make_window(factory=RecordingFactory(shared_engine, before=slow_download))
    qtbot.waitUntil(lambda: window._download_dialog is not None, timeout=30000)
    dialog = window._download_dialog
    assert dialog.isVisible() and "Downloading" in dialog.labelText()
    qtbot.waitUntil(lambda: window.worker.has_engine and window._download_dialog is None, timeout=30000)
    assert seen == [False]


def test_cancelling_the_download_asks_the_worker_to_stop(make_window, qtbot, shared_engine):
    cancelled = []

    def download_until_cancelled(spec, progress, should_cancel):
        for _ in range(200):
            progress(1, None)
            if should_cancel():
                cancelled.append(True)
                return
            time.sleep(0.02)

    window = make_window(factory=RecordingFactory(shared_engine, before=download_until_cancelled))
    qtbot.waitUntil(lambda: window._download_dialog is not None, timeout=30000)
    cancel_button = window._download_dialog.findChild(QPushButton)
    assert cancel_button.text() == "Cancel"
    cancel_button.click()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=10000)


def test_unusable_device_falls_back_to_the_best_one(make_window, qtbot, picture, shared_engine):
    from alexnet_viewer.core.errors import DeviceError

    devices = []

    def refuse_cuda(spec, progress, should_cancel):
        devices.append(window.device_request)
        if window.device_request == "cuda":
            raise DeviceError("Device 'cuda' is not available here; available: cpu.")

    window = make_window(factory=RecordingFactory(shared_engine, before=refuse_cuda), device="cuda", start=False)
    window.start()
    wait_for_frame(qtbot, window, window.open_path(picture))
    assert devices == ["cuda", None]
    assert window.error_banner.isVisible()
    assert "not available" in window.error_banner.text and "best available device" in window.error_banner.text
