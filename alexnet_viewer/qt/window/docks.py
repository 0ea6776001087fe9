"""The panels and their docks: what is built, where each dock goes, and the remembered layout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from alexnet_viewer.qt.edits.controller import EditsController
from alexnet_viewer.qt.explain import Explain
from alexnet_viewer.qt.inspect import Inspect
from alexnet_viewer.qt.lecture.architecture_panel import ArchitecturePanel
from alexnet_viewer.qt.panels import (
    FeatureMapsPanel,
    FiltersPanel,
    InputPanel,
    StatsPanel,
    Top5Panel,
)
from alexnet_viewer.qt.units import Units
from alexnet_viewer.qt.window.banner import Banner

DEFAULT_SIZE = (1280, 800)


class DocksMixin(QMainWindow):
    """Builds the panels into docks around the feature maps; part of MainWindow."""

    def _build_panels(self) -> None:
        self.input_panel = InputPanel()
        self.top5_panel = Top5Panel()
        self.filters_panel = FiltersPanel()
        self.feature_maps_panel = FeatureMapsPanel()
        self.stats_panel = StatsPanel()
        self.architecture_panel = ArchitecturePanel()

        self.loading_banner = Banner("info", closable=False)
        self.untrained_banner = Banner("warning", closable=False)
        self.error_banner = Banner("error", closable=True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        for banner in (self.loading_banner, self.untrained_banner, self.error_banner):
            layout.addWidget(banner)
        layout.addWidget(self.feature_maps_panel, 1)
        self.feature_maps_panel.layout().setContentsMargins(0, 0, 0, 0)
        self.setCentralWidget(central)

        self.input_dock = self._dock("Input", "input_dock", self.input_panel)
        self.top5_dock = self._dock("Top-5: what AlexNet thinks", "top5_dock", self.top5_panel)
        self.filters_dock = self._dock("conv1 filters", "filters_dock", self.filters_panel)
        self.stats_dock = self._dock("Statistics", "stats_dock", self.stats_panel)
        self.architecture_dock = self._dock("Architecture", "architecture_dock", self.architecture_panel)
        self.edits = EditsController(self.input_panel, self)
        self.edits.changed.connect(lambda _edits: self._post_current())
        self.edits_dock = self._dock("Edits", "edits_dock", self.edits.panel)
        self.inspect = Inspect(self)  # receptive fields, formula, ablation, A/B
        self.formula_dock = self._dock("Formula", "formula_dock", self.inspect.formula_view)
        self.compare_dock = self._dock("A/B compare", "compare_dock", self.inspect.compare_panel)
        self.ablation_dock = self._dock("Ablation", "ablation_dock", self.inspect.ablation_panel)
        self.inspect_docks = (self.formula_dock, self.compare_dock, self.ablation_dock)
        self.units = Units(self)  # the unit atlas, activation maximisation, evaluation
        self.atlas_dock = self._dock("Unit atlas", "atlas_dock", self.units.atlas_panel)
        self.visualize_dock = self._dock("Visualise a unit", "visualize_dock", self.units.visualize_panel)
        self.evaluate_dock = self._dock("Evaluate", "evaluate_dock", self.units.evaluate_panel)
        self.units_docks = (self.atlas_dock, self.visualize_dock, self.evaluate_dock)
        self.explain = Explain(self)  # Grad-CAM, guided backprop, deconvnet, occlusion of the frame shown
        self.explain_panel = self.explain.panel  # presentation mode's "E" view
        self.explain_dock = self._dock("Explain", "explain_dock", self.explain_panel)
        self.explain.watch(self.explain_dock)
        self.docks = (self.input_dock, self.top5_dock, self.filters_dock, self.stats_dock, self.edits_dock,
                      self.architecture_dock, *self.inspect_docks, *self.units_docks, self.explain_dock)
        self.on_demand_docks = (self.architecture_dock, self.compare_dock, self.ablation_dock, *self.units_docks)
        # Compact until shown: a split right column would force a minimum height of ~810 px.
        self._arrange_docks(tabbed_right=True)

        self.feature_maps_panel.layer_changed.connect(self._on_layer_changed)
        self.feature_maps_panel.channel_order_changed.connect(self._on_channel_order_changed)
        self.filters_panel.filter_clicked.connect(self._on_filter_clicked)
        self.stats_panel.layer_selected.connect(self.feature_maps_panel.select_layer)
        self.stats_dock.visibilityChanged.connect(self._on_statistics_shown)
        self.architecture_panel.layer_selected.connect(self.set_layer)
        self.feature_maps_panel.layer_changed.connect(self.architecture_panel.set_current_layer)

    def _arrange_docks(self, tabbed_right: bool) -> None:
        """The default layout: what goes in and comes out on the left, the details on the right.

        On a narrow window the filters and statistics share the right column as tabs so
        the feature maps in the middle keep their room.
        """
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for dock in self.docks:
            self.removeDockWidget(dock)
        for dock, area in ((self.input_dock, left), (self.top5_dock, left),
                           (self.filters_dock, right), (self.stats_dock, right)):
            self.addDockWidget(area, dock)
        self.splitDockWidget(self.input_dock, self.top5_dock, Qt.Orientation.Vertical)
        if tabbed_right:
            self.tabifyDockWidget(self.stats_dock, self.filters_dock)
        else:
            self.splitDockWidget(self.filters_dock, self.stats_dock, Qt.Orientation.Vertical)
        # The rest share the statistics' place, the statistics first. Tabbed at once: stacked
        # in the column first, they would make the window taller than the screen.
        self.tabifyDockWidget(self.filters_dock, self.formula_dock)  # the conv1 kernels, then a cell's sum
        self.tabifyDockWidget(self.filters_dock, self.visualize_dock)
        for dock in (self.explain_dock, self.edits_dock, self.architecture_dock, self.compare_dock, self.ablation_dock, self.atlas_dock,
                     self.evaluate_dock):
            self.tabifyDockWidget(self.stats_dock, dock)
        on_demand = self.on_demand_docks
        for dock in self.docks:
            dock.setFloating(False)
            # A tab per tool would leave eleven cut-off titles: the tools a lecture reaches
            # for now and then start hidden, and their menus (or View) bring them up.
            dock.setVisible(dock not in on_demand)
        self.filters_dock.raise_()
        self.stats_dock.raise_()

    def _apply_default_layout(self) -> None:
        width, height = self.width(), self.height()
        narrow = width < 1500 or height < 900
        self._arrange_docks(tabbed_right=narrow)
        left = max(280, min(400, int(width * 0.22)))
        right = max(380, min(520, int(width * 0.27)))
        self.resizeDocks([self.input_dock, self.filters_dock], [left, right], Qt.Orientation.Horizontal)
        usable = max(400, height - 80)
        self.resizeDocks([self.input_dock, self.top5_dock], [int(usable * 0.45), int(usable * 0.55)],
                         Qt.Orientation.Vertical)
        if not narrow:
            self.resizeDocks([self.filters_dock, self.stats_dock], [int(usable * 0.36), int(usable * 0.64)],
                             Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not self._layout_settled:
            self._layout_settled = True
            if not self._layout_restored:
                self._apply_default_layout()

    def _dock(self, title: str, name: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by name
        panel.set_title_visible(False)  # the dock's title names it already
        dock.setWidget(panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        return dock

    def _restore_layout(self) -> bool:
        """Geometry and dock layout from last time; False when there was no dock layout."""
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*self._fitting_size())
        return state is not None and self.restoreState(state)

    def _fitting_size(self) -> tuple[int, int]:
        screen = QGuiApplication.primaryScreen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        return width, height

    def reset_layout(self) -> None:
        self._apply_default_layout()

    def bring_up(self, dock: QDockWidget) -> None:
        """Show ``dock`` (it may start hidden) and put its tab in front."""
        dock.show()
        dock.raise_()

