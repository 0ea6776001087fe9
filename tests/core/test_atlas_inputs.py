"""What an atlas build reads: the picture listing and JPEG draft decoding."""

import numpy as np
import torch
from PIL import Image

from alexnet_viewer.core.atlas.pictures import batch_sizes, batches, draft_size
from alexnet_viewer.core.pictures.images import load_image
from alexnet_viewer.core.model.loader import IMAGENET
from alexnet_viewer.core.pictures.picture_files import list_pictures


def test_list_pictures_recurses_in_name_order_and_skips_hidden(tmp_path):
    for name in ["b.PNG", "A.jpg", "notes.txt", ".secret.png", "sub/c.webp", "sub/.d/e.png", ".hid/f.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # not followed
    assert [p.relative_to(tmp_path).as_posix() for p in list_pictures(tmp_path, recursive=True)] == [
        "A.jpg", "b.PNG", "sub/c.webp",
    ]
    assert [p.name for p in list_pictures(tmp_path)] == ["A.jpg", "b.PNG"]


def test_draft_decodes_a_big_jpeg_small_but_still_covering_the_resize(tmp_path):
    rows, cols = np.mgrid[0:1500, 0:2000]
    pixels = np.stack([rows % 256, cols % 256, (rows // 7) % 256], -1).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "big.jpg", quality=90)
    Image.fromarray(pixels[:600, :800]).save(tmp_path / "big.png")
    draft = draft_size(IMAGENET.transforms())
    assert draft == (256, 256)
    small = load_image(tmp_path / "big.jpg", draft=draft)
    assert small.size == (500, 375) and small.mode == "RGB"  # 1/4 scale: the short side stays >= 256
    assert load_image(tmp_path / "big.jpg").size == (2000, 1500)
    assert load_image(tmp_path / "big.png", draft=draft).size == (800, 600)  # only JPEGs have a draft mode


def test_batches_keep_order_and_turn_bad_files_into_messages(tmp_path):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f"{i}.png")
        Image.new("RGB", (40 + i, 30), (i * 40, 0, 0)).save(paths[-1])
    (tmp_path / "2.png").write_bytes(b"garbage")
    got = list(batches(paths, IMAGENET.transforms(), 2, 0, (256, 256)))
    assert [b.indices for b in got] == [[0, 1], [3], [4]]
    assert [b.errors for b in got] == [[], [(2, 'Cannot open "2.png": not an image.')], []]
    assert got[0].pictures.shape == (2, 3, 224, 224) and got[0].pictures.dtype.is_floating_point
    # The uint8 crops the pictures were normalised from come with them (the atlas keeps them).
    from alexnet_viewer.core.atlas.codes import crops_from_batch

    assert got[0].crops.dtype == torch.uint8 and got[0].crops.shape == (2, 3, 224, 224)
    np.testing.assert_array_equal(got[0].crops.permute(0, 2, 3, 1).numpy(),
                                  crops_from_batch(got[0].pictures, IMAGENET.transforms()))



def test_without_workers_a_batch_is_decoded_by_several_threads_at_once(tmp_path, monkeypatch):
    """Inline decoding shares a batch among threads; each sees the same pictures it would alone."""
    import threading

    from alexnet_viewer.core.atlas import pictures as pictures_module

    paths = []
    for i in range(6):
        paths.append(tmp_path / f"{i}.png")
        Image.new("RGB", (50 + i, 40), (i * 30, 90, 0)).save(paths[-1])
    alone = list(batches(paths, IMAGENET.transforms(), 6, 0, None))
    together = threading.Barrier(2, timeout=30)  # two decodes in flight at once, or the test fails
    threads, real = set(), pictures_module.load_picture

    def meeting(*args, **kwargs):
        threads.add(threading.get_ident())
        if len(threads) <= 2 and not together.broken:
            together.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(pictures_module, "load_picture", meeting)
    got = list(batches(paths, IMAGENET.transforms(), 6, 0, None))
    assert threading.get_ident() not in threads and len(threads) >= 2 and not together.broken
    assert [b.indices for b in got] == [b.indices for b in alone] == [list(range(6))]
    assert got[0].pictures.equal(alone[0].pictures)


def test_with_workers_decoding_ahead_the_first_batches_are_small_and_grow():
    assert batch_sizes(200, 64, workers=1) == [8, 16, 32, 64, 64, 16]  # the forward starts after 8 pictures
    assert batch_sizes(5, 64, workers=1) == [5]
    assert batch_sizes(130, 64, workers=0) == [64, 64, 2]  # decoding inline: nothing to overlap
    assert batch_sizes(0, 64, workers=1) == [] and batch_sizes(3, 1, workers=2) == [1, 1, 1]


def test_batches_with_a_worker_come_in_those_sizes_in_order(tmp_path):
    paths = []
    for i in range(11):
        paths.append(tmp_path / f"{i:02d}.png")
        Image.new("RGB", (40, 30), (i * 20, 0, 0)).save(paths[-1])
    got = list(batches(paths, IMAGENET.transforms(), 16, 1, None))
    assert [b.indices for b in got] == [[0, 1], [2, 3, 4, 5], [6, 7, 8, 9, 10]]

def test_crop_boxes_map_back_onto_the_picture_the_crop_came_from():
    import torch

    from alexnet_viewer.core.atlas.identity import preprocess_identity
    from alexnet_viewer.core.atlas.lookup import crop_box_in_picture
    from alexnet_viewer.core.frame.preprocess import Preprocessor

    width, height = 640, 480
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    ramps = np.stack([cols * 255 / (width - 1), rows * 255 / (height - 1), np.zeros_like(rows)], -1)
    _, crop = Preprocessor(IMAGENET.transforms(), torch.device("cpu"))(np.round(ramps).astype(np.uint8))
    settings = preprocess_identity(IMAGENET.transforms(), None)
    for y, x in [(0, 0), (100, 30), (223, 223)]:
        top, left, bottom, right = crop_box_in_picture((y, x, y + 1, x + 1), (width, height), settings)
        centre_y, centre_x = (top + bottom) / 2 - 0.5, (left + right) / 2 - 0.5  # pixel-centre coordinates
        assert abs(int(crop[0, y, x]) - centre_x * 255 / (width - 1)) <= 1.5
        assert abs(int(crop[1, y, x]) - centre_y * 255 / (height - 1)) <= 1.5
