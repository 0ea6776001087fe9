"""Building and opening unit atlases from the window, in the background.

Units › Build atlas from folder… builds (or brings up to date) the atlas of a picture
folder with core/atlas/build.py behind a cancellable progress dialog; the atlas lives in
the folder the settings remember for that picture folder when it was built with the same
weights, else in one of its own (named after the folder and the weights) under the
application's data folder. Units › Open atlas… opens any atlas folder. Showing a picture
from a folder with a remembered atlas opens that atlas when none is open.

The build runs on a private, hook-free copy of the engine's network (shared weights): the
atlas's hooks must not see the live frames the engine runs at the same time. Pictures are
decoded in the build's own process (``workers=0``: a few threads between batches): no
processes are spawned from a QThread.
A cancelled build writes nothing new: what it flushed since the last commit is deleted, and
an atlas folder it made and left empty is removed.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from alexnet_viewer.core.user_folders import data_folder
from alexnet_viewer.qt.units.latest import Latest
from alexnet_viewer.qt.units.task import BackgroundTask, TaskCancelled, TaskSlot

CPU_BATCH, DEVICE_BATCH = 16, 128  # small on a CPU so that Cancel answers within a batch


@dataclass(frozen=True, eq=False)  # compared by identity: a manifest can list a million files
class OpenedAtlas:
    folder: Path
    manifest: object  # core.atlas.store.Manifest

    @property
    def crop(self) -> tuple[int, int]:
        return tuple((list(self.manifest.preprocess["crop"]) * 2)[:2])

    @property
    def draft(self) -> tuple[int, int] | None:
        draft = self.manifest.preprocess.get("jpeg_draft")
        return None if draft is None else (int(draft[0]), int(draft[1]))

    @property
    def pictures(self) -> int:
        return len(self.manifest.files)

    @property
    def name(self) -> str:
        """The picture folders it was built from, by name."""
        names = [Path(folder).name or folder for folder in self.manifest.folders] or [self.folder.name]
        return names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")


@dataclass(frozen=True)
class BuildOutcome:
    atlas: OpenedAtlas
    report: object  # core.atlas.build.BuildReport
    bad: list[str] = field(default_factory=list)


def default_atlas_root() -> Path:
    return data_folder("atlases")


def default_atlas_folder(root: Path, pictures: Path, fingerprint: str) -> Path:
    """A folder of its own for each picture folder and weights: its name and a hash of both."""
    pictures = Path(pictures).absolute()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", pictures.name or "root")[:40]
    key = hashlib.sha1(f"{pictures}\n{fingerprint}".encode()).hexdigest()[:10]
    return root / f"{name}-{key}"


def _built_with(folder: Path) -> tuple[str | None, bool]:
    """The weights' SHA-256 an existing atlas records (None when there is none), and
    whether its manifest is damaged (then the build starts it again, like --force)."""
    from alexnet_viewer.core.atlas.store import AtlasError, read_manifest

    try:
        manifest = read_manifest(folder) if folder.is_dir() else None
    except AtlasError:
        return None, True
    return (None if manifest is None else manifest.weights.get("sha256")), False


def open_atlas_folder(folder: Path) -> OpenedAtlas:
    """The atlas in ``folder``, its top-K read once to check it; AtlasError (one sentence)."""
    from alexnet_viewer.core.atlas.lookup import open_atlas
    from alexnet_viewer.core.atlas.store import read_top

    manifest = open_atlas(folder)
    read_top(folder, manifest)
    return OpenedAtlas(Path(folder).absolute(), manifest)


def build_work(loaded, spec, pictures: Path, remembered: Path | None, root: Path, options,
               task: BackgroundTask) -> BuildOutcome:
    """The build, in the task's thread: into the remembered atlas when it has these weights,
    else into this folder's and these weights' own atlas under ``root``."""
    from alexnet_viewer.core.atlas.build import build_atlas
    from alexnet_viewer.core.visualize.cache import weights_fingerprint
    from alexnet_viewer.core.visualize.network import private_model

    fingerprint = weights_fingerprint(loaded.model)
    task.check()
    out = remembered
    if out is None or _built_with(out)[0] not in (None, fingerprint):
        out = default_atlas_folder(root, pictures, fingerprint)
    if _built_with(out)[1]:
        options = replace(options, force=True)  # a damaged manifest: start that atlas again
    made = not out.exists()
    private = replace(loaded, model=private_model(loaded.model))
    bad: list[str] = []

    def progress(done: int, total: int) -> None:
        task.report(done, total, f"{done:,} of {total:,} pictures")
        task.check()

    try:
        report = build_atlas(private, [pictures], out, options, spec=spec, progress=progress, on_bad=bad.append,
                             after_batch=lambda _step: task.check())
    except TaskCancelled:
        raise TaskCancelled(_clean_after_stop(out, made)) from None
    return BuildOutcome(open_atlas_folder(out), report, bad)


def _clean_after_stop(out: Path, made: bool) -> str:
    """Drop what the stopped build wrote after its last commit; the sentence to show."""
    from alexnet_viewer.core.atlas.store import (
        AtlasError,
        read_manifest,
        remove_unreferenced,
    )

    try:
        manifest = read_manifest(out)
    except AtlasError:
        return "Stopped; the atlas folder was already damaged."
    remove_unreferenced(out, manifest)
    if manifest is None:
        from alexnet_viewer.core.atlas.codes import FOLDER

        shutil.rmtree(out / FOLDER, ignore_errors=True)  # relu7 codes of pictures no atlas lists
        if made:
            try:
                out.rmdir()
            except OSError:
                pass
        return "Stopped: no atlas was written."
    if manifest.complete:
        return f"Stopped: the atlas is as it was ({len(manifest.files):,} pictures)."
    return f"Stopped: the atlas keeps the {len(manifest.files):,} pictures done so far; build again to finish it."


class AtlasJobs(QObject):
    """The window's atlas: building, opening, remembering; ``opened(OpenedAtlas)`` when one opens."""

    opened = Signal(object)
    built = Signal(object)  # BuildOutcome, after ``opened``
    build_stopped = Signal(str)
    failed = Signal(str)

    def __init__(self, services) -> None:
        super().__init__(services.parent)
        self.services = services
        self.parent_widget = services.parent  # dialogs sit over the window
        self.current: OpenedAtlas | None = None
        self.root: Path | None = None  # where new atlases go; None: default_atlas_root()
        self.batch_size: int | None = None  # None: CPU_BATCH, DEVICE_BATCH on an accelerator
        self.dialog: QProgressDialog | None = None
        self._build = TaskSlot()
        # Opening: the newest folder asked for wins.
        self._opener = Latest("AtlasOpen", lambda folder, _task: open_atlas_folder(folder), self._on_opened,
                              self._fail, self, what="Opening the atlas")

    @property
    def building(self) -> bool:
        return self._build.busy

    # Menu commands
    def build_dialog(self) -> None:
        current = self.services.current_path()
        start = current.parent if current else self.services.settings.last_folder()
        chosen = QFileDialog.getExistingDirectory(self.parent_widget, "Build a unit atlas from the pictures in…",
                                                  str(start or Path.home()))
        if chosen:
            self.build(Path(chosen))

    def open_dialog(self) -> None:
        start = self.current.folder.parent if self.current else (self.root or default_atlas_root())
        chosen = QFileDialog.getExistingDirectory(self.parent_widget, "Open a unit atlas", str(start))
        if chosen:
            self.open(Path(chosen))

    def build(self, pictures: Path) -> bool:
        """Build the atlas of ``pictures`` in the background; False if it could not start."""
        from alexnet_viewer.core.atlas.build import BuildOptions

        services = self.services
        loaded = services.loaded_model()
        if self._build.busy:
            services.say("An atlas is being built already.")
            return False
        if loaded is None:
            self._fail("The atlas needs the network: wait until the weights have loaded.")
            return False
        pictures = Path(pictures).absolute()
        remembered = services.settings.atlas_for_folder(pictures)
        root = self.root or default_atlas_root()
        batch = self.batch_size or (CPU_BATCH if loaded.device.type == "cpu" else DEVICE_BATCH)
        options = BuildOptions(batch_size=batch, workers=0)
        spec = services.weights_in_use()
        self.dialog = self._progress_dialog(pictures)
        self.dialog.canceled.connect(self._build.cancel)
        self.dialog.rejected.connect(self._build.cancel)  # Escape
        self._build.start("AtlasBuild", lambda t: build_work(loaded, spec, pictures, remembered, root, options, t),
                          "Building the atlas", progressed=self._on_build_progress, succeeded=self._on_built,
                          failed=self._on_build_failed, stopped=self._on_build_stopped)
        return True

    def open(self, folder: Path) -> None:
        """Open the atlas in ``folder`` in the background (a newer request wins)."""
        self._opener.submit(Path(folder).absolute())

    def picture_shown(self, path: Path | None) -> None:
        """Open the remembered atlas of the shown picture's folder (or one above it) if none is open."""
        if path is None or self.current is not None or self._opener.busy or self._build.busy:
            return
        for folder in Path(path).parents:
            atlas = self.services.settings.atlas_for_folder(folder)
            if atlas is not None:
                if (atlas / "manifest.json").is_file():
                    self.open(atlas)
                return

    # Results (GUI thread)
    def _progress_dialog(self, pictures: Path) -> QProgressDialog:
        dialog = QProgressDialog(f"Finding the pictures in {pictures.name or pictures}…", "Cancel", 0, 0, self.parent_widget)
        dialog.setWindowTitle("Building the unit atlas")
        dialog.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable meanwhile
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.show()
        return dialog

    def _on_build_progress(self, done: int, total: int, text: str) -> None:
        if self.dialog is not None and self.dialog.wasCanceled() and self._build.busy:
            self._build.cancel()  # cancel() called on the dialog itself emits no ``canceled``
        elif self.dialog is not None:
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(min(done, total))
            self.dialog.setLabelText(f"Running the pictures through the network: {text}")

    def _end_build(self) -> None:
        self._build.forget()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_built(self, outcome: BuildOutcome) -> None:
        self._end_build()
        report = outcome.report
        text = f"Atlas of {report.pictures:,} pictures ready"
        if not report.up_to_date:
            text += f" ({report.processed:,} new or changed, {report.reused:,} unchanged)"
        if outcome.bad:
            text += f"; {len(outcome.bad)} file(s) could not be used, e.g. {outcome.bad[0]}"
        if report.repaired:
            text += f"; damaged atlas files were rebuilt ({report.repaired[0].rstrip('.')})"
        self._show(outcome.atlas)
        self.services.say(text + ".")
        self.built.emit(outcome)

    def _on_build_failed(self, message: str) -> None:
        self._end_build()
        self._fail(message)

    def _on_build_stopped(self, message: str) -> None:
        self._end_build()
        self.services.say(message)
        self.build_stopped.emit(message)

    def _on_opened(self, _folder: Path, atlas: OpenedAtlas) -> None:
        self._show(atlas)
        note = "" if atlas.manifest.complete else " (incomplete: its build was stopped; build again to finish it)"
        self.services.say(f"Opened the atlas of {atlas.name}: {atlas.pictures:,} pictures{note}.")

    def _show(self, atlas: OpenedAtlas) -> None:
        self.current = atlas
        for folder in atlas.manifest.folders:
            self.services.settings.set_atlas_for_folder(Path(folder), atlas.folder)
        self.opened.emit(atlas)

    def _fail(self, message: str) -> None:
        self.services.show_error(message)
        self.failed.emit(message)
