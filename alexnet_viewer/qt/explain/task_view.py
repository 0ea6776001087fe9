"""A view that runs one task at a time: a status line, Run and Stop buttons, a progress bar.

The subclass makes ``status``, ``run_button``, ``stop_button`` and ``progress`` and says how
many steps a run has (``_steps``); this class keeps them in step with its ``TaskSlot``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from alexnet_viewer.qt.panels.style import set_text_if_changed
from alexnet_viewer.qt.units.task import TaskSlot


class TaskView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._slot = TaskSlot()

    def _steps(self) -> int:
        raise NotImplementedError

    def stop(self) -> None:
        self._slot.cancel()

    def _say(self, text: str) -> bool:
        set_text_if_changed(self.status, text)
        return False

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.progress.setRange(0, 1 if not running else self._steps())
        self.progress.setValue(0)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self._say(text)
