"""JPEGs decoded by nvJPEG on CUDA (issue 17, item 5), against Pillow (skipped without CUDA).

nvJPEG's pixels differ from libjpeg-turbo's by a level or so, and the GPU resizes in float:
the crops must stay within a couple of levels of the Pillow path's. An atlas built on CUDA
(which decodes there by default) must still rank and show what Pillow's full decode gives:
its candidates are rescored with Pillow. TF32 is off, as in test_cuda_engine.py.
"""

import numpy as np
import pytest
import torch
from PIL import Image

if not torch.cuda.is_available():
    pytest.skip("needs a CUDA GPU", allow_module_level=True)

from alexnet_viewer.core.atlas import tensor_decode  # noqa: E402
from alexnet_viewer.core.atlas.build import BuildOptions  # noqa: E402
from alexnet_viewer.core.atlas.codes import crops_from_batch  # noqa: E402
from alexnet_viewer.core.atlas.pictures import batches  # noqa: E402
from alexnet_viewer.core.atlas.tensor_decode import TensorDecoder  # noqa: E402
from alexnet_viewer.core.model.loader import WeightsSpec, load_model  # noqa: E402
from tests.atlas_fixtures import assert_ranked_as, atlas_by_path  # noqa: E402
from tests.core.test_atlas_build import brute_force, build  # noqa: E402
from tests.core.test_atlas_rescore import photos  # noqa: E402,F401 - the fixture

CUDA = torch.device("cuda")


@pytest.fixture(scope="module")
def models():
    spec = WeightsSpec.random(seed=0)
    return load_model(spec, device="cpu"), load_model(spec, device="cuda")


@pytest.fixture
def handed(monkeypatch):
    real, calls = tensor_decode.decode_jpeg, []

    def counting(data, **kwargs):
        calls.append((len(data), str(kwargs["device"])))
        return real(data, **kwargs)

    monkeypatch.setattr(tensor_decode, "decode_jpeg", counting)
    return calls


def test_nvjpeg_crops_are_within_two_levels_of_pillows(models, photos, handed, tmp_path):  # noqa: F811
    cpu_model, _ = models
    paths = sorted(photos.glob("*.jpg"), key=str)[:4]
    with Image.open(paths[0]) as opened:  # a turned one and a grey one too
        exif = Image.Exif()
        exif[0x0112] = 6
        opened.save(tmp_path / "turned.jpg", quality=90, exif=exif.tobytes())
        opened.convert("L").save(tmp_path / "grey.jpg", quality=90)
    paths += [tmp_path / "turned.jpg", tmp_path / "grey.jpg"]
    transforms = cpu_model.transforms
    [pillow] = batches(paths, transforms, len(paths), 0, None)
    [gpu] = batches(paths, transforms, len(paths), 0, None, pin_memory=True, decoder=TensorDecoder(transforms, CUDA))
    assert handed == [(len(paths), "cuda")] and gpu.pictures.device.type == "cuda"
    assert gpu.indices == pillow.indices == list(range(len(paths))) and gpu.errors == []
    apart = np.abs(crops_from_batch(gpu.pictures, transforms).astype(np.int16) - crops_from_batch(pillow.pictures, transforms))
    assert apart.max() <= 2, f"crops differ by {apart.max()} levels"


def test_an_atlas_built_on_cuda_equals_a_full_decode_ranking(models, photos, handed, tmp_path):  # noqa: F811
    cpu_model, cuda_model = models
    k = 3
    build(cuda_model, photos, tmp_path / "atlas", BuildOptions(top_k=k, batch_size=4, commit_seconds=0.0))
    assert handed and {device for _, device in handed} == {"cuda"}  # the default on CUDA
    atlas = atlas_by_path(tmp_path / "atlas")
    paths = sorted(photos.glob("*.jpg"), key=str)
    assert_ranked_as(atlas, paths, brute_force(cpu_model, paths, k, draft=False), rtol=1e-4, atol=1e-4)
