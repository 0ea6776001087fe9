"""The worker keeps a big photo at its working size and decodes it finer only for a crop box
that needs the pixels (issue 16, item 2)."""

from PIL import Image

from alexnet_viewer.qt.worker.jobs import PictureCache, PictureSource


def test_a_big_file_is_kept_at_working_size_and_a_tight_crop_decodes_it_finer(tmp_path, monkeypatch):
    from alexnet_viewer.qt.worker import jobs

    path = tmp_path / "big.png"
    Image.new("RGB", (8192, 4096), (90, 140, 200)).save(path)
    decodes = []
    real = jobs.decode_picture
    monkeypatch.setattr(jobs, "decode_picture", lambda source, crop=None: decodes.append(crop) or real(source, crop))
    cache, source = PictureCache(), PictureSource(token=1, label="big.png", path=path)
    assert cache.decoded(source).shape == (2048, 4096, 3)  # 4096 short side: halved, still 2048
    assert cache.decoded(source, (0.0, 0.0, 1.0, 1.0)).shape == (2048, 4096, 3)
    assert cache.decoded(source, (0.25, 0.25, 0.75, 0.75)).shape == (4096, 8192, 3)  # the box needs them all
    assert cache.decoded(source).shape == (4096, 8192, 3)  # finer than needed is kept
    assert decodes == [None, (0.25, 0.25, 0.75, 0.75)]


def test_the_window_edits_a_file_at_working_size_and_a_tight_crop_at_a_finer_one(
        make_window, qtbot, tmp_path, monkeypatch):
    """The frame lanes ask for the crop box's pixels: the edits (this crop) run on the
    working-size picture, decoded finer only where the box needs it."""
    from alexnet_viewer.core.pictures import working
    from tests.qt.conftest import wait_for_frame
    from tests.qt.inspect_helpers import next_result

    monkeypatch.setattr(working, "resize_short_side", lambda: 8)  # needs 64 px: small files reduce
    path = tmp_path / "wide.png"
    Image.new("RGB", (512, 256), (90, 140, 200)).save(path)
    window = make_window()
    frame = window.open_path(path)
    assert wait_for_frame(qtbot, window, frame).image.shape == (64, 128, 3)  # reduced by 4
    window.edits.panel.set_crop((0.25, 0.25, 0.75, 0.75))
    cropped = next_result(qtbot, window, frame, lambda result, job: job.edits.crop is not None)
    assert cropped.image.shape == (64, 128, 3)  # half of the picture reduced by 2, not by 4
