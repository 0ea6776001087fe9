"""Starting the GUI: options from the command line, the QApplication, the window.

Nothing here imports torch: the window paints first ("Loading model…") and the
engine worker imports torch and loads the weights in its own thread.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alexnet_viewer.core.model.weights_spec import WeightsSpec
    from alexnet_viewer.qt.window.main_window import MainWindow

log = logging.getLogger(__name__)

APP_NAME = "AlexNet Viewer"
DEFAULT_SCREENSHOT_SIZE = (1600, 1000)


@dataclass
class GuiOptions:
    image: Path | None = None  # None: the first bundled sample
    weights: "WeightsSpec | None" = None  # None: what the user chose last, else pretrained
    device: str | None = None  # None: best available
    screenshot: Path | None = None  # save the window as PNG once IMAGE is shown, then exit
    layer: str | None = None  # feature-map layer shown first
    settings_path: Path | None = None  # an ini file instead of the user's settings (tests)
    screenshot_size: tuple[int, int] = DEFAULT_SCREENSHOT_SIZE
    presentation: bool = False  # presentation mode: full screen, or the screenshot's size
    explain: bool = False  # show the Explain panel on the top-1; a screenshot waits for its map
    workspace: str | None = None  # the workspace to open in; None: Look


def _ensure_platform_for_screenshot(options: GuiOptions) -> None:
    # A screenshot needs no screen: on a headless Linux box use the offscreen platform.
    if options.screenshot is None or os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _application():
    from PySide6.QtCore import QLoggingCategory
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    # Qt Multimedia lists every optional codec library it did not find (PipeWire, VA-API)
    # on each start; a missing one is normal and says nothing to a user.
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false\nqt.multimedia.ffmpeg.info=false")
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "alexnet-viewer"])
    app.setApplicationName("alexnet-viewer")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("AlexNetViewer")
    from alexnet_viewer.core.pictures.samples import icon_path

    icon = icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def check_options(options: GuiOptions) -> None:
    """Raise ValueError with a sentence for options the window cannot honour."""
    from alexnet_viewer.core.frame.layers import LAYER_NAMES

    if options.layer is not None and options.layer not in LAYER_NAMES:
        raise ValueError(f"Unknown layer '{options.layer}'; choose one of: {', '.join(LAYER_NAMES)}.")
    if options.screenshot is not None:
        width, height = options.screenshot_size
        if width < 200 or height < 200:
            raise ValueError("The screenshot size must be at least 200×200 pixels.")
        if first_picture(options) is None:
            raise ValueError("Nothing to show for --screenshot: no IMAGE was given and no bundled sample was found.")


def first_picture(options: GuiOptions) -> Path | None:
    if options.image is not None:
        return Path(options.image)
    from alexnet_viewer.core.pictures.samples import list_samples

    samples = list_samples()
    return samples[0][1] if samples else None


def create_window(options: GuiOptions, engine_factory=None) -> "MainWindow":
    """The window for ``options``, shown and started, its first picture posted."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from alexnet_viewer.qt.window.main_window import MainWindow
    from alexnet_viewer.qt.window.screenshot import ScreenshotRun
    from alexnet_viewer.qt.settings import ViewerSettings
    from alexnet_viewer.qt.window.startup_timing import install_startup_timer

    screenshot = options.screenshot is not None
    window = MainWindow(
        ViewerSettings(options.settings_path),
        engine_factory=engine_factory,
        weights=options.weights,
        device=options.device,
        layer=options.layer,
        interactive=not screenshot,
        restore_layout=not screenshot,  # screenshots are reproducible: default layout
    )
    window.startup_timer = install_startup_timer(window)
    if options.workspace is not None:
        window.state.select_workspace(options.workspace)
    window.screenshot_run = None
    if screenshot:
        ready = window.explain.controller.drawn if options.explain else None
        window.screenshot_run = ScreenshotRun(window, options.screenshot, options.screenshot_size, ready=ready)
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(*options.screenshot_size)
    window.show()
    if options.explain:
        window.explain.show_panel()
    if options.presentation:
        window.presentation.enter(full_screen=not screenshot, size=options.screenshot_size if screenshot else None)
    # Let the first frame paint before the worker starts importing torch.
    QApplication.processEvents()
    picture = first_picture(options)
    if picture is not None:
        window.open_path(picture, remember=options.image is not None and not screenshot)
    else:
        window.state.say("Open a picture: File › Open (Ctrl+O), drag and drop, or paste.")
    window.start()
    return window


def create_app(options: GuiOptions | None = None, exec_app: bool = True, *, engine_factory=None):
    """Build the QApplication and the window.

    With ``exec_app`` run the event loop and return the exit code; without it return the
    shown MainWindow (its ``screenshot_run.finished(code)`` reports a screenshot run).
    """
    options = options or GuiOptions()
    check_options(options)
    _ensure_platform_for_screenshot(options)
    app = _application()
    window = create_window(options, engine_factory)
    if not exec_app:
        return window
    run = window.screenshot_run
    if run is not None:
        run.finished.connect(lambda code: (window.close(), app.exit(code)))
    code = app.exec()
    window.close()
    window.deleteLater()
    if run is not None:
        return run.exit_code if run.exit_code is not None else 3
    return int(code)


def run_gui(options: GuiOptions, *, engine_factory=None) -> int:
    """Entry point for the CLI: show the window until it is closed; the process exit code."""
    from alexnet_viewer.qt.worker.log_file import install_log_file

    install_log_file()  # messages that say "see the log" name this file
    from alexnet_viewer.cli.qt_preflight import EXIT_MISSING_LIBRARIES, check_platform_libraries

    _ensure_platform_for_screenshot(options)
    problem = check_platform_libraries()  # before Qt can abort on a missing xcb library
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_MISSING_LIBRARIES
    try:
        return int(create_app(options, exec_app=True, engine_factory=engine_factory))
    except ValueError as error:
        print(f"alexnet-viewer: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
