"""The Invariance view: nine curves from the core's sweeps of the picture on screen, the chosen class."""

import numpy as np
import torch

from alexnet_viewer.core.explain.network import Network
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.invariance import invariance
from alexnet_viewer.core.session import ViewerState
from alexnet_viewer.qt.papers.invariance_view import InvarianceView
from tests.qt.panel_results import gradient_image, process


def test_plots_the_three_sweeps_of_the_chosen_class(qtbot, shared_engine):
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
    view.grab().save("/tmp/shots/papers/invariance.png")


def test_cancel_stops_the_sweeps(qtbot, shared_engine):
    view = InvarianceView(ViewerState(), lambda: shared_engine.loaded)
    qtbot.addWidget(view)
    view.show()
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
