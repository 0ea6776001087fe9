"""Shared support for the Explain window tests: a window with a picture on screen and its
Explain panel in front, and waiting for the next explanation drawn."""

from __future__ import annotations

from tests.qt.inspect_helpers import gradient_picture, open_window


def explain_window(make_window, qtbot, shared_engine, folder, *, before_start=None, **kwargs):
    """(window, result) with the Explain dock in front; ``before_start(window)`` runs first."""
    window, result = open_window(make_window, qtbot, shared_engine, gradient_picture(folder), **kwargs)
    if before_start is not None:
        before_start(window)
    window.explain.show_panel()
    return window, result


def wait_drawn(qtbot, window, condition=lambda explanation: True, timeout: int = 30000):
    """The explanation on the panel once one for which ``condition`` holds is drawn."""
    panel = window.explain.panel
    qtbot.waitUntil(lambda: panel.explanation is not None and condition(panel.explanation), timeout=timeout)
    return panel.explanation
