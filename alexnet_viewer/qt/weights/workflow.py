"""The weights workflow: loading, download progress, failures and the offline choice."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow

from alexnet_viewer.qt.settings import WeightsChoice
from alexnet_viewer.qt.weights import dialogs as weights_dialogs
from alexnet_viewer.qt.worker.engine_worker import WeightsFailure


class WeightsMixin(QMainWindow):
    """Asks the worker for weights and shows what became of it; part of MainWindow."""

    def request_weights(self, choice) -> None:
        self.weights_choice = choice
        if not self.worker.isRunning():
            self.worker.start()
        self.worker.request_weights(choice, self.device_request)

    def weights_dialog(self) -> None:
        choice = weights_dialogs.ask_weights_choice(self, self._choice_for_dialog())
        if choice is None:
            return
        if choice.kind == "file" and choice.path is None:
            return
        self.settings.set_weights(choice)
        self.request_weights(choice)

    def _choice_for_dialog(self) -> WeightsChoice:
        choice = self.weights_choice
        return WeightsChoice(choice.kind, choice.path, choice.seed) if choice is not None else WeightsChoice()

    def _show_loading(self, choice) -> None:
        describe = getattr(choice, "describe", None)
        what = describe() if callable(describe) else "weights"
        text = f"Loading the AlexNet model with {what}…"
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

    def _on_weights_ready(self, info, device: str) -> None:
        self._close_download_dialog()
        self.weights_info = info
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
        if self.current_result is not None:
            # What is on screen came from the old weights; a picture not yet shown is
            # still waiting in the mailbox and will run with the new ones anyway.
            self._post_current()

    def _on_weights_failed(self, failure: WeightsFailure) -> None:
        self._close_download_dialog()
        if failure.reason == "device" and self.interactive and self.device_request is not None:
            # Another device is no reason to lose the picture: fall back to the best one here.
            self.show_error(f"{failure.message} Using the best available device instead.", about_picture=False)
            self.device_request = None
            self.request_weights(self.weights_choice)
            return
        if self.worker.has_engine:
            self.show_error(f"{failure.message} The previous weights stay in use.", about_picture=False)
            self.weights_choice = self._choice_from_info()
            return
        self.loading_banner.hide()
        self.top5_panel.set_busy(True, "No model loaded")
        self.weights_label.setText("weights: none")
        self.show_error(failure.message, about_picture=False)
        if not self.interactive:
            self.fatal_error.emit(failure.message)
            return
        # Out of the signal handler: the dialog runs its own event loop.
        QTimer.singleShot(0, lambda: self._ask_offline_choice(failure.message))

    def _choice_from_info(self):
        info = self.weights_info
        if info is None:
            return self.weights_choice
        if info.source == "random":
            return WeightsChoice("random")
        return WeightsChoice(info.source if info.source in ("pretrained", "file") else "pretrained")

    def _ask_offline_choice(self, message: str) -> None:
        if self._closed:
            return
        choice = weights_dialogs.ask_offline_choice(self, message)
        if choice is None:
            self.close()
            return
        self.error_banner.hide()  # the dialog said it; the choice answers it
        if choice.kind == "file":
            self.settings.set_weights(choice)
        self.request_weights(choice)

