"""The occlusion quad: the core's probability, strongest-relu5 and label grids of the picture on screen."""

import numpy as np
import torch
from PySide6.QtWidgets import QScrollArea

from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.occlusion_pictures import label_legend
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.papers.occlusion_view import STRIDE, WINDOW, OcclusionView, labels_caption
from tests.qt.panel_results import gradient_image, process


def test_quad_shows_the_one_pass_of_the_top1(qtbot, shared_engine, tmp_path):
    loaded = shared_engine.loaded
    state = ViewerState()
    view = OcclusionView(state, lambda: loaded)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    result = process(shared_engine, phase=60)
    state.result = result
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=60000)
    found, class_index, categories = view.outcome
    assert class_index == result.top5[0].index
    batch = Preprocessor(loaded.transforms, torch.device("cpu"))(gradient_image(phase=60))[0]
    expected = Explainer(loaded).occlusion(batch, class_index, WINDOW, STRIDE)
    np.testing.assert_allclose(found.probability, expected.probability, rtol=1e-5)
    np.testing.assert_allclose(found.channel_sum, expected.channel_sum, rtol=1e-5, atol=1e-6 * expected.channel_baseline)
    assert np.array_equal(found.labels, expected.labels) and found.channel == expected.channel
    legend = label_legend(found.labels)
    assert categories[legend[0][0]] in view.legend.text()
    assert f"Channel {found.channel}" in view.captions["channel"].text()
    worst = np.unravel_index(int(np.argmin(found.probability)), found.probability.shape)
    rect = view._square.rect()
    assert (rect.top(), rect.left(), rect.width()) == (found.offsets[worst[0]], found.offsets[worst[1]], WINDOW)
    assert view.grab().save(str(tmp_path / "occlusion.png"))


def test_every_convolution_runs_inside_the_device_gate(qtbot, shared_engine, monkeypatch):
    """On MPS one thread talks to the device: serial mode forced on the CPU proves it."""
    from tests.device_gate_watch import serial_device, watch_convolutions

    seen = watch_convolutions(monkeypatch)
    with serial_device():
        view = OcclusionView(ViewerState(), lambda: shared_engine.loaded)
        qtbot.addWidget(view)
        view.show()
        view.state.result = process(shared_engine)
        qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=60000)
    assert seen["count"] > 0 and seen["outside"] == []


def test_the_panels_are_square_and_the_message_says_what_is_happening(qtbot, shared_engine):
    state = ViewerState()
    view = OcclusionView(state, lambda: shared_engine.loaded)  # the scroll area owns it
    area = QScrollArea()  # as in the window
    area.setWidgetResizable(True)
    area.setWidget(view)
    qtbot.addWidget(area)
    area.resize(460, 700)  # the dock at 1280×800
    area.show()
    qtbot.waitUntil(lambda: view.status.text() == "Open a picture to run the experiment on it.")  # nothing yet
    state.picture = PictureRef(1, "gradient.png")
    state.result = process(shared_engine, phase=30)
    assert view.busy and view.status.text() == "Running on gradient.png…" and not view.progress.isHidden()
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=180000)  # two shared cores
    assert "Open a picture" not in view.status.text() and "Running" not in view.status.text()

    def square() -> bool:  # the crop's square, no dark bands around it: the crop fills its panel
        canvas = view.canvases["input"]
        drawn = canvas.image_item.sceneBoundingRect()
        return abs(drawn.height() - canvas.height()) <= 1 and all(
            canvas.width() >= PICTURE_MIN_SIDE and abs(canvas.height() - canvas.width()) <= 1
            for canvas in view.canvases.values())

    qtbot.waitUntil(square, timeout=5000)
    for size in ((1400, 1000), (460, 700)):
        area.resize(*size)
        qtbot.waitUntil(lambda: square() and view.width() <= area.viewport().width(), timeout=5000)


def test_the_label_maps_caption_counts_in_words():
    assert labels_caption(1, 144) == "The same class at all 144 positions."  # not "1 different classes"
    assert labels_caption(3, 144) == "3 different classes over 144 positions."
