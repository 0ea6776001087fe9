"""``export``: its files, and that no fault (bad picture, engine, disk, folder, weights) loses
the other images' work or leaves half a folder behind."""

import errno
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_viewer.cli import export
from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS

RANDOM = ["--random-weights", "--seed", "3", "--device", "cpu"]
EXPECTED_FILES = {"predictions.json", "stats.json", "filters.png", "filters_per_filter.png", "input_224.png"} | {
    f"{name}.png" for name in SPATIAL_LAYERS
}


def _stripes(path, period=10):
    rows, cols = np.mgrid[0:300, 0:400]
    Image.fromarray(((cols // period % 2) * 255).astype(np.uint8)).convert("RGB").save(path)
    return path


@pytest.fixture()
def pictures(tmp_path):
    good = _stripes(tmp_path / "stripes.png")
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    return good, bad


@pytest.fixture()
def three(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    return [_stripes(folder / f"{name}.png", period) for name, period in (("a", 5), ("b", 9), ("c", 17))]


def _silent(*_args):
    pass


def _strict_json(path):
    def refuse(constant):
        raise ValueError(f"{path.name} holds {constant}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_export_writes_every_file(tmp_path, pictures, capsys):
    good, _ = pictures
    out = tmp_path / "out"
    assert main(["export", str(good), "--out", str(out), *RANDOM]) == 0
    folder = out / "stripes.png"
    assert {p.name for p in folder.iterdir()} == EXPECTED_FILES  # no temporary files left behind
    assert [p.name for p in out.iterdir()] == ["stripes.png"]  # nor a staging folder
    predictions = _strict_json(folder / "predictions.json")
    assert predictions["weights"] == {"source": "random", "description": "random, seed 3", "trained": False}
    top5 = predictions["top5"]
    assert len(top5) == 5 and top5[0]["probability"] >= top5[-1]["probability"]
    assert set(top5[0]) == {"index", "label", "probability"}
    stats = _strict_json(folder / "stats.json")["layers"]
    assert list(stats)[0] == "conv1" and len(stats) == 18
    assert stats["conv1"]["shape"] == [64, 55, 55] and stats["conv1"]["min"] < 0
    assert len(stats["relu2"]["histogram"]["counts"]) == 64 and stats["relu2"]["zero_fraction"] > 0
    assert Image.open(folder / "input_224.png").size == (224, 224)
    assert Image.open(folder / "conv2.png").size == (391, 391)
    assert "untrained" in capsys.readouterr().err


def test_export_skips_a_bad_image_and_exits_1(tmp_path, pictures, capsys):
    good, bad = pictures
    out = tmp_path / "out"
    assert main(["export", str(bad), str(good), "--out", str(out), *RANDOM]) == 1
    err = capsys.readouterr().err
    assert 'Cannot open "notes.jpg": not an image.' in err
    assert (out / "stripes.png" / "predictions.json").is_file()
    assert not (out / "notes.jpg").exists()


def test_export_keeps_two_images_of_the_same_name_apart(tmp_path, pictures, engine):
    good, _ = pictures
    other = tmp_path / "again"
    other.mkdir()
    (other / good.name).write_bytes(good.read_bytes())
    out = tmp_path / "out"
    assert export.export_images(engine, [good, other / good.name], out, log=_silent) == 0
    assert sorted(p.name for p in out.iterdir()) == ["stripes.png", "stripes.png-2"]


def test_a_full_disk_leaves_no_half_folder_and_the_others_go_on(tmp_path, three, engine, monkeypatch, capsys):
    real_write_png, writes = export.write_png, []

    def write_png(path, pixels):
        writes.append(path)
        if len(writes) == 3:  # the third PNG of the first image
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_png(path, pixels)

    monkeypatch.setattr(export, "write_png", write_png)
    out = tmp_path / "out"
    assert export.export_images(engine, three, out, log=_silent) == 1
    err = capsys.readouterr().err
    first = three[0]
    assert f'Cannot write the results for "{first}" to {out / first.name}: No space left on device.' in err
    assert "Traceback" not in err and "1 of 3 images could not be exported" in err
    assert sorted(p.name for p in out.iterdir()) == ["b.png", "c.png"]  # nothing hidden, nothing half
    for name in ("b.png", "c.png"):
        assert {p.name for p in (out / name).iterdir()} == EXPECTED_FILES


def test_a_second_export_replaces_the_first_and_a_failed_one_keeps_it(tmp_path, three, engine, monkeypatch):
    out = tmp_path / "out"
    first = three[0]
    assert export.export_images(engine, [first], out, log=_silent) == 0
    (out / first.name / "stale.txt").write_text("from an older version")
    assert export.export_images(engine, [first], out, log=_silent) == 0
    assert {p.name for p in (out / first.name).iterdir()} == EXPECTED_FILES
    before = (out / first.name / "stats.json").read_bytes()

    def no_space(path, pixels):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "write_png", no_space)
    assert export.export_images(engine, [first], out, log=_silent) == 1
    assert [p.name for p in out.iterdir()] == [first.name]
    assert (out / first.name / "stats.json").read_bytes() == before  # the old export is intact


def test_a_picture_inside_the_output_folder_is_never_overwritten(tmp_path, engine):
    picture = _stripes(tmp_path / "photo.png")
    original = picture.read_bytes()
    assert export.export_images(engine, [picture], tmp_path, log=_silent) == 0
    assert picture.read_bytes() == original
    assert {p.name for p in (tmp_path / "photo.png-2").iterdir()} == EXPECTED_FILES


def test_an_engine_fault_names_the_image_and_the_others_go_on(tmp_path, three, engine, capsys):
    class FailsOnce:
        def __init__(self):
            self.calls = 0

        def process(self, array, request):
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("CUDA error: an illegal memory access was encountered\nmore detail")
            return engine.process(array, request)

    out = tmp_path / "out"
    assert export.export_images(FailsOnce(), three, out, log=_silent) == 1
    err = capsys.readouterr().err
    assert f'error: AlexNet failed on "{three[1]}": CUDA error: an illegal memory access was encountered.\n' in err
    assert "more detail" not in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]


def test_non_finite_activations_are_refused_for_that_image(tmp_path, three, engine, monkeypatch, capsys):
    import dataclasses

    real = engine.process

    class Overflowing:
        def process(self, array, request):
            result = real(array, request)
            stats = dict(result.stats)
            stats["conv3"] = dataclasses.replace(stats["conv3"], spread=(float("inf"), 0.0))
            return dataclasses.replace(result, stats=stats)

    out = tmp_path / "out"
    assert export.export_images(Overflowing(), three[:1], out, log=_silent) == 1
    err = capsys.readouterr().err
    assert f'The activations for "{three[0]}" are not finite (overflow at layer conv3); nothing written' in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    "where, reason",
    [
        ("under_a_file", "'{file}' is a file, not a folder"),
        ("the_file", "it is a file"),
        ("proc", "No such file or directory"),
    ],
)
def test_an_unusable_output_folder_is_refused_up_front(tmp_path, three, engine, capsys, where, reason):
    file = tmp_path / "notes.txt"
    file.write_text("a regular file")
    # Tests run as root, who may write anywhere a mode bit forbids; nobody may create in /proc.
    out = {"under_a_file": file / "out", "the_file": file, "proc": Path("/proc/alexnet-viewer-export")}[where]
    assert export.export_images(engine, three, out, log=_silent) == export.EXIT_BAD_OUTPUT == 2
    err = capsys.readouterr().err
    assert err == f"error: Cannot use '{out}' as the output folder: {reason.format(file=file)}.\n"
    assert file.read_text() == "a regular file"


def test_weights_whose_forward_overflows_are_refused_at_load(loaded_model):
    from alexnet_viewer.core.errors import WeightsError
    from alexnet_viewer.core.model.loader import check_finite_forward
    from torchvision.models import alexnet

    huge = alexnet(weights=None).eval()
    huge.load_state_dict(loaded_model.model.state_dict())
    check_finite_forward(huge, torch.device("cpu"), "fine.pth")  # ordinary weights pass
    with torch.no_grad():
        for module in huge.features:
            if isinstance(module, torch.nn.Conv2d):
                module.weight.mul_(1e30)  # finite, but conv2's output is not
    assert all(bool(torch.isfinite(p).all()) for p in huge.parameters())
    with pytest.raises(WeightsError) as caught:
        check_finite_forward(huge, torch.device("cpu"), "huge.pth")
    assert str(caught.value) == (
        "The weights in 'huge.pth' give non-finite activations (overflow at layer conv2): refusing them."
    )


def test_export_with_overflowing_weights_exits_2(tmp_path, pictures, monkeypatch, capsys):
    from alexnet_viewer.core.model import loader as model
    real = model._random_model

    def huge_random_model(seed):
        built = real(seed)
        with torch.no_grad():
            built.features[0].weight.mul_(1e30)
            built.features[3].weight.mul_(1e30)
        return built

    monkeypatch.setattr(model, "_random_model", huge_random_model)
    good, _ = pictures
    assert main(["export", str(good), "--out", str(tmp_path / "o"), *RANDOM]) == 2
    err = capsys.readouterr().err
    assert (
        "error: The weights in 'random, seed 3' give non-finite activations (overflow at layer conv2): "
        "refusing them." in err
    )
    assert not (tmp_path / "o").exists()


def test_export_with_bad_weights_exits_2(tmp_path, pictures, capsys):
    good, _ = pictures
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"PK\x03\x04 definitely not a checkpoint")
    assert main(["export", str(good), "--out", str(tmp_path / "o"), "--weights", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot read weights from 'broken.pth'")
    assert "Traceback" not in err


def test_a_bad_output_folder_is_refused_before_the_weights_are_loaded(tmp_path, pictures, monkeypatch, capsys):
    good, _ = pictures
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    monkeypatch.setattr("alexnet_viewer.cli.weights_options.load_engine", lambda args: pytest.fail("loaded weights"))
    assert main(["export", str(good), "--out", str(blocker / "out"), "--pretrained"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_export_with_an_unknown_device_exits_2(tmp_path, pictures, capsys):
    good, _ = pictures
    code = main(["export", str(good), "--out", str(tmp_path / "o"), "--random-weights", "--device", "toaster"])
    assert code == 2
    assert "Unknown device 'toaster'" in capsys.readouterr().err


def test_export_offline_without_cached_weights_explains(tmp_path, pictures, capsys, monkeypatch):
    from alexnet_viewer.core.model import loader as model
    monkeypatch.setattr(model, "PRETRAINED_URL", "http://127.0.0.1:9/alexnet-owt-7be5be79.pth")
    monkeypatch.setattr(model, "PRETRAINED_CACHE_DIR", tmp_path / "cache")
    good, _ = pictures
    assert main(["export", str(good), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--weights FILE" in err and "--random-weights" in err and "Traceback" not in err


def test_module_entry_point_runs_export(tmp_path, pictures):
    good, _ = pictures
    completed = subprocess.run(
        [sys.executable, "-m", "alexnet_viewer", "export", str(good), "--out", str(tmp_path / "o"), *RANDOM],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "o" / "stripes.png" / "filters.png").is_file()
