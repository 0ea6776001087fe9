"""File › Export for slides…: what to save (the window or one panel), at what scale, and as what.

Each button asks for a file name and writes it at once (an animation records its frames
first, while the panel keeps playing). A problem is one sentence in the dialog; nothing is
lost and the dialog stays open for another try.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from alexnet_viewer.core.output_files import os_reason
from alexnet_viewer.qt.export import slides
from alexnet_viewer.qt.export.sweep import layer_sweep_frames
from alexnet_viewer.qt.panels.on_screen import on_screen
from alexnet_viewer.qt.panels.style import (
    apply_spacing,
    caption_label,
    set_text_if_changed,
)

NO_RESULT = "Open a picture first: there is nothing to export yet"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "export"


def export_targets(window) -> list[tuple[str, object]]:
    """(name, widget) for the whole window, the feature maps and every other view, on screen
    or not (one not on screen is laid out at a size of its own when it is pictured)."""
    targets = [("Whole window", window), ("Feature maps", window.feature_maps_panel)]
    for dock in window.docks:
        panel = dock.widget()
        if panel is not None and panel is not window.feature_maps_panel:
            shown = on_screen(panel)
            targets.append((dock.windowTitle() + ("" if shown else " (not on screen)"), panel))
    return targets


def ask_save_path(parent, settings, caption: str, name: str, filters: str) -> Path | None:
    """A save dialog that starts in the folder the last export went to; remembers the new one."""
    start = settings.export_folder() or settings.last_folder() or Path.home()
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(Path(start) / name), filters)
    if not chosen:
        return None
    settings.set_export_folder(Path(chosen).parent)
    return Path(chosen)


class ExportDialog(QDialog):
    def __init__(self, window, choose_path=None) -> None:
        super().__init__(window)
        self.setWindowTitle("Export for slides")
        self.window_ = window
        self.target_combo = QComboBox()
        self._choose = choose_path or self._ask_path
        self.recorder = slides.AnimationRecorder(self)
        self.refresh_targets()
        self.scale_combo = QComboBox()
        for scale in slides.SCALES:
            self.scale_combo.addItem(f"{scale}×", scale)
        self.scale_combo.setCurrentIndex(len(slides.SCALES) - 1)
        self.frames_spin = QSpinBox()
        self.frames_spin.setRange(2, 300)
        self.frames_spin.setValue(slides.DEFAULT_FRAMES)
        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(20, 2000)
        self.interval_spin.setSingleStep(20)
        self.interval_spin.setSuffix(" ms")
        self.interval_spin.setValue(slides.DEFAULT_INTERVAL_MS)
        form = QFormLayout()
        form.addRow("Picture of", self.target_combo)
        form.addRow("Scale", self.scale_combo)
        form.addRow("Animation frames", self.frames_spin)
        form.addRow("Frame interval", self.interval_spin)

        self.buttons = {}
        grid = QGridLayout()
        for index, (key, text) in enumerate((("png", "PNG picture…"), ("animation", "Animated GIF / WebP…"),
                                              ("csv", "Statistics as CSV…"), ("json", "Statistics as JSON…"),
                                              ("npz", "Activations as .npz…"))):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, key=key: self.export(key))
            self.buttons[key] = button
            grid.addWidget(button, index // 2, index % 2)
        self.status_label = caption_label("", wrap=True)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addLayout(form)
        layout.addLayout(grid)
        layout.addWidget(self.status_label)
        self.recorder.progress.connect(lambda done, wanted: self.say(f"Recording frame {done} of {wanted}…"))
        self.recorder.finished.connect(self._saved_animation)
        self.recorder.failed.connect(self.say)

    def _saved_animation(self, path: str) -> None:
        still = " (the view was still, so it sweeps through the layers)" if self.recorder.swept else ""
        self.say(f"Saved {path}{still}")

    def refresh_targets(self) -> None:
        """List the window and the panels shown now, keeping the choice if it is still there."""
        chosen = self.target_combo.currentText()
        self.target_combo.clear()
        for name, widget in export_targets(self.window_):
            self.target_combo.addItem(name, widget)
        index = self.target_combo.findText(chosen)
        self.target_combo.setCurrentIndex(max(index, 0))

    def say(self, text: str) -> None:
        set_text_if_changed(self.status_label, text)

    @property
    def target(self):
        return self.target_combo.currentData()

    @property
    def scale(self) -> int:
        return self.scale_combo.currentData()

    def _stem(self) -> str:
        job = self.window_.current_job
        return _slug(Path(job.source.label).stem) if job is not None else "alexnet"

    def _ask_path(self, caption: str, suggested: str, filters: str) -> str:
        path = ask_save_path(self, self.window_.settings, caption, suggested, filters)
        return "" if path is None else str(path)

    def export(self, key: str) -> Path | None:
        """Ask for a file name and write ``key`` ("png", "animation", "csv", "json", "npz")."""
        result = self.window_.current_result
        if key != "png" and key != "animation" and result is None:
            self.say(NO_RESULT)
            return None
        stem, target = self._stem(), _slug(self.target_combo.currentText())
        suggestions = {
            "png": (f"{stem}-{target}-{self.scale}x.png", "PNG pictures (*.png)"),
            "animation": (f"{stem}-{target}.gif", "Animations (*.gif *.webp)"),
            "csv": (f"{stem}-statistics.csv", "CSV (*.csv)"),
            "json": (f"{stem}-statistics.json", "JSON (*.json)"),
            "npz": (f"{stem}-activations.npz", "NumPy archives (*.npz)"),
        }
        name, filters = suggestions[key]
        chosen = self._choose(self.buttons[key].text().rstrip("…"), name, filters)
        if not chosen:
            return None
        path = Path(chosen)
        try:
            self._write(key, path, result)
        except OSError as error:
            self.say(f"Could not write {path.name}: {os_reason(error)}")
            return None
        except ValueError as error:
            self.say(str(error))
            return None
        return path

    def _write(self, key: str, path: Path, result) -> None:
        job = self.window_.current_job
        if key == "png":
            image = slides.save_png(self.target, path, self.scale)
            self.say(f"Saved {path} ({image.width()}×{image.height()} px)")
            return
        if key == "animation":
            scale, colours = self.scale, self.window_.feature_maps_panel.colormap_combo.currentText()
            still = (lambda: layer_sweep_frames(result, scale, colours)) if result is not None else None
            self.recorder.start(self.target, path, self.frames_spin.value(), self.interval_spin.value(), scale, still)
            return
        if key == "csv":
            slides.save_stats_csv(path, result)
        elif key == "json":
            ablations = job.view.ablations if job is not None else ()
            slides.save_stats_json(path, result, ablations, job.source.label if job is not None else None)
        else:
            slides.save_activations(path, result)
        self.say(f"Saved {path}")

    def present(self) -> None:
        self.refresh_targets()
        self.show()
        self.raise_()


def show_export_dialog(window) -> ExportDialog:
    """The window's export dialog (one, kept between uses), shown and raised."""
    dialog = window.findChild(ExportDialog) or ExportDialog(window)
    dialog.present()
    return dialog
