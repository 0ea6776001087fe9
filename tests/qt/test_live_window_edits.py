"""The Edits dock and the Input panel's tools change what the network sees, at once."""

from __future__ import annotations

import numpy as np
import pytest

from alexnet_viewer.core.pictures.edits import Edits, occluder_colour
from alexnet_viewer.core.pictures.samples import list_samples
from tests.qt.conftest import RecordingFactory, wait_for_frame
from tests.qt.live_helpers import ManualSource, PrebuiltEngine, frame


@pytest.fixture
def quick_window(make_window, shared_engine, qtbot):
    """A window whose engine hands back, instantly, exactly the picture it was given."""
    prebuilt = PrebuiltEngine(shared_engine)
    window = make_window(factory=RecordingFactory(shared_engine, wrap=lambda engine: prebuilt))
    return window


def cat() -> object:
    return next(path for _, path in list_samples() if path.name == "01-cat.png")


def wait_for_edits(qtbot, window, check, timeout=30000):
    qtbot.waitUntil(lambda: window.current_job is not None and check(window.current_job.edits), timeout=timeout)
    return window.current_result


def test_each_edit_changes_the_engine_input_and_reset_restores_it(quick_window, qtbot, picture):
    window, panel = quick_window, quick_window.edits.panel
    original = wait_for_frame(qtbot, window, window.open_path(picture)).image.copy()
    changes = [
        (lambda: panel.rotate.slider.setValue(90), lambda e: e.rotate_degrees == 90),
        (lambda: panel.flip_horizontal.setChecked(True), lambda e: e.flip_horizontal),
        (lambda: panel.flip_vertical.setChecked(True), lambda e: e.flip_vertical),
        (lambda: panel.brightness.slider.setValue(40), lambda e: e.brightness == pytest.approx(0.4)),
        (lambda: panel.contrast.slider.setValue(250), lambda e: e.contrast == pytest.approx(2.5)),
        (lambda: panel.blur.slider.setValue(30), lambda e: e.blur_radius == pytest.approx(3.0)),
        (lambda: panel.greyscale.setChecked(True), lambda e: e.greyscale),
        (lambda: panel.occluder.setChecked(True), lambda e: e.occluder is not None),
    ]
    for change, check in changes:
        panel.reset()
        wait_for_edits(qtbot, window, lambda e: e.is_identity)
        change()
        edited = wait_for_edits(qtbot, window, check).image
        assert edited.shape != original.shape or not np.array_equal(edited, original), check
    assert "occluder" in panel.summary.text()
    panel.reset_button.click()
    restored = wait_for_edits(qtbot, window, lambda e: e.is_identity).image
    assert np.array_equal(restored, original)
    assert panel.rotate.slider.value() == 0 and not panel.occluder.isChecked()


def test_dragging_a_slider_reposts_every_step_and_the_newest_wins(quick_window, qtbot, picture):
    window, panel = quick_window, quick_window.edits.panel
    wait_for_frame(qtbot, window, window.open_path(picture))
    posted_before = window.worker.mailbox.counts().posted
    for angle in range(1, 46):
        panel.rotate.slider.setValue(angle)  # as a drag does: one valueChanged per step
    assert window.worker.mailbox.counts().posted - posted_before == 45
    wait_for_edits(qtbot, window, lambda e: e.rotate_degrees == 45)


def test_the_occluder_square_sits_where_its_outline_is_and_changes_the_answer(make_window, qtbot):
    window = make_window()
    plain = wait_for_frame(qtbot, window, window.open_path(cat()))
    panel, overlay = window.edits.panel, window.edits.overlay
    panel.occluder_size.slider.setValue(40)
    panel.occluder.setChecked(True)
    occluded = wait_for_edits(qtbot, window, lambda e: e.occluder is not None)

    def check_square(result):
        x, y, side = (int(v) for v in overlay.square)
        image = result.image
        assert (image[y:y + side, x:x + side] == occluder_colour()).all()
        # Just outside the outline the cat is still there.
        for row, col in ((y - 1, x + side // 2), (y + side, x + side // 2), (y + side // 2, x - 1),
                         (y + side // 2, x + side)):
            if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
                assert not (image[row, col] == occluder_colour()).all()
        return x, y, side

    x, y, side = check_square(occluded)
    assert side == round(0.4 * min(occluded.image.shape[:2]))
    assert_change_is_where_the_square_is(plain, occluded)
    # Dragging the outline moves the grey square with it.
    overlay.roi.setPos((x - 60, y + 20))
    moved = wait_for_edits(qtbot, window, lambda e: e.occluder != occluded and
                           abs(e.occluder[0] * occluded.image.shape[1] - (x - 60 + side / 2)) < 1)
    assert check_square(moved)[:2] == (x - 60, y + 20)
    assert panel.occluder.isChecked()
    # The network's view shows no outline (its square would sit elsewhere).
    window.input_panel.set_showing_crop(True)
    assert overlay.square is None
    window.input_panel.set_showing_crop(False)
    assert overlay.square is not None


def assert_change_is_where_the_square_is(plain, occluded):
    """conv1 units that see none of the occluded pixels keep their values exactly; units that
    see only occluded pixels all change (and so does the answer)."""
    from alexnet_viewer.core.inspect.receptive_field import geometry_table, receptive_field

    touched = (plain.crop != occluded.crop).any(axis=2)
    assert 0 < touched.mean() < 0.6  # the square covers part of what the network sees
    before, after = plain.activations["conv1"], occluded.activations["conv1"]
    outside, inside = [], []
    rows, cols = geometry_table()["conv1"].cells
    for cy in range(rows):
        for cx in range(cols):
            top, left, bottom, right = receptive_field("conv1", cy, cx).clipped(*touched.shape)
            seen = touched[top:bottom, left:right]
            if not seen.any():
                outside.append(np.array_equal(before[:, cy, cx], after[:, cy, cx]))
            elif seen.all():
                inside.append(not np.array_equal(before[:, cy, cx], after[:, cy, cx]))
    assert outside and inside
    assert all(outside) and all(inside)
    assert [p.probability for p in plain.top5] != [p.probability for p in occluded.top5]


def test_the_occluder_follows_a_rotated_picture(quick_window, qtbot, picture):
    window, panel, overlay = quick_window, quick_window.edits.panel, quick_window.edits.overlay
    wait_for_frame(qtbot, window, window.open_path(picture))
    panel.rotate.slider.setValue(30)
    panel.occluder.setChecked(True)
    result = wait_for_edits(qtbot, window, lambda e: e.occluder is not None and e.rotate_degrees == 30)
    x, y, side = (int(v) for v in overlay.square)
    assert (result.image[y:y + side, x:x + side] == occluder_colour()).all()


def test_a_box_dragged_on_the_input_zooms_into_it(quick_window, qtbot, picture):
    window, panel, tool = quick_window, quick_window.edits.panel, quick_window.edits.crop_tool
    original = wait_for_frame(qtbot, window, window.open_path(picture)).image  # 64×48, green top-left
    panel.crop_button.setChecked(True)
    assert tool.active
    assert not tool.select_pixels(10, 10, 11, 12)  # a click is not a box
    assert tool.select_pixels(0, 0, 32, 24)
    assert not panel.crop_button.isChecked() and not tool.active
    zoomed = wait_for_edits(qtbot, window, lambda e: e.crop is not None).image
    assert zoomed.shape == (24, 32, 3)
    assert np.array_equal(zoomed, original[:24, :32])
    # A second box zooms further into the first.
    panel.crop_button.setChecked(True)
    tool.select_pixels(16, 12, 32, 24)
    again = wait_for_edits(qtbot, window, lambda e: e.crop is not None and e.crop[0] > 0.2).image
    assert np.array_equal(again, original[12:24, 16:32])
    panel.uncrop_button.click()
    assert np.array_equal(wait_for_edits(qtbot, window, lambda e: e.crop is None).image, original)


def test_edits_apply_to_live_frames(quick_window, qtbot):
    window = quick_window
    qtbot.waitUntil(lambda: window.worker.has_engine, timeout=30000)
    window.edits.panel.greyscale.setChecked(True)
    source = ManualSource()
    window.live.use_source(source)
    source.push(frame(150))
    qtbot.waitUntil(lambda: window.current_job is not None and window.current_job.source.label == "Manual camera",
                    timeout=10000)
    image = window.current_result.image
    assert window.current_job.edits == Edits(greyscale=True)
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()
