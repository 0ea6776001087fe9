"""What the window lends its tools (Inspect, Units, Explain): a few narrow services, not itself.

A tool reads and writes the viewer state, listens to ``result_shown`` and ``weights_ready``,
and asks for what only the window can do through these functions; it never reaches into
another panel or into the window.
"""

from __future__ import annotations

from pathlib import Path


class Services:
    def __init__(self, window) -> None:
        self._window = window
        self.state = window.state
        self.settings = window.settings
        self.result_shown = window.result_shown  # (Result, Job) once every panel shows it
        self.weights_ready = window.worker.weights_ready
        self.parent = window  # the QObject tools hang off (they go when the window goes)

    def loaded_model(self):
        """The network the engine runs (core LoadedModel), or None before the weights arrive."""
        return self._window.worker.loaded_model

    def weights_in_use(self):
        return self._window.weights.in_use

    def current_job(self):
        return self._window.current_job

    def current_path(self) -> Path | None:
        return self._window.current_path

    def bring_up(self, view: str) -> None:
        """Show the view called ``view`` ("compare", "ablation", "atlas", ...) in front."""
        self._window.bring_up(getattr(self._window, f"{view}_dock"))

    def open_path(self, path) -> int:
        return self._window.open_path(Path(path))

    def post_frame(self, image, label: str) -> int:
        self._window.live.stop()
        return self._window.post_frame(image, label)

    def say(self, text: str, level: str = "info") -> None:
        self.state.say(text, level)

    def show_error(self, text: str, *, about_picture: bool = False) -> None:
        self._window.show_error(text, about_picture=about_picture)
