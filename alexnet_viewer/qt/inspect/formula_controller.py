"""Feeds the formula view: the cell last clicked, on the frame on screen, computed off the GUI thread.

core/formula.py reads the weights and the frame's captured maps (and normalises the crop
for conv1): milliseconds on a CPU and, on an accelerator, a wait for the weights to come
back, so it runs in a thread of its own (background.py). A relu cell shows the conv before
it, then the ReLU; an fc unit has no window to show.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.qt.units.latest import Latest

NO_MODEL = "The formula needs the network's weights; they are not loaded yet"
NOT_SPATIAL = "{layer} units are fully connected: each one sums all of the layer before, with no window to show"


def formula_layer(layer: str) -> str:
    """The conv or pool layer whose arithmetic a click on ``layer`` shows (a relu's conv)."""
    from alexnet_viewer.core.inspect.formula import input_of

    return input_of(layer) if layer.startswith("relu") else layer


def _compute(request, _task=None):
    """In the formula thread: (loaded, result, (layer, channel, y, x), ablations) -> formula."""
    from alexnet_viewer.core.inspect.formula import cell_formula

    loaded, result, (layer, channel, y, x), _off = request
    return cell_formula(loaded, result, formula_layer(layer), channel, y, x)


class FormulaController(QObject):
    computed = Signal(object)  # the formula shown, once it is on screen

    def __init__(self, services, view) -> None:
        super().__init__(services.parent)
        self.services = services
        self.view = view
        self.cell: tuple[str, int, int, int] | None = None  # (layer, channel, y, x) clicked
        self._job = Latest("Formula", _compute, self._on_done, view.show_message, self, what="The formula")
        self._asked_for = None  # the Result of the newest request
        services.result_shown.connect(lambda result, job: self._follow(result, job))

    def stop(self) -> None:
        self._job.cancel()

    @property
    def busy(self) -> bool:
        return self._job.busy

    def show_cell(self, layer: str, channel: int, y: int, x: int) -> None:
        self.cell = (layer, channel, y, x)
        if layer not in SPATIAL_LAYERS:
            self.view.show_message(NOT_SPATIAL.format(layer=layer))
            return
        self._request(self.services.state.result, self.services.current_job())

    def _follow(self, result, job) -> None:
        if self.cell is not None and self.cell[0] in SPATIAL_LAYERS and result is not self._asked_for:
            self._request(result, job)

    def _request(self, result, job) -> None:
        if result is None:
            return
        loaded = self.services.loaded_model()
        if loaded is None:
            self.view.show_message(NO_MODEL)
            return
        self._asked_for = result
        self._job.submit((loaded, result, self.cell, job.view.ablations if job is not None else ()))

    def _on_done(self, request, outcome) -> None:
        _loaded, result, (layer, channel, y, x), off = request
        switched_off = any(name in (layer, outcome.layer) and channel in channels for name, channels in off)
        self.view.show_formula(outcome, layer, float(result.activations[layer][channel, y, x]), off=switched_off)
        self.computed.emit(outcome)
