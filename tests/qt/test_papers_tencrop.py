"""The Ten-crop view: follows the picture on screen off the GUI thread, shows the core's answer."""

import numpy as np
import pytest
from PySide6.QtWidgets import QScrollArea

from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.papers.ten_crop import ten_crop
from alexnet_viewer.core.session import PictureRef, ViewerState
from alexnet_viewer.core.visualize.network import private_model
from alexnet_viewer.qt.panels.style import PICTURE_MIN_SIDE
from alexnet_viewer.qt.papers.tencrop_view import COLUMNS, TenCropView
from alexnet_viewer.qt.panels.top5_panel import format_percent
from tests.qt.panel_results import process


@pytest.fixture()
def state():
    return ViewerState()


def test_shows_each_crop_and_the_averaged_top5_of_the_newest_picture(qtbot, shared_engine, state, tmp_path):
    loaded = shared_engine.loaded
    view = TenCropView(state, lambda: loaded)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.waitUntil(lambda: "Open a picture" in view.status.text())  # once on screen (ScreenWatch)
    first, second = process(shared_engine, phase=0, frame_id=1), process(shared_engine, phase=90, frame_id=2)
    state.result = first
    state.result = second  # arrives while the first runs: only the newest is shown
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=20000)
    found, categories = view.outcome
    expected = ten_crop(private_model(loaded.model), Preprocessor(loaded.transforms, loaded.device), second.image)
    assert np.array_equal(found.crops, expected.crops)
    top = expected.top(5)
    assert [name.text() for name in view.names] == [categories[index] for index, _ in top]
    assert view.bars[0].text == format_percent(top[0][1])
    assert view.captions[9].text().startswith(categories[expected.crop_top1()[9][0]])
    assert view.grab().save(str(tmp_path / "tencrop.png"))


def test_waits_for_the_weights_and_stays_idle_while_hidden(qtbot, shared_engine, state):
    model = {"loaded": None}
    view = TenCropView(state, lambda: model["loaded"])
    qtbot.addWidget(view)
    state.result = process(shared_engine)
    assert not view.busy and view.outcome is None  # hidden: nothing computed
    view.show()
    qtbot.waitUntil(lambda: "Waiting for the weights" in view.status.text())
    model["loaded"] = shared_engine.loaded
    view.refresh()
    qtbot.waitUntil(lambda: view.outcome is not None, timeout=20000)


def whole(label) -> bool:
    """Its text shown whole: wrapped into its height, or on one line within its width."""
    width = label.contentsRect().width()
    if label.wordWrap():
        return label.heightForWidth(width) <= label.height() and max(
            label.fontMetrics().horizontalAdvance(word) for word in label.text().split()) <= width
    return label.fontMetrics().horizontalAdvance(label.text()) <= width


def test_the_crops_stay_square_and_go_fewer_to_a_row_in_a_narrow_dock(qtbot, state):
    view = TenCropView(state, lambda: None)  # the scroll area owns it
    area = QScrollArea()  # as in the window: a view wider than its dock scrolls
    area.setWidgetResizable(True)
    area.setWidget(view)
    qtbot.addWidget(area)
    area.show()

    def shown(columns: int, beside: bool) -> bool:
        rows = {canvas.y() for canvas in view.canvases}
        return (view.columns == columns and len(rows) == -(-len(view.canvases) // columns)
                and view.width() <= area.viewport().width()
                and (view.names[0].x() > view.canvases[columns - 1].x()) == beside
                and all(canvas.width() >= PICTURE_MIN_SIDE and abs(canvas.height() - canvas.width()) <= 1
                        for canvas in view.canvases))

    area.resize(1400, 900)  # wide: five to a row, the averaged top-5 beside them
    qtbot.waitUntil(lambda: shown(COLUMNS, True), timeout=5000)
    area.resize(460, 700)  # the dock at 1280×800: fewer to a row, the top-5 under them, nothing cut off
    qtbot.waitUntil(lambda: shown(3, False), timeout=5000)
    for caption in view.captions:  # a long class name under a crop is wrapped, not cut to "long-horned…"
        caption.setText("long-horned beetle 12.3 %")
    qtbot.waitUntil(lambda: all(whole(caption) for caption in view.captions), timeout=5000)
    area.resize(1400, 900)
    qtbot.waitUntil(lambda: shown(COLUMNS, True), timeout=5000)


def _shown_with_a_first_picture(qtbot, shared_engine, state) -> TenCropView:
    view = TenCropView(state, lambda: shared_engine.loaded)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    state.picture = PictureRef(1, "first.png")
    state.result = process(shared_engine, phase=0, frame_id=1)
    qtbot.waitUntil(lambda: view.outcome is not None and not view.busy, timeout=20000)
    return view


def test_another_pictures_outcome_is_veiled_while_the_new_one_runs(qtbot, shared_engine, state):
    """A new file: the previous picture's crops are greyed until its own arrive (at 1920x1080 the
    Occlusion view showed the cat's maps under "Running on coffee.png…" for seconds); a live
    source's next frame is the same picture, left clear."""
    view = _shown_with_a_first_picture(qtbot, shared_engine, state)
    assert view.veil.isHidden()
    state.picture = PictureRef(2, "second.png")
    state.result = process(shared_engine, phase=90, frame_id=2)
    assert view.busy and not view.veil.isHidden() and view.status.text() == "Running on second.png…"
    veiled = view.veil.geometry()
    assert veiled.top() > view.status.geometry().bottom() and veiled.bottom() >= view.canvases[-1].geometry().bottom()
    qtbot.waitUntil(lambda: not view.busy, timeout=20000)
    assert view.veil.isHidden()
    state.picture = PictureRef(3, "camera", live=True)
    state.result = process(shared_engine, phase=30, frame_id=3)
    qtbot.waitUntil(lambda: not view.busy, timeout=20000)
    state.result = process(shared_engine, phase=60, frame_id=4)  # the camera's next frame
    assert view.busy and view.veil.isHidden()
    qtbot.waitUntil(lambda: not view.busy, timeout=20000)


def test_a_hidden_view_says_it_has_not_run_on_the_new_picture(qtbot, shared_engine, state, tmp_path):
    """Export for slides pictures a view not on screen as it is: another picture's crops are
    veiled and the status says the new picture runs once the view is shown."""
    from alexnet_viewer.qt.export import slides

    view = _shown_with_a_first_picture(qtbot, shared_engine, state)
    view.hide()
    state.picture = PictureRef(2, "second.png")
    state.result = process(shared_engine, phase=90, frame_id=2)
    assert not view.busy and not view.veil.isHidden()
    assert view.status.text() == "Not yet run on second.png: it runs when this view is shown."
    assert view.veil.geometry().top() > view.status.geometry().bottom()
    slides.save_png(view, tmp_path / "hidden.png")  # pictured with its veil, still hidden
    assert not view.isVisible()
    view.show()
    qtbot.waitUntil(lambda: not view.busy and view.veil.isHidden(), timeout=20000)
    assert view.outcome is not None and "Not yet run" not in view.status.text()
