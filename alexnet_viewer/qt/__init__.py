"""The desktop window (PySide6 + pyqtgraph). Import submodules directly; this package
imports nothing so that `alexnet_viewer.qt.app` stays quick to load before torch."""
