"""The Invariance view: nine curves from the core's sweeps of the picture on screen, the chosen class."""

import numpy as np
import torch
from PySide6.QtWidgets import QScrollArea

from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.invariance import DEFAULT_SWEEPS, Invariance, Sweep, invariance
from alexnet_viewer.qt.panels.on_screen import on_screen
from alexnet_viewer.core.session import ViewerState
from alexnet_viewer.qt.papers.invariance_view import InvarianceView
from tests.qt.panel_results import gradient_image, process


def test_plots_the_three_sweeps_of_the_chosen_class(qtbot, shared_engine, tmp_path):
    loaded = shared_engine.loaded
    state = ViewerState(explain_class=281)
    view = InvarianceView(state, lambda: loaded)
    qtbot.addWidget(view)
    view.resize(1500, 900)
    view.show()
    state.result = process(shared_engine, phase=30)
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=60000)
    found, label = view.outcome
    assert found.class_index == 281 and label == "tabby" and "tabby" in view.status.text()
    batch = Preprocessor(loaded.transforms, torch.device("cpu"))(gradient_image(phase=30))[0]
    expected = invariance(Network(loaded.model, torch.device("cpu"), (1, 3, 224, 224)), batch, 281)
    for sweep in ("translation", "scale", "rotation"):
        xs, ys = view.curves[("relu7", sweep)].getData()
        assert list(xs) == list(expected.sweeps[sweep].values)
        scale = float(np.abs(expected.sweeps[sweep].distance["relu7"]).max())
        np.testing.assert_allclose(ys, expected.sweeps[sweep].distance["relu7"], atol=1e-5 * scale)
        _, probability = view.curves[("probability", sweep)].getData()
        np.testing.assert_allclose(probability, expected.sweeps[sweep].probability, rtol=1e-5)
    assert view.grab().save(str(tmp_path / "invariance.png"))


def test_cancel_stops_the_sweeps(qtbot, shared_engine):
    view = InvarianceView(ViewerState(), lambda: shared_engine.loaded)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: on_screen(view))
    view.state.result = process(shared_engine)
    assert view.busy and view.cancel_button.isVisible()
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=60000)
    assert view.outcome is None and "Stopped" in view.status.text()


def test_a_class_that_cannot_be_used_is_one_sentence_and_a_new_class_recomputes(qtbot, shared_engine):
    state = ViewerState(explain_class=5000)
    view = InvarianceView(state, lambda: shared_engine.loaded)
    qtbot.addWidget(view)
    view.show()
    state.result = process(shared_engine)
    qtbot.waitUntil(lambda: "out of range" in view.status.text(), timeout=60000)
    assert view.outcome is None and not view.progress.isVisible()
    state.explain_class = 3
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=60000)
    assert view.outcome[0].class_index == 3


def test_the_headings_fit_a_narrow_dock_and_the_probability_is_drawn_from_0(qtbot):
    """At 1920x1080 the dock is about 460 px wide: the last column's label ran past its right edge,
    and a probability changing by a tenth of a percent filled the plot (ticks 1.0235, 1.0240, …)."""
    view = InvarianceView(ViewerState(), lambda: None)  # the scroll area owns it
    area = QScrollArea()  # as in the window
    area.setWidgetResizable(True)
    area.setWidget(view)
    qtbot.addWidget(area)
    rng = np.random.default_rng(0)
    sweeps = {name: Sweep(tuple(values), {layer: rng.uniform(1, 100, len(values)) for layer in ("relu1", "relu7")},
                          rng.uniform(0.00102, 0.00103, len(values)).astype(np.float32))
              for name, values in DEFAULT_SWEEPS.items()}
    view.present(None, (Invariance(18, sweeps), "magpie"))
    for width in (460, 1400):
        area.resize(width, 900)
        area.show()

        def fitted() -> bool:
            spans = [heading.item.mapRectToScene(heading.item.boundingRect()) for heading in view.headings.values()]
            return (view.plots.width() <= area.viewport().width() and all(heading.isVisible() for heading in view.headings.values())
                    and spans[0].left() >= 0 and spans[-1].right() <= view.plots.width()
                    and all(left.right() < right.left() for left, right in zip(spans, spans[1:])))

        qtbot.waitUntil(fitted, timeout=5000)
    highest = max(float(sweep.probability.max()) for sweep in sweeps.values())
    for sweep in sweeps:
        low, high = view.plot_items[("probability", sweep)].getViewBox().viewRange()[1]
        assert low <= 0 and highest <= high <= 1.2 * highest
