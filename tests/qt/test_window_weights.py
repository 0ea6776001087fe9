"""Weights in the window: untrained marking, the offline dialog, switching, download progress."""

from __future__ import annotations

import threading

import pytest
import torch
from PySide6.QtWidgets import QPushButton

from alexnet_viewer.core.model import loader as model_module
from alexnet_viewer.core.errors import WeightsUnavailableError
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.core.model.weights_spec import WeightsSpec
from tests.qt.conftest import RecordingFactory, wait_for_frame

OFFLINE = "The pretrained weights are not cached and the download failed: no network."


def offline_load_model(spec, device=None, progress=None, should_cancel=None):
    raise WeightsUnavailableError(OFFLINE)


def test_untrained_weights_are_clearly_marked(make_window, qtbot, picture):
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    assert window.messages.isVisible()
    assert "Untrained weights" in window.messages.text
    qtbot.waitUntil(lambda: not window.messages.label.elided)  # said whole in a 1280-px window
    assert "UNTRAINED" in window.status_line.weights_label.text()
    assert "UNTRAINED" in window.windowTitle()
    assert window.top5_panel.banner_visible
    assert window.status_line.device_label.text() == "device: cpu"
    assert window.status_line.time_label.text().endswith(" ms") and window.status_line.time_label.text() != "– ms"
    assert "Loading" not in window.messages.text


def test_loading_state_is_shown_before_the_model_arrives(make_window):
    window = make_window(start=False)
    assert window.messages.isVisible()
    assert "Loading" in window.messages.text
    assert window.status_line.weights_label.text() == "weights: loading…"


def test_offline_pretrained_offers_untrained_weights(make_window, qtbot, picture, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    asked = []

    def choose_untrained(parent, message, reason):
        asked.append((message, reason))
        return WeightsSpec.random(0)

    monkeypatch.setattr(weights_dialogs, "ask_offline_choice", choose_untrained)
    window = make_window(weights=None)  # nothing on the command line or in settings: pretrained
    frame = window.open_path(picture)
    wait_for_frame(qtbot, window, frame)
    assert asked == [(OFFLINE, "unavailable")]
    assert [spec.kind for spec in window.worker.engine_factory.specs] == ["pretrained", "random"]
    assert "UNTRAINED" in window.status_line.weights_label.text()
    assert window.messages.isVisible()
    # An untrained fallback is not remembered: next run tries pretrained again.
    assert window.settings.weights() is None


def test_offline_quit_closes_the_window(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    monkeypatch.setattr(weights_dialogs, "ask_offline_choice", lambda parent, message, reason: None)
    window = make_window(weights=None)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    assert not window.worker.isRunning()


def test_offline_without_dialogs_is_fatal(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(model_module, "load_model", offline_load_model)
    window = make_window(weights=None, start=False, interactive=False)
    with qtbot.waitSignal(window.fatal_error, timeout=30000) as fatal:
        window.start()
    assert fatal.args == [OFFLINE]


def test_settings_weights_switches_and_remembers_a_choice_only_once_it_loaded(
        make_window, qtbot, picture, monkeypatch, tmp_path, loaded_model):
    window = make_window()
    wait_for_frame(qtbot, window, window.open_path(picture))
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice", lambda parent, current: WeightsSpec.random(3))
    shown = window.current_job.frame_id
    window.weights_dialog()
    # The picture on screen is run again with the new weights.
    wait_for_frame(qtbot, window, shown + 1)
    assert window.worker.engine_factory.specs[-1].seed == 3
    assert window.weights.in_use == WeightsSpec.random(3)

    good = tmp_path / "good.pth"
    torch.save(loaded_model.model.state_dict(), good)
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice", lambda parent, current: WeightsSpec.from_file(good))
    with qtbot.waitSignal(window.worker.weights_ready, timeout=30000):
        window.weights_dialog()
    assert window.settings.weights() == WeightsSpec.from_file(good)  # it loaded: remembered

    missing = tmp_path / "missing.pth"
    offered = []

    def choose_missing(parent, current):
        offered.append(current)
        return WeightsSpec.from_file(missing)

    monkeypatch.setattr(weights_dialogs, "ask_weights_choice", choose_missing)
    with qtbot.waitSignal(window.worker.weights_failed, timeout=30000) as failed:
        window.weights_dialog()
    assert "missing.pth" in failed.args[0].message and failed.args[0].reason == "error"
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=5000)
    assert "previous weights stay in use" in window.messages.text
    assert window.settings.weights() == WeightsSpec.from_file(good)  # the failed choice is not saved
    # The next Settings › Weights… starts from the file still in use, not from the failure.
    assert window.weights.choice == WeightsSpec.from_file(good)
    window.weights_dialog()
    assert offered == [WeightsSpec.from_file(good), WeightsSpec.from_file(good)]


def test_a_seed_in_use_is_kept_after_a_failure(make_window, qtbot, tmp_path, monkeypatch):
    window = make_window(weights=WeightsSpec.random(7))
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    monkeypatch.setattr(weights_dialogs, "ask_weights_choice",
                        lambda parent, current: WeightsSpec.from_file(tmp_path / "missing.pth"))
    with qtbot.waitSignal(window.worker.weights_failed, timeout=30000):
        window.weights_dialog()
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=5000)
    assert window.weights.choice == WeightsSpec.random(7)


def test_a_broken_weights_file_at_start_is_not_called_offline(make_window, qtbot, tmp_path, monkeypatch):
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    asked = []
    monkeypatch.setattr(weights_dialogs, "ask_offline_choice",
                        lambda parent, message, reason="unavailable": asked.append((message, reason)))
    make_window(weights=WeightsSpec.from_file(broken))
    qtbot.waitUntil(lambda: bool(asked), timeout=30000)
    message, reason = asked[0]
    assert reason == "error" and "broken.pth" in message


def _answer_next_message_box(qtbot, seen, button_text):
    """Read the next modal message box and press one of its buttons."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append((box.windowTitle(), box.text()))
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, answer)


@pytest.mark.parametrize("reason,title", [("unavailable", "Weights unavailable"), ("error", "Weights not loaded"),
                                          ("cancelled", "Download cancelled")])
def test_the_fallback_dialog_says_why(qtbot, reason, title):
    seen = []
    _answer_next_message_box(qtbot, seen, "Use untrained weights")
    assert weights_dialogs.ask_offline_choice(None, "Why it failed.", reason) == WeightsSpec.random(0)
    assert seen[0][0] == title
    assert ("not available" in seen[0][1]) == (reason == "unavailable")


def test_download_progress_shows_a_cancellable_dialog(make_window, qtbot, shared_engine):
    seen, looked = [], threading.Event()

    def slow_download(spec, progress, should_cancel):
        progress(0, 200 * 2**20)
        looked.wait(30)  # the rest comes once the test has seen the dialog, not after a fixed time
        for done in range(1, 5):
            progress(done * 50 * 2**20, 200 * 2**20)
        seen.append(should_cancel())

    window = make_window(factory=RecordingFactory(shared_engine, before=slow_download))
    qtbot.waitUntil(lambda: window.weights.download_dialog is not None, timeout=30000)
    dialog = window.weights.download_dialog
    assert dialog.isVisible() and "Downloading" in dialog.labelText()
    looked.set()
    qtbot.waitUntil(lambda: window.worker.has_engine and window.weights.download_dialog is None, timeout=30000)
    assert seen == [False]


def test_cancelling_the_download_asks_the_worker_to_stop(make_window, qtbot, shared_engine):
    cancelled, clicked = [], threading.Event()

    def download_until_cancelled(spec, progress, should_cancel):
        progress(1, None)
        clicked.wait(30)  # until the test has pressed Cancel
        cancelled.append(should_cancel())

    window = make_window(factory=RecordingFactory(shared_engine, before=download_until_cancelled))
    qtbot.waitUntil(lambda: window.weights.download_dialog is not None, timeout=30000)
    cancel_button = window.weights.download_dialog.findChild(QPushButton)
    assert cancel_button.text() == "Cancel"
    cancel_button.click()
    clicked.set()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=10000)


def test_unusable_device_falls_back_to_the_best_one(make_window, qtbot, picture, shared_engine):
    from alexnet_viewer.core.errors import DeviceError

    devices = []

    def refuse_cuda(spec, progress, should_cancel):
        devices.append(window.weights.device_request)
        if window.weights.device_request == "cuda":
            raise DeviceError("Device 'cuda' is not available here; available: cpu.")

    window = make_window(factory=RecordingFactory(shared_engine, before=refuse_cuda), device="cuda", start=False)
    window.start()
    wait_for_frame(qtbot, window, window.open_path(picture))
    assert devices == ["cuda", None]
    assert window.messages.isVisible()
    assert "not available" in window.messages.text and "best available device" in window.messages.text
