"""The weights workflow: loading, download progress, failures, device faults and the fallback choice.

``WeightsFlow`` asks the worker for weights and writes what became of them into the viewer
state (``weights``, ``weights_status``, ``device``) and its one status line.
``choice`` is what was asked for last; ``in_use`` what the engine runs (None before the
first load). A choice the user made is saved once it has loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPushButton

from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.worker.engine_worker import LoadedWeights, WeightsFailure

KEEP_WEIGHTS = "Keep the weights in use"


class WeightsFlow(QObject):
    def __init__(self, window, choice: WeightsSpec, device: str | None) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.worker = window.worker
        self.choice = choice
        self.in_use: WeightsSpec | None = None
        self.info = None
        self.device_request = device
        self._remember: WeightsSpec | None = None  # saved in the settings once it loaded
        self.download_dialog = None
        self.back_to_gpu_button: QPushButton | None = None
        self._device_before_fallback: str | None = None

    def request(self, spec: WeightsSpec, *, remember: bool = False) -> None:
        self.choice = spec
        self._remember = spec if remember else None
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.request_weights(spec, self.device_request)

    def dialog(self) -> None:
        spec = weights_dialogs.ask_weights_choice(self.window, self.choice)
        if spec is not None:
            self.request(spec, remember=True)

    def show_loading(self, spec) -> None:
        self.state.weights_status = "loading"
        self.window.status_line.show_weights("weights: loading…")
        self.window.top5_panel.set_busy(True, "Loading model…")
        self._note(f"Loading the AlexNet model with {spec.describe()}…")

    def on_download_progress(self, done, total) -> None:
        if self.window.closed:
            return  # progress still queued when the window closed opens no dialog
        if self.download_dialog is None:
            self.download_dialog = weights_dialogs.make_download_dialog(self.window)
            self.download_dialog.canceled.connect(self.worker.cancel_download)
            self.download_dialog.show()
        weights_dialogs.update_download_dialog(self.download_dialog, int(done), total)

    def close_download_dialog(self) -> None:
        if self.download_dialog is not None:
            self.download_dialog.canceled.disconnect()
            self.download_dialog.close()
            self.download_dialog.deleteLater()
            self.download_dialog = None

    def on_ready(self, loaded: LoadedWeights) -> None:
        self.close_download_dialog()
        info, device = loaded.info, loaded.device
        self.info = info
        self.in_use = self.choice = loaded.spec
        if self._remember == loaded.spec and self.window.persist:
            self.window.settings.set_weights(loaded.spec)
        self._remember = None
        if loaded.fallback:
            if self.device_request != "cpu":
                self._device_before_fallback = self.device_request
            self.device_request = "cpu"
            self._offer_the_way_back()
        self.window.top5_panel.set_busy(False)
        self._show_in_use()
        self.state.device = device
        self.state.weights = loaded.spec
        self.state.weights_status = "ready"
        if info.trained:
            self._note(f"Model ready on {device}.")
        else:
            # Short enough for the message line of a 1280-px window; which weights, the status bar says.
            self._note("Untrained weights: the predictions mean nothing. Settings › Weights… loads trained ones.",
                       "warning")
        self.window.picture_changed_title()
        if self.window.current_result is not None or loaded.fallback:
            # What is on screen came from the old weights (or the picture failed on the
            # device); a picture not yet shown is still waiting in the mailbox otherwise.
            self.window.post_current()

    def _offer_the_way_back(self) -> None:
        """A status-bar button that runs the weights on the device that failed again."""
        button = self.back_to_gpu_button
        if button is None:
            button = self.back_to_gpu_button = QPushButton("Use the GPU again")
            button.setToolTip("The GPU failed and AlexNet Viewer moved to the CPU; try the GPU again")
            button.setFlat(True)
            button.clicked.connect(self.back_to_gpu)
            self.window.statusBar().addPermanentWidget(button)
        button.show()

    def back_to_gpu(self) -> None:
        """Leave the CPU fallback: the weights in use load on the device asked for before."""
        self.back_to_gpu_button.hide()
        self.worker.forget_fallback()
        self.device_request = self._device_before_fallback
        self.request(self.in_use or self.choice)

    def _note(self, text: str, level: str = "info") -> None:
        """Say how loading goes, unless what went wrong on the way (a device fault) is shown."""
        shown = self.state.message
        if shown is None or shown.level != "error":
            self.state.say(text, level)

    def _show_in_use(self) -> None:
        info = self.info
        if info is None:
            self.window.status_line.show_weights("weights: none")
        elif info.trained:
            self.window.status_line.show_weights(f"weights: {info.description}")
        else:
            self.window.status_line.show_weights(f"weights: UNTRAINED ({info.description})", untrained=True)

    def on_device_fault(self, message: str) -> None:
        self.window.show_error(message, about_picture=False)
        self.state.device = "cpu (loading…)"

    def on_failed(self, failure: WeightsFailure) -> None:
        self.close_download_dialog()
        window = self.window
        if failure.reason == "device" and window.interactive and self.device_request is not None:
            # Another device is no reason to lose the picture: fall back to the best one here.
            window.show_error(f"{failure.message} Using the best available device instead.", about_picture=False)
            self.device_request = None
            self.request(self.choice, remember=self._remember is not None)
            return
        self._remember = None
        if self.worker.has_engine and self.in_use is not None:
            # The weights in use stay: say so, and put the lines that said "loading" back.
            window.top5_panel.set_busy(False)
            self._show_in_use()
            self.state.weights_status = "ready"
            window.show_error(f"{failure.message} The previous weights stay in use.", about_picture=False)
            self.choice = self.in_use  # its file or seed, for the next Settings › Weights
            if failure.reason == "unavailable" and window.interactive:
                # Offline: the dialog the README promises, with the weights in use as the way out.
                QTimer.singleShot(0, lambda: self._ask_fallback(failure, keep=True))
            return
        window.top5_panel.set_busy(True, "No model loaded")
        self.state.weights_status = "failed"
        window.status_line.show_weights("weights: none")
        window.show_error(failure.message, about_picture=False)
        if not window.interactive:
            window.fatal_error.emit(failure.message)
            return
        # Out of the signal handler: the dialog runs its own event loop.
        QTimer.singleShot(0, lambda: self._ask_fallback(failure))

    def _ask_fallback(self, failure: WeightsFailure, keep: bool = False) -> None:
        if self.window.closed:
            return
        if keep:
            spec = weights_dialogs.ask_offline_choice(self.window, failure.message, failure.reason,
                                                      quit_text=KEEP_WEIGHTS)
        else:
            spec = weights_dialogs.ask_offline_choice(self.window, failure.message, failure.reason)
        if spec is None:
            if not keep:
                self.window.close()
            return
        self.state.clear_message()  # the dialog said it; the choice answers it
        self.request(spec, remember=True)
