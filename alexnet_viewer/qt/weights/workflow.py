"""The weights workflow: loading, download progress, failures, device faults and the fallback choice."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow, QPushButton

from alexnet_viewer.core.model.weights_spec import WeightsSpec
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.worker.engine_worker import LoadedWeights, WeightsFailure


class WeightsMixin(QMainWindow):
    """Asks the worker for weights and shows what became of it; part of MainWindow.

    ``weights_choice`` is what was asked for last; ``weights_in_use`` what the engine runs
    (None before the first load). A choice the user made is saved once it has loaded.
    """

    def request_weights(self, spec: WeightsSpec, *, remember: bool = False) -> None:
        self.weights_choice = spec
        self._remember_weights = spec if remember else None
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.request_weights(spec, self.device_request)

    def weights_dialog(self) -> None:
        spec = weights_dialogs.ask_weights_choice(self, self.weights_choice)
        if spec is not None:
            self.request_weights(spec, remember=True)

    def _show_loading(self, spec) -> None:
        text = f"Loading the AlexNet model with {spec.describe()}…"
        self.loading_banner.show_message(text)
        self.weights_label.setText("weights: loading…")
        self.top5_panel.set_busy(True, "Loading model…")
        self.statusBar().showMessage(text)

    def _on_download_progress(self, done, total) -> None:
        if self._download_dialog is None:
            self._download_dialog = weights_dialogs.make_download_dialog(self)
            self._download_dialog.canceled.connect(self.worker.cancel_download)
            self._download_dialog.show()
        weights_dialogs.update_download_dialog(self._download_dialog, int(done), total)

    def _close_download_dialog(self) -> None:
        if self._download_dialog is not None:
            self._download_dialog.canceled.disconnect()
            self._download_dialog.close()
            self._download_dialog.deleteLater()
            self._download_dialog = None

    def _on_weights_ready(self, loaded: LoadedWeights) -> None:
        self._close_download_dialog()
        info, device = loaded.info, loaded.device
        self.weights_info = info
        self.weights_in_use = self.weights_choice = loaded.spec
        if self._remember_weights == loaded.spec and self._persist:
            self.settings.set_weights(loaded.spec)
        self._remember_weights = None
        if loaded.fallback:
            if self.device_request != "cpu":
                self._device_before_fallback = self.device_request
            self.device_request = "cpu"
            self._offer_the_way_back(loaded.spec)
        self.loading_banner.hide()
        self.top5_panel.set_busy(False)
        self.device_label.setText(f"device: {device}")
        if info.trained:
            self.weights_label.setText(f"weights: {info.description}")
            self.weights_label.setStyleSheet("")
            self.untrained_banner.hide()
        else:
            self.weights_label.setText(f"weights: UNTRAINED ({info.description})")
            self.weights_label.setStyleSheet("color: white; background: #b3261e; font-weight: 600;")
            self.untrained_banner.show_message(
                f"UNTRAINED WEIGHTS ({info.description}): predictions mean nothing"
            )
            self.untrained_banner.setToolTip("Settings › Weights… loads pretrained weights or a weights file.")
        self.statusBar().showMessage(f"Model ready on {device}.", 4000)
        if self._shown_source is not None:
            self._picture_opened(self._shown_source)
        if self.current_result is not None or loaded.fallback:
            # What is on screen came from the old weights (or the picture failed on the
            # device); a picture not yet shown is still waiting in the mailbox otherwise.
            self._post_current()

    def _offer_the_way_back(self, spec) -> None:
        """A status-bar button that runs the weights on the device that failed again."""
        button = getattr(self, "back_to_gpu_button", None)
        if button is None:
            button = self.back_to_gpu_button = QPushButton("Use the GPU again")
            button.setToolTip("The GPU failed and AlexNet Viewer moved to the CPU; try the GPU again")
            button.setFlat(True)
            button.clicked.connect(self.back_to_gpu)
            self.statusBar().addPermanentWidget(button)
        button.show()

    def back_to_gpu(self) -> None:
        """Leave the CPU fallback: the weights in use load on the device asked for before."""
        self.back_to_gpu_button.hide()
        self.worker.forget_fallback()
        self.device_request = getattr(self, "_device_before_fallback", None)
        self.request_weights(self.weights_in_use or self.weights_choice)

    def _on_device_fault(self, message: str) -> None:
        self.show_error(message, about_picture=False)
        self.device_label.setText("device: cpu (loading…)")

    def _on_weights_failed(self, failure: WeightsFailure) -> None:
        self._close_download_dialog()
        if failure.reason == "device" and self.interactive and self.device_request is not None:
            # Another device is no reason to lose the picture: fall back to the best one here.
            self.show_error(f"{failure.message} Using the best available device instead.", about_picture=False)
            self.device_request = None
            self.request_weights(self.weights_choice, remember=self._remember_weights is not None)
            return
        self._remember_weights = None
        if self.worker.has_engine and self.weights_in_use is not None:
            self.show_error(f"{failure.message} The previous weights stay in use.", about_picture=False)
            self.weights_choice = self.weights_in_use  # its file or seed, for the next Settings › Weights
            return
        self.loading_banner.hide()
        self.top5_panel.set_busy(True, "No model loaded")
        self.weights_label.setText("weights: none")
        self.show_error(failure.message, about_picture=False)
        if not self.interactive:
            self.fatal_error.emit(failure.message)
            return
        # Out of the signal handler: the dialog runs its own event loop.
        QTimer.singleShot(0, lambda: self._ask_fallback(failure))

    def _ask_fallback(self, failure: WeightsFailure) -> None:
        if self._closed:
            return
        spec = weights_dialogs.ask_offline_choice(self, failure.message, failure.reason)
        if spec is None:
            self.close()
            return
        self.error_banner.hide()  # the dialog said it; the choice answers it
        self.request_weights(spec, remember=True)

