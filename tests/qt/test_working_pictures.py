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
