"""Display panels: each a QWidget with ``show_result(result)`` that only shows what the core computed."""

import pyqtgraph as pg

# numpy (H, W) arrays must display upright, as the core produces them.
pg.setConfigOptions(imageAxisOrder="row-major")

from alexnet_viewer.qt.panels.channel_detail import ChannelDetail  # noqa: E402
from alexnet_viewer.qt.panels.feature_maps_panel import FeatureMapsPanel  # noqa: E402
from alexnet_viewer.qt.panels.filters_panel import FiltersPanel  # noqa: E402
from alexnet_viewer.qt.panels.input_panel import InputPanel  # noqa: E402
from alexnet_viewer.qt.panels.stats_panel import StatsPanel  # noqa: E402
from alexnet_viewer.qt.panels.top5_panel import Top5Panel  # noqa: E402

__all__ = ["ChannelDetail", "FeatureMapsPanel", "FiltersPanel", "InputPanel", "StatsPanel", "Top5Panel"]
