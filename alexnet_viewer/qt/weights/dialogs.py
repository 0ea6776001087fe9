"""Dialogs about weights: the download progress, the offline choice, Settings › Weights.

The window calls the module-level ``ask_*`` functions through this module, so tests
monkeypatch them and never block on a modal dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from alexnet_viewer.core.model.weights_spec import WeightsSpec

WEIGHTS_FILE_FILTER = "Weights (*.pth *.pt *.safetensors);;All files (*)"
UNTRAINED_EXPLANATION = (
    "Untrained weights are random numbers: the feature maps and filters show structure-free "
    "noise and the predictions mean nothing. Useful only to compare with a trained network."
)


def ask_weights_file(parent: QWidget | None, start_folder: Path | None = None) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Open AlexNet weights", str(start_folder or Path.home()), WEIGHTS_FILE_FILTER
    )
    return Path(chosen) if chosen else None


# What the fallback dialog says, by why the weights failed (WeightsFailure.reason).
FALLBACK_WORDING = {
    "unavailable": ("Weights unavailable", "The pretrained AlexNet weights are not available."),
    "cancelled": ("Download cancelled", "The download of the pretrained AlexNet weights was cancelled."),
}
FAILED_WORDING = ("Weights not loaded", "The AlexNet weights could not be loaded.")


def ask_offline_choice(parent: QWidget | None, message: str, reason: str = "unavailable",
                       quit_text: str = "Quit") -> WeightsSpec | None:
    """What to do when no weights could be loaded; None means quit (or, with weights still
    in use and ``quit_text`` saying so, keep them).

    Worded by ``reason``: offline ("unavailable"), a cancelled download, or any other failure.
    """
    title, heading = FALLBACK_WORDING.get(reason, FAILED_WORDING)
    while True:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(heading)
        box.setInformativeText(f"{message}\n\n{UNTRAINED_EXPLANATION}")
        open_button = box.addButton("Open weights file…", QMessageBox.ButtonRole.AcceptRole)
        random_button = box.addButton("Use untrained weights", QMessageBox.ButtonRole.DestructiveRole)
        quit_button = box.addButton(quit_text, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_button)
        box.setEscapeButton(quit_button)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is random_button:
            return WeightsSpec.random(0)
        if clicked is open_button:
            path = ask_weights_file(parent)
            if path is not None:
                return WeightsSpec.from_file(path)
            continue  # the file dialog was cancelled: ask again
        return None


class WeightsDialog(QDialog):
    """Settings › Weights: pretrained, a file, or untrained with a seed."""

    def __init__(self, current: WeightsSpec | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Weights")
        current = current or WeightsSpec.pretrained()
        self.pretrained_button = QRadioButton("Pretrained on ImageNet (downloaded once, then cached)")
        self.file_button = QRadioButton("From a file (.pth / .safetensors state dict)")
        self.random_button = QRadioButton("Untrained: random weights")
        group = QButtonGroup(self)
        for button in (self.pretrained_button, self.file_button, self.random_button):
            group.addButton(button)
        self.path_edit = QLineEdit(str(current.path) if current.path else "")
        self.path_edit.setPlaceholderText("weights file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(current.seed)
        note = QLabel(UNTRAINED_EXPLANATION)
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")

        file_row = QHBoxLayout()
        file_row.setContentsMargins(24, 0, 0, 0)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        seed_row = QHBoxLayout()
        seed_row.setContentsMargins(24, 0, 0, 0)
        seed_row.addWidget(QLabel("Seed"))
        seed_row.addWidget(self.seed_spin)
        seed_row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.pretrained_button)
        layout.addWidget(self.file_button)
        layout.addLayout(file_row)
        layout.addWidget(self.random_button)
        layout.addLayout(seed_row)
        layout.addWidget(note)
        layout.addWidget(buttons)
        {"file": self.file_button, "random": self.random_button}.get(
            current.kind, self.pretrained_button
        ).setChecked(True)
        self.setMinimumWidth(460)

    def _browse(self) -> None:
        start = Path(self.path_edit.text()).parent if self.path_edit.text() else None
        path = ask_weights_file(self, start)
        if path is not None:
            self.path_edit.setText(str(path))
            self.file_button.setChecked(True)

    def choice(self) -> WeightsSpec | None:
        """The spec chosen; None for a file choice without a file."""
        if self.file_button.isChecked():
            text = self.path_edit.text().strip()
            return WeightsSpec.from_file(Path(text).expanduser()) if text else None
        if self.random_button.isChecked():
            return WeightsSpec.random(self.seed_spin.value())
        return WeightsSpec.pretrained()


def ask_weights_choice(parent: QWidget | None, current: WeightsSpec | None) -> WeightsSpec | None:
    """Settings › Weights…; None when cancelled."""
    dialog = WeightsDialog(current, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
    finally:
        dialog.deleteLater()


def make_download_dialog(parent: QWidget | None) -> QProgressDialog:
    """Non-modal, so the window keeps painting while the weights download."""
    dialog = QProgressDialog("Downloading the pretrained AlexNet weights (233 MB)…", "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Downloading weights")
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog


def update_download_dialog(dialog: QProgressDialog, done: int, total: int | None) -> None:
    mib = 1024 * 1024
    if total:
        # QProgressDialog counts in int: work in KiB so 233 MB fits.
        dialog.setMaximum(max(1, total // 1024))
        dialog.setValue(min(done, total) // 1024)
        dialog.setLabelText(f"Downloading the pretrained AlexNet weights… {done / mib:.0f} of {total / mib:.0f} MB")
    else:
        dialog.setMaximum(0)
        dialog.setLabelText(f"Downloading the pretrained AlexNet weights… {done / mib:.0f} MB")
