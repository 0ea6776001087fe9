"""``export --explain``: the explain/ maps, read back and compared with the Explainer itself."""

import json

import numpy as np
import pytest
from PIL import Image

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.samples import list_samples
from alexnet_viewer.cli.explain_export import ExplainExport, parse_unit
from alexnet_viewer.core.model.classes import resolve_class

RANDOM = ["--random-weights", "--seed", "0", "--device", "cpu"]  # the session's loaded_model


@pytest.fixture(scope="module")
def picture():
    return list_samples()[0][1]


@pytest.fixture(scope="module")
def direct(loaded_model, picture):
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(image_to_array(load_image(picture)))
    return Explainer(loaded_model), batch


def read(folder, stem):
    values = np.load(folder / f"{stem}.npy")
    assert values.dtype == np.float32
    assert Image.open(folder / f"{stem}.png").size[0] in (224,)
    return values


def close(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * float(np.abs(theirs).max()))


def test_explain_alone_writes_every_map_of_the_top1_at_relu5(tmp_path, picture, direct, capsys):
    out = tmp_path / "out"
    assert main(["export", str(picture), "--out", str(out), *RANDOM, "--explain"]) == 0
    image_folder = out / picture.name
    top1 = json.loads((image_folder / "predictions.json").read_text())["top5"][0]["index"]
    folder = image_folder / "explain"
    stems = [f"gradcam_relu5_{top1}", f"guided_backprop_{top1}", f"deconv_{top1}", f"guided_gradcam_relu5_{top1}"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.{e}" for s in stems for e in ("npy", "png"))
    explainer, batch = direct
    expected = explainer.class_maps(batch, top1)
    cam = read(folder, stems[0])
    assert cam.shape == (13, 13) and cam.max() > 0
    close(cam, expected["gradcam"])
    for stem, name in zip(stems[1:], ("guided_backprop", "deconv", "guided_gradcam")):
        values = read(folder, stem)
        assert values.shape == (3, 224, 224)
        close(values, expected[name])
    assert "Traceback" not in capsys.readouterr().err


def test_explain_classes_by_name_and_index_a_layer_and_units(tmp_path, picture, direct, loaded_model):
    out = tmp_path / "out"
    flags = ["--explain-class", "TABBY", "--explain-class", "7", "--explain-class", "tabb",  # tabb: tabby again
             "--explain-layer", "conv4", "--explain-unit", "conv5:12@3,4", "--explain-unit", "relu3:7"]
    assert main(["export", str(picture), "--out", str(out), *RANDOM, *flags]) == 0
    folder = out / picture.name / "explain"
    tabby = loaded_model.categories.index("tabby")
    names = {p.stem for p in folder.iterdir()}
    for index in (tabby, 7):
        assert {f"gradcam_conv4_{index}", f"guided_backprop_{index}", f"deconv_{index}", f"guided_gradcam_conv4_{index}"} <= names
    units = {"guided_backprop_conv5_12_3_4", "deconv_conv5_12_3_4", "guided_backprop_relu3_7", "deconv_relu3_7"}
    assert units <= names and len(names) == 8 + 4
    explainer, batch = direct
    close(read(folder, f"gradcam_conv4_{tabby}"), explainer.gradcam(batch, tabby, "conv4"))
    close(read(folder, "guided_backprop_conv5_12_3_4"), explainer.unit_map(batch, "conv5", 12, 3, 4, "guided_backprop"))
    close(read(folder, "deconv_relu3_7"), explainer.unit_map(batch, "relu3", 7, method="deconv"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"classes": ["cardigan"]}, "'cardigan' names classes 264 and 474; give the index instead."),
        ({"classes": ["tab"]}, "'tab' could be any of 2 classes (tabby, table lamp)"),
        ({"classes": ["zebrafish"]}, "No class is called 'zebrafish'"),
        ({"classes": ["1000"]}, "Class index 1000 is out of range 0..999."),
        ({"layer": "fc6"}, "--explain-layer must be a conv, relu or pool layer"),
        ({"units": ["conv5"]}, "--explain-unit takes LAYER:CHANNEL or LAYER:CHANNEL@Y,X"),
        ({"units": ["conv9:1"]}, "--explain-unit: unknown layer 'conv9'"),
        ({"units": ["conv5:256"]}, "--explain-unit conv5:256: conv5 has channels 0..255, not 256."),
        ({"units": ["pool5:1@6,0"]}, "pool5 positions are y 0..5, x 0..5, not 6,0."),
        ({"units": ["fc6:1@0,0"]}, "fc6 is fully connected: its units have no position."),
    ],
)
def test_a_bad_explain_target_is_refused_with_a_sentence(loaded_model, flags, message):
    with pytest.raises(ValueError) as caught:
        ExplainExport(loaded_model, **flags)
    assert message in str(caught.value) and str(caught.value).endswith(".") and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--explain-unit", "conv5:256@1,1"], "--explain-unit conv5:256: conv5 has channels 0..255, not 256."),
        (["--explain", "--ablate", "conv5:3"], "--explain explains the intact network, so it cannot be combined with --ablate."),
    ],
)
def test_a_bad_explain_request_exits_2_before_any_work(tmp_path, picture, capsys, flags, message):
    out = tmp_path / "out"
    assert main(["export", str(picture), "--out", str(out), *RANDOM, *flags]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert not out.exists()


def test_unit_and_class_parsing():
    assert parse_unit(" Conv5 : 12 @ 3 , 4 ") == parse_unit("conv5:12@3,4")
    assert parse_unit("fc8:281").stem == "fc8_281" and parse_unit("conv5:1@2,3").stem == "conv5_1_2_3"
    categories = ("tabby", "tiger cat", "tiger", "Tiger shark")
    assert resolve_class("tiger", categories) == 2  # exact beats the prefix of three
    assert resolve_class("tiger s", categories) == 3
    assert resolve_class("3", categories) == 3


def test_explain_methods_write_named_maps_unnormalised_with_pngs(tmp_path, picture, loaded_model):
    from alexnet_viewer.core.explain.methods import MethodRunner, Settings

    out = tmp_path / "out"
    flags = ["--explain-method", "smoothgrad", "--explain-method", "LayerCAM".lower(), "--explain-method", "saliency",
             "--explain-class", "7", "--explain-layer", "conv3", "--smoothgrad-samples", "3", "--smoothgrad-noise", "0.2",
             "--seed", "0"]
    assert main(["export", str(picture), "--out", str(out), *RANDOM, *flags]) == 0
    folder = out / picture.name / "explain"
    assert sorted(p.stem for p in folder.glob("*.npy")) == ["layercam_conv3_7", "saliency_7", "smoothgrad_7"]
    runner = MethodRunner(loaded_model)
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(image_to_array(load_image(picture)))
    close(read(folder, "smoothgrad_7"), runner.run("smoothgrad", batch, 7, settings=Settings(samples=3, noise=0.2, seed=0)))
    cam = read(folder, "layercam_conv3_7")
    assert cam.shape == (13, 13)
    close(cam, runner.run("layercam", batch, 7, "conv3"))
    assert read(folder, "saliency_7").shape == (3, 224, 224)


def test_explain_method_with_explain_adds_the_standard_four(tmp_path, picture):
    out = tmp_path / "out"
    assert main(["export", str(picture), "--out", str(out), *RANDOM, "--explain", "--explain-method", "grad_x_input",
                 "--explain-class", "3"]) == 0
    names = sorted(p.stem for p in (out / picture.name / "explain").glob("*.npy"))
    assert names == ["deconv_3", "grad_x_input_3", "gradcam_relu5_3", "guided_backprop_3", "guided_gradcam_relu5_3"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--explain-method", "magic"], "--explain-method: Unknown explanation method 'magic'; choose one of gradcam,"),
        (["--explain-method", "smoothgrad", "--smoothgrad-samples", "0"], "--smoothgrad-samples must be at least 1, not 0."),
        (["--explain-method", "smoothgrad", "--smoothgrad-noise", "-1"], "--smoothgrad-noise must be between 0 and 10"),
        (["--explain-method", "integrated_gradients", "--ig-steps", "0"], "--ig-steps must be at least 1, not 0."),
    ],
)
def test_a_bad_method_or_setting_exits_2_with_one_sentence(tmp_path, picture, capsys, flags, message):
    out = tmp_path / "out"
    assert main(["export", str(picture), "--out", str(out), *RANDOM, *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1 and err.rstrip().endswith(".")
    assert not out.exists()


def test_ig_steps_and_seed_reach_the_maps_and_cams_are_named_by_layer(tmp_path, picture):
    from alexnet_viewer.core.explain.methods import MethodRunner, Settings
    from alexnet_viewer.core.model.loader import WeightsSpec, load_model

    out = tmp_path / "out"
    flags = ["--explain-method", "integrated_gradients", "--explain-method", "smoothgrad", "--explain-method", "gradcam_pp",
             "--explain-method", "scorecam", "--explain-class", "5", "--explain-layer", "conv1", "--ig-steps", "3",
             "--smoothgrad-samples", "2"]
    assert main(["export", str(picture), "--out", str(out), "--random-weights", "--seed", "1", "--device", "cpu", *flags]) == 0
    folder = out / picture.name / "explain"
    assert sorted(p.stem for p in folder.glob("*.npy")) == [
        "gradcam_pp_conv1_5", "integrated_gradients_5", "scorecam_conv1_5", "smoothgrad_5"]
    loaded = load_model(WeightsSpec.random(seed=1), device="cpu")  # --seed seeds the random weights too
    runner = MethodRunner(loaded)
    batch, _ = Preprocessor(loaded.transforms, loaded.device)(image_to_array(load_image(picture)))
    close(read(folder, "integrated_gradients_5"), runner.run("integrated_gradients", batch, 5, settings=Settings(steps=3)))
    smooth = read(folder, "smoothgrad_5")
    close(smooth, runner.run("smoothgrad", batch, 5, settings=Settings(samples=2, seed=1)))
    other_noise = runner.run("smoothgrad", batch, 5, settings=Settings(samples=2, seed=0))
    assert not np.allclose(smooth, other_noise, rtol=0, atol=1e-3 * float(np.abs(other_noise).max()))
    for name in ("gradcam_pp", "scorecam"):
        cam = read(folder, f"{name}_conv1_5")
        assert cam.shape == (55, 55) and cam.max() > 0
        close(cam, runner.run(name, batch, 5, "conv1"))
