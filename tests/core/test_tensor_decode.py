"""JPEGs decoded as tensors, a batch at a time (issue 17, item 5): the GPU's route, run on the CPU.

torchvision's decode_jpeg takes device="cpu" as well as "cuda", so the very code that decodes
on a GPU runs here: the workers' checks, the batched call and its fallbacks to Pillow, the
EXIF orientation, the preprocessing on the decoder's device, and an atlas whose values are
still the viewer's when the decoder's pixels are not Pillow's (nvJPEG's differ by a level or
so; a wrapper that moves some pixels by one level plays its part here).
"""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.core.atlas import tensor_decode
from alexnet_viewer.core.atlas.build import BuildOptions
from alexnet_viewer.core.atlas.codes import crops_from_batch
from alexnet_viewer.core.atlas.pictures import batches
from alexnet_viewer.core.atlas.rescore import pixels_may_differ
from alexnet_viewer.core.atlas.tensor_decode import TensorDecoder, read_jpeg, uses_tensor_decoding
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from tests.atlas_fixtures import assert_ranked_as, atlas_by_path
from tests.core.test_atlas_build import brute_force, build
from tests.core.test_atlas_rescore import photos  # noqa: F401 - the fixture

CPU = torch.device("cpu")


@pytest.fixture
def decoded(monkeypatch):
    """Every picture torchvision's decode_jpeg is handed (as its byte count), call by call."""
    calls = []
    real = tensor_decode.decode_jpeg

    def counting(data, **kwargs):
        calls.append([len(one) for one in data])
        return real(data, **kwargs)

    monkeypatch.setattr(tensor_decode, "decode_jpeg", counting)
    return calls


def scene(height=300, width=420, seed=0) -> np.ndarray:
    """A picture with edges and texture, so a one-level change shows in the crops."""
    rows, cols = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(seed)
    base = np.stack([np.sin(cols / 7.0) * 90 + 128, (rows // 25 + cols // 25) % 2 * 180 + 40, (rows + cols) % 256], -1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def save_jpeg(path, pixels, mode="RGB", **options):
    Image.fromarray(pixels).convert(mode).save(path, "JPEG", quality=90, **options)
    return path


def with_orientation(path, pixels, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save_jpeg(path, pixels, exif=exif.tobytes())


def run(paths, transforms, decoder=None, draft=None, batch=16):
    return list(batches(paths, transforms, batch, 0, draft, decoder=decoder))


def levels(batch, transforms) -> np.ndarray:
    return crops_from_batch(batch.pictures, transforms).astype(np.int16)


@pytest.fixture
def mixed(tmp_path):
    """JPEGs of every kind the route meets, beside a PNG and damaged files."""
    pixels = scene()
    sos = (save_jpeg(tmp_path / "probe.jpg", pixels).read_bytes()).index(b"\xff\xda")
    header_only = (tmp_path / "probe.jpg").read_bytes()[:sos] + b"\xff\xd9"  # passes the checks, no picture
    (tmp_path / "probe.jpg").unlink()
    files = {
        "a-rgb.jpg": save_jpeg(tmp_path / "a-rgb.jpg", pixels),
        "b-grey.jpg": save_jpeg(tmp_path / "b-grey.jpg", pixels, "L"),
        "c-cmyk.jpg": save_jpeg(tmp_path / "c-cmyk.jpg", pixels, "CMYK"),
        "d-turned.jpg": with_orientation(tmp_path / "d-turned.jpg", pixels[:, :360], 6),
        "e-picture.png": tmp_path / "e-picture.png",
        "f-truncated.jpg": tmp_path / "f-truncated.jpg",
        "g-header-only.jpg": tmp_path / "g-header-only.jpg",
        "h-progressive.jpg": save_jpeg(tmp_path / "h-progressive.jpg", pixels[:280], progressive=True),
    }
    Image.fromarray(pixels).save(files["e-picture.png"])
    files["f-truncated.jpg"].write_bytes(files["a-rgb.jpg"].read_bytes()[:4000])
    files["g-header-only.jpg"].write_bytes(header_only)
    return files


def test_jpegs_go_to_decode_jpeg_and_the_rest_to_pillow_with_the_same_sentences(loaded_model, mixed, decoded):
    paths = list(mixed.values())
    transforms = loaded_model.transforms
    [pillow] = run(paths, transforms)
    assert decoded == []
    [tensor] = run(paths, transforms, TensorDecoder(transforms, CPU))
    sizes = {name: path.stat().st_size for name, path in mixed.items()}
    # One batched call for the four plain JPEGs (and the header-only one), then that one alone.
    taken = ["a-rgb.jpg", "b-grey.jpg", "d-turned.jpg", "g-header-only.jpg", "h-progressive.jpg"]
    assert decoded == [[sizes[name] for name in taken], *[[sizes[name]] for name in taken]]
    assert tensor.indices == pillow.indices == [0, 1, 2, 3, 4, 7]
    assert tensor.errors == pillow.errors == [
        (5, 'Cannot open "f-truncated.jpg": damaged file.'),
        (6, 'Cannot open "g-header-only.jpg": damaged file.'),
    ]
    assert np.abs(levels(tensor, transforms) - levels(pillow, transforms)).max() == 0  # libjpeg-turbo on both


def test_only_a_failing_picture_is_decoded_again_alone(loaded_model, mixed, monkeypatch):
    """A decoder that refuses one picture of the batch (as nvJPEG may): the batched call fails,
    each picture is tried alone, and the refused one is Pillow's."""
    real, calls = tensor_decode.decode_jpeg, []
    refused = mixed["b-grey.jpg"].stat().st_size

    def picky(data, **kwargs):
        calls.append(len(data))
        if refused in [len(one) for one in data]:
            raise RuntimeError("nvjpeg: unsupported")
        return real(data, **kwargs)

    monkeypatch.setattr(tensor_decode, "decode_jpeg", picky)
    paths = [mixed[name] for name in ("a-rgb.jpg", "b-grey.jpg", "h-progressive.jpg")]
    [tensor] = run(paths, loaded_model.transforms, TensorDecoder(loaded_model.transforms, CPU))
    [pillow] = run(paths, loaded_model.transforms)
    assert calls == [3, 1, 1, 1] and tensor.indices == [0, 1, 2] and tensor.errors == []
    torch.testing.assert_close(tensor.pictures, pillow.pictures, rtol=0, atol=0)


def test_the_accelerators_float_resize_is_within_one_level_of_pillows_crops(loaded_model, mixed, decoded):
    paths = [mixed[name] for name in ("a-rgb.jpg", "b-grey.jpg", "d-turned.jpg", "h-progressive.jpg")]
    transforms = loaded_model.transforms
    [pillow] = run(paths, transforms)
    [tensor] = run(paths, transforms, TensorDecoder(transforms, CPU, float_resize=True))
    apart = np.abs(levels(tensor, transforms) - levels(pillow, transforms))
    assert len(decoded) == 1 and apart.max() <= 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # decode_jpeg called here, not by the decoder
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_turns_the_picture_as_pillow_does(tmp_path, orientation):
    pixels = scene(120, 200)
    path = with_orientation(tmp_path / "turned.jpg", pixels, orientation)
    jpeg = read_jpeg(path)
    assert jpeg.orientation == orientation
    picture = tensor_decode.decode_jpeg(torch.frombuffer(bytearray(jpeg.data), dtype=torch.uint8))
    upright = tensor_decode.upright(picture, jpeg.orientation).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(upright, image_to_array(load_image(path)))


def test_an_over_limit_header_is_refused_before_any_decoding(loaded_model, tmp_path, decoded):
    data = bytearray(save_jpeg(tmp_path / "small.jpg", scene(64, 80)).read_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (10000).to_bytes(2, "big") * 2  # height, width: 100 megapixels
    (tmp_path / "huge.jpg").write_bytes(bytes(data))
    assert read_jpeg(tmp_path / "huge.jpg") is None
    [batch] = run([tmp_path / "huge.jpg"], loaded_model.transforms, TensorDecoder(loaded_model.transforms, CPU))
    assert decoded == [] and batch.pictures is None
    assert batch.errors == [(0, 'Cannot open "huge.jpg": too large: 10000×10000 pixels (limit 89 megapixels).')]


def test_doubtful_files_are_left_to_pillow(tmp_path):
    pixels = scene(60, 80)
    trailing = save_jpeg(tmp_path / "trailing.jpg", pixels)
    trailing.write_bytes(trailing.read_bytes() + b"camera maker's trailer")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    (tmp_path / "png.jpg").write_bytes(buffer.getvalue())
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "folder.jpg").mkdir()
    for name in ("trailing.jpg", "png.jpg", "empty.jpg", "folder.jpg", "missing.jpg"):
        assert read_jpeg(tmp_path / name) is None, name
    assert read_jpeg(save_jpeg(tmp_path / "cmyk.jpg", pixels, "CMYK")) is None
    assert read_jpeg(save_jpeg(tmp_path / "plain.jpg", pixels)).pixels == 60 * 80


def test_a_picture_on_the_device_is_cropped_as_a_numpy_one(loaded_model):
    """The Preprocessor's own rule, rounding and big-picture cut-out, for a decoded (3, H, W)
    picture already on the device, viewed (H, W, 3) as the decoder hands it over."""
    for shape in ((300, 420), (57, 5000)):  # the second's resized frame passes RESIZE_PIXEL_LIMIT
        pixels = scene(*shape)
        for float_resize in (False, True):
            preprocess = Preprocessor(loaded_model.transforms, CPU, float_resize)
            planar = torch.from_numpy(pixels).permute(2, 0, 1).contiguous()
            got = preprocess.centre_crop(planar.permute(1, 2, 0))
            torch.testing.assert_close(got, preprocess.centre_crop(pixels), rtol=0, atol=0)


def test_pictures_decode_in_groups_within_the_pixel_budget():
    assert tensor_decode._groups([4, 4, 4, 9, 1, 1], 8) == [[0, 1], [2], [3], [4, 5]]


def test_which_builds_decode_on_the_device():
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert uses_tensor_decoding("auto", cuda, draft=True) and not uses_tensor_decoding("auto", cuda, draft=False)
    assert not uses_tensor_decoding("auto", cpu, draft=True)
    assert uses_tensor_decoding("torchvision", cpu, draft=False) and not uses_tensor_decoding("pillow", cuda, True)
    with pytest.raises(ValueError, match="one of auto, pillow, torchvision"):
        uses_tensor_decoding("nvjpeg", cuda, True)
    with pytest.raises(ValueError):
        BuildOptions(jpeg_decoder="gpu")


def test_every_tensor_decoded_jpeg_is_a_rescoring_candidate(tmp_path):
    camera = save_jpeg(tmp_path / "camera.jpg", scene(480, 640))
    Image.fromarray(scene(480, 640)).save(tmp_path / "camera.png")
    assert not pixels_may_differ(camera, (256, 256))  # draft decoding leaves a 640x480 JPEG alone
    assert pixels_may_differ(camera, (256, 256), tensor_decoded=True)
    assert pixels_may_differ(camera, None, tensor_decoded=True)
    assert not pixels_may_differ(tmp_path / "camera.png", None, tensor_decoded=True)


@pytest.fixture
def nvjpeg_like(monkeypatch):
    """decode_jpeg whose pixels differ from libjpeg-turbo's by a level here and there, as
    nvJPEG's do; the pictures it was handed are counted."""
    real, calls = tensor_decode.decode_jpeg, []

    def off_by_one(data, **kwargs):
        calls.append(len(data))
        pictures = real(data, **kwargs)
        for picture in pictures:
            nudge = torch.from_numpy(np.random.default_rng(picture.numel()).integers(-1, 2, tuple(picture.shape)))
            picture.copy_((picture.to(torch.int16) + nudge).clamp_(0, 255).to(torch.uint8))
        return pictures

    monkeypatch.setattr(tensor_decode, "decode_jpeg", off_by_one)
    return calls


def test_an_atlas_decoded_on_the_device_shows_the_viewers_values(loaded_model, photos, nvjpeg_like, tmp_path):  # noqa: F811
    """Each picture the decoder took is rescored with Pillow where it nears a top-K, so the atlas
    equals a brute-force ranking of pictures decoded by Pillow in full, as the window decodes them."""
    k = 3
    options = BuildOptions(top_k=k, batch_size=4, commit_seconds=0.0, draft=False, jpeg_decoder="torchvision")
    report = build(loaded_model, photos, tmp_path / "atlas", options)
    paths = sorted(photos.glob("*.jpg"), key=str)
    assert report.processed == len(paths) and sum(nvjpeg_like) == len(paths)
    atlas = atlas_by_path(tmp_path / "atlas")
    maxima, where, order = brute_force(loaded_model, paths, k, draft=False)
    assert_ranked_as(atlas, paths, (maxima, where, order), rtol=1e-5, atol=1e-6)
    # The test can tell: the decoder's pictures alone are not Pillow's.
    [nudged] = run(paths, loaded_model.transforms, TensorDecoder(loaded_model.transforms, CPU), draft=None, batch=len(paths))
    [exact] = run(paths, loaded_model.transforms, batch=len(paths))
    assert np.abs(levels(nudged, loaded_model.transforms) - levels(exact, loaded_model.transforms)).max() == 1
