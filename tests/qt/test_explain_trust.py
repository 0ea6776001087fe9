"""The sanity row and Fool it as standalone widgets: work off the GUI thread, progress, the
outcome shown, stop, refusals in one sentence, and "Show in the viewer" handing over the file."""

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.qt.explain.fool_view import SIDE, FoolView
from alexnet_viewer.qt.explain.sanity_view import SanityView, subject_text
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE

LONG = 180_000  # ms: two shared cores


@pytest.fixture
def stripes(tmp_path):
    rows, cols = np.mgrid[0:150, 0:200]
    pixels = np.stack([(np.sin(cols / 9.0) * 127 + 128), (rows // 20 + cols // 20) % 2 * 255, (rows + cols) % 256], -1)
    path = tmp_path / "stripes.png"
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


@pytest.fixture
def state(shared_engine, stripes):
    state = ViewerState()
    state.picture = PictureRef(1, stripes.name, stripes)
    state.result = shared_engine.process(image_to_array(load_image(stripes)), FrameRequest.everything())
    return state


def test_sanity_row_fills_map_by_map_with_rho_and_says_what_it_means(qtbot, state, loaded_model):
    view = SanityView(state, lambda: loaded_model)
    qtbot.addWidget(view)
    view.method_box.setCurrentText("guided_backprop")
    seen = []
    view.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(view.finished, timeout=LONG) as finished:
        assert view.run()
        assert view.busy and not view.run()  # one at a time
    row = finished.args[0]
    assert [step.randomised for step in row.steps][0] == "none" and len(row.steps) == 9
    assert all(thumbnail.picture is not None and thumbnail.picture.shape == (224, 224, 3) for thumbnail in view.thumbnails)
    assert view.captions[0].text().endswith("ρ 1.00")
    assert view.captions[-1].text() == f"to conv1\nρ {row.steps[-1].rho:.2f}"
    assert "ρ" in view.status.text() and "ρ is each map's rank correlation" in view.meaning.text()
    assert max(seen) == 9 and not view.busy and view.run_button.isEnabled()
    assert f"({state.result.top5[0].index})" in view.subject.text()
    assert view.subject.text().startswith("Guided backprop of “") and " at " not in view.subject.text()  # an input map
    view.resize(1920, 800)
    view.show()
    qtbot.waitUntil(lambda: view.thumbnails[0].side > 180)  # the maps share a wide view, up to 224
    view.resize(900, 800)
    qtbot.waitUntil(lambda: view.thumbnails[0].side == PICTURE_MIN_SIDE)  # and never shrink below it: the row scrolls
    assert view.thumbnails[-1].pixmap().width() == PICTURE_MIN_SIDE


def test_the_sanity_rows_subject_names_the_method_and_a_cams_layer_only():
    assert subject_text("gradcam", "magpie", 18, "relu5", "cat.png") == "Grad-CAM of “magpie” (18) at relu5, on cat.png"
    assert subject_text("integrated_gradients", "magpie", 18, "relu5", "cat.png") == \
        "Integrated Gradients of “magpie” (18), on cat.png"
    assert subject_text("fc8_row", "magpie", 18, "relu5", "cat.png") == "fc8_row of “magpie” (18) at relu5, on cat.png"


def test_sanity_refuses_without_weights_or_picture_and_stops(qtbot, state, loaded_model):
    view = SanityView(ViewerState(), lambda: loaded_model)
    qtbot.addWidget(view)
    assert not view.run() and "Open a picture" in view.status.text()
    view = SanityView(state, lambda: None)
    qtbot.addWidget(view)
    assert not view.run() and "weights" in view.status.text()
    view = SanityView(state, lambda: loaded_model)
    qtbot.addWidget(view)
    assert view.run()
    view.stop()
    qtbot.waitUntil(lambda: not view.busy, timeout=LONG)
    assert "sanity check was cancelled" in view.status.text() and view.row is None


def test_fool_it_reaches_the_target_and_hands_the_saved_picture_over(qtbot, state, loaded_model, tmp_path):
    batch = loaded_model.transforms(torch.from_numpy(np.array(state.result.image)).permute(2, 0, 1))
    with torch.inference_mode():
        target = int(loaded_model.model(batch.unsqueeze(0))[0].argsort(descending=True)[3])
    handed = []
    view = FoolView(state, lambda: loaded_model, tmp_path / "fooled", show_picture=handed.append)
    qtbot.addWidget(view)
    view.target_edit.setText(str(target))
    with qtbot.waitSignal(view.finished, timeout=LONG) as finished:
        assert view.run()
    result = finished.args[0]
    assert result.success and result.target == target and result.linf <= 2
    assert "Fooled" in view.status.text() and "<b>" in view.after_label.text() and "Before" in view.before_label.text()
    assert "conv1" in view.change_label.text() and "fc7" in view.change_label.text()
    assert view.fooled.picture is not None and view.perturbation.picture is not None
    saved = np.asarray(Image.open(view.saved))
    assert saved.shape == state.result.image.shape and np.array_equal(saved, result.adversarial)
    with qtbot.waitSignal(view.show_in_viewer) as shown:
        view.viewer_button.click()
    assert shown.args == [view.saved] and handed == [view.saved]
    pictures = (view.original, view.perturbation, view.fooled)
    view.resize(1440, 800)  # a wide dock: the pictures at the size the network sees
    view.show()
    qtbot.waitUntil(lambda: all(picture.side == SIDE for picture in pictures))
    view.resize(900, 800)  # a narrower one: they share what the top-5 lists leave, the view fits
    qtbot.waitUntil(lambda: PICTURE_MIN_SIDE <= view.original.side < SIDE)
    assert view.minimumSizeHint().width() <= view.width()
    assert all(picture.pixmap().width() == view.original.side for picture in pictures)


def test_fool_it_refuses_in_one_sentence(qtbot, state, loaded_model, tmp_path):
    view = FoolView(state, lambda: loaded_model, tmp_path)
    qtbot.addWidget(view)
    view.target_edit.setText("no such class")
    assert not view.run() and "No class is called" in view.status.text()
    live = ViewerState()
    live.picture = PictureRef(2, "camera", None, live=True)
    view = FoolView(live, lambda: loaded_model, tmp_path)
    qtbot.addWidget(view)
    assert not view.run() and "opened from a file" in view.status.text()
    view = FoolView(state, lambda: None, tmp_path)
    qtbot.addWidget(view)
    assert not view.run() and "weights" in view.status.text() and not view.viewer_button.isEnabled()


def test_fool_it_completes_the_loaded_weights_classes(qtbot, loaded_model, tmp_path):
    state, current = ViewerState(), [None]
    view = FoolView(state, lambda: current[0], tmp_path)
    qtbot.addWidget(view)
    assert view.completions.stringList() == []
    current[0] = loaded_model
    state.weights_status = "ready"
    assert "tabby" in view.completions.stringList() and len(view.completions.stringList()) > 900
