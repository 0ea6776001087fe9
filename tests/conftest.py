import os

# Qt must never try to open a real display in tests or CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest  # noqa: E402 - after the environment is set


@pytest.fixture(autouse=True, scope="session")
def weights_record_in_a_temporary_folder(tmp_path_factory):
    """The record of verified weights files (core/model/verified.py) never goes to the
    user's own cache from a test."""
    from alexnet_viewer.core.model import verified

    verified.RECORD_DIR = tmp_path_factory.mktemp("user-cache")
    yield
    verified.RECORD_DIR = None


PATIENT_MS = 30000


@pytest.fixture(autouse=True, scope="session")
def patient_waits():
    """CI machines are shared and slow: every ``qtbot.waitUntil`` / ``waitSignal`` gets at
    least 30 s. A wait ends as soon as its condition holds, so this costs a passing test
    nothing; a short timeout only ever turned a slow machine into a failure. (The GPU machine
    has no Qt and no pytest-qt: nothing to patch there.)"""
    try:
        from pytestqt.qtbot import QtBot
    except ImportError:
        yield
        return

    wait_until, wait_signal = QtBot.waitUntil, QtBot.waitSignal

    def patient_until(self, callback, *, timeout=PATIENT_MS):
        return wait_until(self, callback, timeout=max(timeout, PATIENT_MS))

    def patient_signal(self, signal, *, timeout=PATIENT_MS, **kwargs):
        return wait_signal(self, signal, timeout=max(timeout, PATIENT_MS), **kwargs)

    QtBot.waitUntil, QtBot.waitSignal = patient_until, patient_signal
    yield
    QtBot.waitUntil, QtBot.waitSignal = wait_until, wait_signal


@pytest.fixture(scope="session")
def loaded_model():
    """One random-weights AlexNet for the whole run (building one takes about a second)."""
    from alexnet_viewer.core.model.loader import WeightsSpec, load_model

    return load_model(WeightsSpec.random(seed=0), device="cpu")


@pytest.fixture(scope="session")
def shared_engine(loaded_model):
    from alexnet_viewer.core.frame.engine import Engine

    return Engine(loaded_model)


@pytest.fixture(scope="session")
def engine(shared_engine):
    return shared_engine


# After the last report the run leaves without the interpreter's finalisation, as pyqtgraph's
# own ``pg.exit()`` does for the same reason: with a whole suite's Qt, pyqtgraph and torch
# objects (and daemon threads still finishing a batch) left to the garbage collector,
# finalisation through PySide6 took minutes after "N passed" and ended in a segmentation
# fault (exit 139) on runs whose every test had passed. Every result is reported and flushed
# by then; the app's own exit is tested in a process of its own (tests/qt/test_window_app.py).
# ALEXNET_VIEWER_TESTS_FINALISE=1 keeps the ordinary exit, to study finalisation itself.
_EXIT_STATUS = [0]


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS[0] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if os.environ.get("ALEXNET_VIEWER_TESTS_FINALISE") == "1":
        return
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS[0])
