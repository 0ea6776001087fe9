"""Fixtures for the window tests: one random-weights engine per session, windows whose
settings live in a temporary ini file, and engines that are deliberately slow."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, QSettings, Qt, Slot

from alexnet_viewer.core.model.weights_spec import WeightsSpec


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path_factory, monkeypatch):
    # Anything that falls back to default QSettings lands in a temp folder, never in ~/.config;
    # so does a log file.
    folder = tmp_path_factory.mktemp("user-settings")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(folder))
    from alexnet_viewer.qt.worker import log_file

    monkeypatch.setattr(log_file, "LOG_FOLDER", folder / "logs")
    yield
    log_file.uninstall_log_file()


class RecordingFactory:
    """Engine factory for windows: random weights give the shared engine, fast, in a new
    ``EngineWrapper`` for each load (so the worker can close one without closing the shared
    engine).

    Other specs go to the real loader (tests monkeypatch ``core.model.load_model``).
    ``wrap`` turns the engine into, e.g., a slow one.
    """

    def __init__(self, engine, wrap=None, before=None):
        self.engine = engine
        self.wrap = wrap
        self.before = before  # called with (spec, progress, should_cancel) first
        self.specs = []
        self.devices = []
        self.made = []  # the engines handed out, in order

    def __call__(self, spec, device, progress, should_cancel):
        self.specs.append(spec)
        self.devices.append(device)
        if self.before is not None:
            self.before(spec, progress, should_cancel)
        if spec.kind == "random":
            engine = EngineWrapper(self.engine)
        else:
            from alexnet_viewer.qt.worker.engine_worker import default_engine_factory

            engine = default_engine_factory(spec, device, progress, should_cancel)
        engine = self.wrap(engine) if self.wrap else engine
        self.made.append(engine)
        return engine


class EngineWrapper:
    """Stands in for an engine: its weights and device, a thread-safe record of the frames it
    ran (the worker runs several frames at once on a CPU), and of ``close`` calls, which do
    not reach the wrapped engine (the session's engine is shared by every test)."""

    def __init__(self, engine):
        self.engine = engine
        self.processed: list[int] = []
        self.redrawn: list[int] = []  # frames served from a shown result, without a forward
        self.threads: set[str] = set()
        self.closed = 0
        self._lock = threading.Lock()

    @property
    def weights(self):
        return self.engine.weights

    @property
    def device(self):
        return self.engine.device

    def prepare(self, image, timings=False):
        return self.engine.prepare(image, timings=timings)

    def run(self, prepared, request, frame_id=0):
        self.record(frame_id)
        return self.engine.run(prepared, request, frame_id=frame_id)

    def rerender(self, result, request):
        with self._lock:
            self.redrawn.append(result.frame_id)
        return self.engine.rerender(result, request)

    def close(self):
        with self._lock:
            self.closed += 1

    def record(self, frame_id: int) -> None:
        with self._lock:
            self.processed.append(frame_id)
            self.threads.add(threading.current_thread().name)


class SlowEngine(EngineWrapper):
    """Each frame takes at least ``delay`` seconds (or fails after it) and is recorded."""

    def __init__(self, engine, delay: float = 0.5, fail_with: Exception | None = None):
        super().__init__(engine)
        self.delay = delay
        self.fail_with = fail_with

    def run(self, prepared, request, frame_id=0):
        time.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with
        return super().run(prepared, request, frame_id=frame_id)


@pytest.fixture
def settings_path(tmp_path) -> Path:
    return tmp_path / "settings" / "alexnet-viewer.ini"


@pytest.fixture
def engine_factory(shared_engine):
    return RecordingFactory(shared_engine)


@pytest.fixture
def make_viewer(qtbot, settings_path, engine_factory):
    """make_viewer(**MainWindow kwargs) -> a shown, started window with random weights, in
    settings of its own (a fresh ini file per test); as napari's ``make_napari_viewer``, it
    closes and destroys every window it made and fails the test on what is left behind: a
    running worker or background task, a thread the test started, a window, a modal dialog or
    a popup still on screen.

    It never lists ``QApplication.topLevelWidgets()``: over a whole suite's thousands of
    destroyed widgets, PySide6 handed back a stale wrapper there, and ``isVisible()`` on it
    ended the run with a segmentation fault (twice, at that line and nowhere else)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.qt.settings import ViewerSettings
    from alexnet_viewer.qt.units.task import running_tasks
    from alexnet_viewer.qt.window.main_window import MainWindow

    windows = []
    threads_before = set(threading.enumerate())

    def make(*, factory=None, weights=WeightsSpec.random(0), start=True, size=(1280, 800), **kwargs):
        window = MainWindow(
            ViewerSettings(settings_path),
            engine_factory=factory or engine_factory,
            weights=weights,
            **kwargs,
        )
        windows.append(window)
        # The offscreen screen (800x800) is smaller than the layout needs: a first run is
        # maximised there; a test gives its window a size of its own.
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(*size)
        window.show()
        if start:
            window.start()
        return window

    yield make
    for window in windows:
        window.close()
        assert not window.worker.isRunning()
    qtbot.waitUntil(lambda: not running_tasks(), timeout=30000)
    # Threads that would hold the process open (daemon ones, e.g. an explanation finishing
    # its batch on a busy machine, end with the process).
    qtbot.waitUntil(lambda: not [t for t in threading.enumerate()
                                 if t not in threads_before and t.is_alive() and not t.daemon], timeout=30000)
    left = [widget for widget in (*windows, QApplication.activeModalWidget(), QApplication.activePopupWidget())
            if widget is not None and widget.isVisible()]
    # Each window is destroyed here, as the app destroys its window on quit, rather than by
    # the garbage collector at some later test's random moment (or for minutes at exit).
    for window in windows:
        window.deleteLater()
    windows.clear()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert not left, f"widgets left on screen: {left}"


@pytest.fixture
def make_window(make_viewer):
    """The window tests' name for ``make_viewer``."""
    return make_viewer


def wait_for_frame(qtbot, window, frame_id: int, timeout: int = 30000):
    """Until the window shows a result for ``frame_id`` (or a newer one)."""
    qtbot.waitUntil(
        lambda: window.current_job is not None and window.current_job.frame_id >= frame_id, timeout=timeout
    )
    return window.current_result


class WorkerReturns(QObject):
    """Counts each job the engine worker hands back to the window (a result or a failure) on
    the GUI thread, after the window's own receivers had it: the barrier for "nothing more can
    arrive", where a test would otherwise wait a fixed time.

    Make it before the jobs it is to account for are taken. It relies on every job taken
    coming back as a result or a failure: true for pictures and frames run on an engine, not
    for the frames dropped during a device fault or an unreadable live frame.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.count = 0
        self._taken_before = window.worker.mailbox.counts().taken
        queued = Qt.ConnectionType.QueuedConnection
        window.worker.result_ready.connect(self._result, queued)
        window.worker.picture_failed.connect(self._failure, queued)

    @Slot(object, object)
    def _result(self, _result, _job) -> None:
        self.count += 1

    @Slot(object, str)
    def _failure(self, _job, _message) -> None:
        self.count += 1

    def settled(self) -> bool:
        """Nothing waits in the mailbox, every job taken came back, and the window drew or
        dropped it: what is on screen now stays until something new is posted."""
        counts = self.window.worker.mailbox.counts()
        return (counts.posted == counts.taken + counts.dropped
                and self.count == counts.taken - self._taken_before
                and self.window._pacer.idle)

    def wait_until_settled(self, qtbot, timeout: int = 30000) -> None:
        qtbot.waitUntil(self.settled, timeout=timeout)


def write_picture(path: Path, size=(64, 48), colour=(200, 40, 40)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    array = np.zeros((size[1], size[0], 3), np.uint8)
    array[:] = colour
    array[: size[1] // 2, : size[0] // 2] = (20, 180, 60)  # not uniform, so crops differ
    Image.fromarray(array).save(path)
    return path


@pytest.fixture
def picture(tmp_path) -> Path:
    return write_picture(tmp_path / "pictures" / "red.png")
