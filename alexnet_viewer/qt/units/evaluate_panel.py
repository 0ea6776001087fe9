"""Accuracy on a labelled folder in the window, and the mistakes, one click from each picture.

core/evaluate.py does the work (ImageNet's WordNet-id folders, class-index folders or
category-name folders) in the background with progress and Stop; the panel shows top-1
and top-5 next to torchvision's and the paper's figures, and lists every mistake (the true
label and the predicted top-5). Double-click or Enter on a mistake opens its picture.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)
from alexnet_viewer.qt.units.task import BackgroundTask, TaskSlot

CPU_BATCH = 16
HINT = ("Choose a labelled folder: ImageNet's 1000 WordNet-id folders, folders named by class index "
        "(0–999) or by category name.")
COLUMNS = ("picture", "true label", "predicted top-5")


def evaluate_work(loaded, folder: Path, limit: int | None, task: BackgroundTask):
    from alexnet_viewer.core.evaluate import evaluate_folder

    batch = CPU_BATCH if loaded.device.type == "cpu" else 64
    return evaluate_folder(loaded, folder, limit=limit, batch=batch, workers=0, cancelled=task.is_cancelled,
                           progress=lambda done, total: task.report(done, total, f"{done:,} of {total:,} pictures"))


class MistakesModel(QAbstractTableModel):
    """The report's mistakes as rows, read lazily (a large folder has tens of thousands)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.mistakes: tuple = ()
        self.categories: tuple[str, ...] = ()

    def set_report(self, report) -> None:
        self.beginResetModel()
        self.mistakes = () if report is None else report.mistakes
        self.categories = () if report is None else report.categories
        self.endResetModel()

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.mistakes)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        mistake = self.mistakes[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(mistake.path)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        names = self.categories
        if index.column() == 0:
            return mistake.path.name
        if index.column() == 1:
            return names[mistake.true]
        return ", ".join(names[i] for i in mistake.top5)


def figures_html(report) -> str:
    """This folder's top-1/top-5 beside the published figures, as a small table."""
    rows = []
    if report.count:
        rows.append((f"<b>this folder</b> ({report.count:,} pictures)", f"<b>{report.top1:.1%}</b>",
                     f"<b>{report.top5:.1%}</b>"))
    names = {"torchvision": "torchvision (ImageNet val)", "paper": "paper (ILSVRC-2010 test)"}
    for key, figures in report.published.items():
        rows.append((names.get(key, key), f"{figures['top1']:.1%}", f"{figures['top5']:.1%}"))
    cells = "".join(f"<tr><td>{a}</td><td align='right'>&nbsp;{b}</td><td align='right'>&nbsp;{c}</td></tr>"
                    for a, b, c in rows)
    html = f"<table><tr><th></th><th>&nbsp;top-1</th><th>&nbsp;top-5</th></tr>{cells}</table>"
    if not report.weights.trained:
        html += "<p><b>Untrained weights:</b> these figures are meaningless.</p>"
    if report.failures:
        html += f"<p>{len(report.failures)} file(s) could not be read, e.g. {report.failures[0].path.name}.</p>"
    return html


class EvaluatePanel(TitledPanel):
    open_picture = Signal(object)  # Path of a mistake
    evaluated = Signal(object)  # core EvaluationReport

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("Accuracy on a labelled folder")
        self.folder_label = caption_label("No folder chosen")
        self.choose_button = QPushButton("Choose folder…")
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(0, 10_000_000)
        self.limit_spin.setSpecialValueText("all")
        self.limit_spin.setToolTip("Evaluate at most this many pictures, taken round-robin over the classes")
        self.run_button = QPushButton("Evaluate")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.figures = caption_label(HINT, wrap=True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.mistakes = MistakesModel(self)
        self.table = QTableView()
        self.table.setModel(self.mistakes)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line a mistake, cut with "…"; the tooltip has the path
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.mistakes_label = caption_label("", wrap=True)
        self.hint = hint_label("Evaluate")

        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.folder_label, 1)
        first.addWidget(self.choose_button)
        second.addWidget(QLabel("Limit"))
        second.addWidget(self.limit_spin)
        second.addStretch(1)
        second.addWidget(self.run_button)
        second.addWidget(self.stop_button)
        layout = apply_spacing(QVBoxLayout(self), margins=0)
        for part in (self.title, first, second, self.progress, self.figures, self.mistakes_label):
            (layout.addLayout if isinstance(part, QHBoxLayout) else layout.addWidget)(part)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)

        self.loaded = None
        self.folder: Path | None = None
        self.report = None
        self._tasks = TaskSlot()
        self.choose_button.clicked.connect(self.choose_folder)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.stop)
        self.table.activated.connect(self._on_activated)  # double-click or Enter

    @property
    def busy(self) -> bool:
        return self._tasks.busy

    def set_model(self, loaded) -> None:
        self.loaded = loaded

    def choose_folder(self) -> None:
        start = self.folder.parent if self.folder is not None else Path.home()
        chosen = QFileDialog.getExistingDirectory(self, "Evaluate the labelled pictures in…", str(start))
        if chosen:
            self.set_folder(Path(chosen))
            self.run()

    def set_folder(self, folder: Path) -> None:
        self.folder = Path(folder).absolute()
        set_text_if_changed(self.folder_label, str(self.folder))
        self.folder_label.setToolTip(str(self.folder))

    def run(self) -> bool:
        if self._tasks.busy:
            return False
        if self.folder is None:
            self.figures.setText(HINT)
            return False
        if self.loaded is None:
            self.figures.setText("Wait until the weights have loaded.")
            return False
        loaded, folder, limit = self.loaded, self.folder, self.limit_spin.value() or None
        self._set_running(True)
        self.figures.setText(f"Evaluating {folder.name}…")
        self._tasks.start("Evaluate", lambda t: evaluate_work(loaded, folder, limit, t), "The evaluation",
                          progressed=self._on_progress, succeeded=self._on_done, failed=self._on_ended,
                          stopped=self._on_ended)
        return True

    def stop(self) -> None:
        self._tasks.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.choose_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.progress.setRange(0, 0 if running else 1)
        self.progress.setValue(0)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.figures.setText(f"Evaluating {self.folder.name}: {text}")

    def _on_done(self, report) -> None:
        self._tasks.forget()
        self._set_running(False)
        self.report = report
        self.figures.setText(figures_html(report))
        self.mistakes.set_report(report)
        count = len(report.mistakes)
        self.mistakes_label.setText(f"{count:,} mistake(s) in top-1" if count else "No mistakes in top-1.")
        self.table.resizeColumnToContents(0)
        self.evaluated.emit(report)

    def _on_ended(self, message: str) -> None:
        self._tasks.forget()
        self._set_running(False)
        self.figures.setText(message)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.mistakes.mistakes):
            self.open_picture.emit(self.mistakes.mistakes[index.row()].path)
