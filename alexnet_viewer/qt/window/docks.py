"""The views in docks, grouped by workspace: what is built where, switching, the kept layout.

The picture and the top-5 sit on the left in every workspace. Each other view belongs to
one workspace (``add_view``) and shows only there: *Look* (the feature maps in the middle,
with the conv1 filters, statistics and edits beside them), *Why* (the explanations),
*Inside* (the feature maps with the architecture and formula, ablation next to A/B),
*Units* (atlas, visualise, evaluate) and *Papers*. Switching writes ``state.workspace``
(one click on the workspace bar or keys 1–5); the arrangement a user makes in a workspace
is kept for the next time it is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabBar, QToolBar, QWidget

from alexnet_viewer.core.session import WORKSPACES, ViewerState

DEFAULT_SIZE = (1280, 800)
TITLES = {"look": "Look", "why": "Why", "inside": "Inside", "units": "Units", "papers": "Papers"}
HINTS = {
    "look": "What each layer shows: the feature maps, the conv1 filters, statistics, edits",
    "why": "Why it thinks so: the parts of the picture behind a class or a unit",
    "inside": "How a cell is computed: architecture, formula, receptive fields, ablation with A/B",
    "units": "What single units look for: atlas, visualisation, accuracy on a folder",
    "papers": "What the papers showed, figure by figure",
}
CENTRAL_IN = ("look", "inside")  # the workspaces that show the feature maps in the middle
MAX_TABS = 4
FIT_BACK_MS = (0, 50, 250)
class Docks:
    """Every dock of ``window`` and the workspace each belongs to."""

    def __init__(self, window: QMainWindow, state: ViewerState) -> None:
        self.window = window
        self.state = state
        self.docks: list[QDockWidget] = []
        self.workspace_of: dict[QDockWidget, str] = {}
        self.always: list[QDockWidget] = []  # the picture and the top-5
        self.panels: dict[str, QWidget] = {}  # dock name -> its panel (also while presentation mode holds it)
        self._kept: dict[str, QByteArray] = {}  # the arrangement last seen in each workspace
        self._shown: str | None = None
        self.toolbar = QToolBar("Workspaces", window)
        self.toolbar.setObjectName("workspaces_toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        group = QActionGroup(window)
        self.actions: dict[str, QAction] = {}
        for number, name in enumerate(WORKSPACES, start=1):
            action = QAction(TITLES[name], window)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(str(number)))
            action.setToolTip(f"{HINTS[name]} (key {number})")
            action.triggered.connect(lambda _=False, n=name: state.select_workspace(n))
            group.addAction(action)
            self.toolbar.addAction(action)
            window.addAction(action)
            self.actions[name] = action
        self.hint = QLabel()
        self.hint.setContentsMargins(16, 0, 8, 0)
        self.toolbar.addWidget(self.hint)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        state.events.workspace.connect(self._switch)

    # Building
    def dock(self, title: str, name: str, panel: QWidget, workspace: str | None) -> QDockWidget:
        """A dock for ``panel``; ``workspace`` None keeps it in every workspace."""
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)  # saveState/restoreState find docks by name
        if hasattr(panel, "set_title_visible"):
            panel.set_title_visible(False)  # the dock's title names it already
        dock.setWidget(panel)
        self.panels[name] = panel
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.docks.append(dock)
        if workspace is None:
            self.always.append(dock)
        else:
            if workspace not in WORKSPACES:
                raise ValueError(f"unknown workspace {workspace!r}; the workspaces are {', '.join(WORKSPACES)}")
            self.workspace_of[dock] = workspace
        return dock

    def add_view(self, workspace: str, title: str, widget: QWidget, name: str | None = None) -> QDockWidget:
        """Put ``widget`` in ``workspace`` as a tab of its right column (a new column after
        ``MAX_TABS`` tabs); it shows whenever that workspace is shown."""
        name = name or "view_" + "".join(c if c.isalnum() else "_" for c in title.lower())
        dock = self.dock(title, name, widget, workspace)
        area = Qt.DockWidgetArea.RightDockWidgetArea
        group = [d for d in self.docks if self.workspace_of.get(d) == workspace and d is not dock]
        self.window.addDockWidget(area, dock)
        tabs_with = [d for d in group if self.window.dockWidgetArea(d) == area and not d.isFloating()]
        if tabs_with and len(self.window.tabifiedDockWidgets(tabs_with[-1])) + 1 < MAX_TABS:
            self.window.tabifyDockWidget(tabs_with[-1], dock)
        self._kept.pop(workspace, None)  # its designed arrangement takes the new view in
        if self._shown is not None:
            dock.setVisible(workspace == self._shown)
        return dock

    def of(self, workspace: str) -> list[QDockWidget]:
        return [d for d in self.docks if self.workspace_of.get(d) == workspace]

    def in_front(self, workspace: str) -> QDockWidget | None:
        """The view of ``workspace`` a person sees first: its first dock on screen (a tab in
        front), or its first dock when the workspace is not shown."""
        docks = self.of(workspace)
        shown = [d for d in docks if d.isVisible()] if workspace == self._shown else []
        return (shown or docks or [None])[0]

    # Switching
    def _switch(self, name: str) -> None:
        window = self.window
        if self._shown is not None:
            self._kept[self._shown] = window.saveState()
        self._shown = name
        self.actions[name].setChecked(True)
        self.hint.setText(HINTS[name])
        central = window.centralWidget()
        if central is not None and not self.state.presentation:
            central.setVisible(name in CENTRAL_IN or name == "papers" and not self.of("papers"))
        kept = self._kept.get(name)
        size = window.size()
        # Qt leaves the tab bars of the layout it replaces on screen ("fc7 neighbours | Atlas
        # map" stayed drawn over Inside); it shows again each one the new layout uses.
        for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            bar.hide()
        if kept is None or not window.restoreState(kept):
            self.arrange(name)
        # Docks placed or restored one by one may grow the window for a moment; the
        # workspace fits the size it had, so it gets that size back.
        if window.isVisible():
            for delay_ms in FIT_BACK_MS:  # the dock layout settles over a few event-loop turns
                QTimer.singleShot(delay_ms, window, lambda: self._fit_back(size))
        for dock, workspace in self.workspace_of.items():
            if workspace != name:
                dock.hide()  # also one the kept arrangement did not know yet
        for dock in self.always:
            dock.setVisible(True)

    def _fit_back(self, size) -> None:
        window = self.window
        if self.state.presentation:
            return  # the stage has the size presentation mode gave it
        if window.isVisible() and not window.windowState() & (Qt.WindowState.WindowMaximized
                                                              | Qt.WindowState.WindowFullScreen):
            window.resize(size.expandedTo(window.minimumSizeHint()))

    def show(self, name: str) -> None:
        """Show ``name`` now (also when it is the state's workspace already)."""
        if self.state.workspace == name:
            self._switch(name)
        else:
            self.state.select_workspace(name)

    def arrange(self, name: str) -> None:
        """The designed layout of workspace ``name``: its docks on the right, tabbed in groups."""
        window = self.window
        # Each placed at once where it goes: stacked for a moment, they would make the
        # window taller than the screen, and it would stay so.
        for dock in self.docks:
            if dock not in self.always:
                dock.setFloating(False)
                dock.hide()
        right = Qt.DockWidgetArea.RightDockWidgetArea
        groups = self.design(name)
        previous = None
        for number, group in enumerate(groups):
            first = group[0]
            first.show()
            if previous is None:
                window.addDockWidget(right, first)
            else:
                # Inside: ablation and A/B side by side under the architecture and formula.
                beside = name == "inside" and number == 2 and len(groups) == 3
                window.splitDockWidget(previous, first, Qt.Orientation.Horizontal if beside else self.split_of(name))
            previous = first
        # Tabs only once every group has its place: a dock split off a tabbed one would
        # become one more tab of it.
        for group in groups:
            for dock in group[1:]:
                dock.show()
                window.tabifyDockWidget(group[0], dock)
            group[0].raise_()
        self._size(name, groups)

    def design(self, name: str) -> list[list[QDockWidget]]:
        """The tab groups of workspace ``name``, at most ``MAX_TABS`` tabs each."""
        docks = self.of(name)
        window = self.window
        if name == "inside":
            pair = [d for d in docks if d in (window.ablation_dock, window.compare_dock)]
            others = [d for d in docks if d not in pair]
            return [g for g in (others[:MAX_TABS], *([d] for d in pair)) if g] + self._chunks(others[MAX_TABS:])
        return self._chunks(docks)

    @staticmethod
    def _chunks(docks: list[QDockWidget]) -> list[list[QDockWidget]]:
        return [docks[i:i + MAX_TABS] for i in range(0, len(docks), MAX_TABS)]

    @staticmethod
    def split_of(name: str) -> Qt.Orientation:
        return Qt.Orientation.Vertical if name in CENTRAL_IN else Qt.Orientation.Horizontal

    def _size(self, name: str, groups: list[list[QDockWidget]]) -> None:
        window = self.window
        width, height = window.width(), window.height()
        left = max(260, min(440, int(width * 0.24)))
        firsts = [group[0] for group in groups]
        if name in CENTRAL_IN:
            # Inside puts ablation and A/B side by side: their column needs room for two.
            right = max(360, min(900, int(width * 0.45))) if name == "inside" else max(360, min(560, int(width * 0.3)))
            window.resizeDocks([window.input_dock, *firsts[:1]], [left, right], Qt.Orientation.Horizontal)
        elif firsts:
            rest = max(400, width - left - 40)
            window.resizeDocks([window.input_dock, *firsts], [left, *[rest // len(firsts)] * len(firsts)],
                               Qt.Orientation.Horizontal)
        usable = max(400, height - 120)
        if name in CENTRAL_IN and len(firsts) > 1:
            window.resizeDocks(firsts[:2], [int(usable * 0.45), int(usable * 0.55)], Qt.Orientation.Vertical)
            if name == "inside" and len(groups) == 3:
                half = max(200, (width - left) // 4)
                window.resizeDocks(firsts[1:3], [half, half], Qt.Orientation.Horizontal)
        window.resizeDocks([window.input_dock, window.top5_dock], [int(usable * 0.45), int(usable * 0.55)],
                           Qt.Orientation.Vertical)

    def place_always(self) -> None:
        """The picture above the top-5 on the left."""
        window = self.window
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        window.addDockWidget(left, window.input_dock)
        window.addDockWidget(left, window.top5_dock)
        window.splitDockWidget(window.input_dock, window.top5_dock, Qt.Orientation.Vertical)

    def reset(self) -> None:
        """View › Reset layout: every workspace back to its design, the current one shown."""
        self._kept.clear()
        self.place_always()
        self.arrange(self.state.workspace)

    def bring_up(self, dock: QDockWidget) -> None:
        """Show ``dock``'s workspace and put its tab in front."""
        workspace = self.workspace_of.get(dock)
        if workspace is not None and workspace != self._shown:
            self.show(workspace)
        dock.show()
        dock.raise_()

    def restore(self, settings) -> bool:
        """Geometry and dock layout from last time; False when there was no dock layout."""
        window = self.window
        geometry, state = settings.window_geometry(), settings.window_state()
        if geometry is None or not window.restoreGeometry(geometry):
            size = fitting_size()
            window.resize(*size)
            if size != DEFAULT_SIZE:  # the first run, on a screen smaller than the layout needs
                window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
        return state is not None and window.restoreState(state)


def fitting_size() -> tuple[int, int]:
    screen = QGuiApplication.primaryScreen()
    width, height = DEFAULT_SIZE
    if screen is not None:
        available = screen.availableGeometry()
        width, height = min(width, available.width()), min(height, available.height())
    return width, height
