"""``alexnet-viewer evaluate``: the summary, the JSON, the warnings, bad files and bad layouts."""

import json

import pytest

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.core.pictures.samples import list_samples

RANDOM = ["--random-weights", "--seed", "0", "--device", "cpu"]
SAMPLES = [path for _, path in list_samples()]


@pytest.fixture()
def labelled(tmp_path):
    """Folders named by category: three pictures of 'tabby', two of 'goldfish', one damaged file."""
    root = tmp_path / "set"
    for name, pictures in (("tabby", SAMPLES[:3]), ("goldfish", SAMPLES[3:])):
        (root / name).mkdir(parents=True)
        for path in pictures:
            (root / name / path.name).write_bytes(path.read_bytes())
    return root


def test_reports_accuracy_as_json_and_exits_1_for_a_damaged_file(labelled, loaded_model, tmp_path, capsys):
    from alexnet_viewer.core.evaluate import evaluate_folder

    (labelled / "tabby" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out = tmp_path / "report.json"
    assert main(["evaluate", str(labelled), "--json", str(out), "--batch", "2", *RANDOM]) == 1
    captured = capsys.readouterr()
    assert "MEANINGLESS" in captured.err and "UNTRAINED" in captured.out
    assert 'Cannot open "broken.png"' in captured.err and str(labelled / "tabby" / "broken.png") in captured.err
    assert "evaluated 6/6 pictures" in captured.err and "top-1" in captured.out and "Krizhevsky" in captured.out
    payload = json.loads(out.read_text())
    direct = evaluate_folder(loaded_model, labelled)  # decoded here, without worker processes
    assert (payload["top1"], payload["top5"], payload["count"]) == (direct.top1, direct.top5, 5)
    assert payload["layout"] == "category-names" and len(payload["failures"]) == 1


def test_a_clean_folder_exits_0_and_limit_caps_the_pictures(labelled, tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["evaluate", str(labelled), "--limit", "2", "--workers", "0", "--json", str(out), *RANDOM]) == 0
    payload = json.loads(out.read_text())
    assert payload["count"] == 2 and {entry["label"] for entry in payload["per_class"]} == {"tabby", "goldfish"}


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--limit", "0"], "--limit must be at least 1"),
        (["--batch", "0"], "--batch must be at least 1"),
        (["--workers", "-1"], "--workers must be at least 0"),
        (["--decode", "gpu"], "--decode gpu needs a CUDA device, and this run uses cpu."),
        (["--decode", "gpu", "--ten-crop"], "--ten-crop cuts its crops from Pillow's pictures"),
    ],
)
def test_bad_numbers_exit_2(arguments, words, labelled, capsys):
    assert main(["evaluate", str(labelled), *arguments, *RANDOM]) == 2
    assert words in capsys.readouterr().err


def test_bad_folders_exit_2_with_one_sentence(labelled, tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing"), *RANDOM]) == 2
    assert "is not a folder" in capsys.readouterr().err
    (labelled / "doggo").mkdir()
    assert main(["evaluate", str(labelled), *RANDOM]) == 2
    err = capsys.readouterr().err
    assert "Folder 'doggo'" in err and "Traceback" not in err and len(err.strip().splitlines()) == 2


def test_ten_crop_accuracy_beside_the_centre_crop(loaded_model, tmp_path, capsys):
    """Each picture filed under the class its ten crops agree on (computed one picture at a time):
    ten-crop top-1 is 100%; the centre-crop figures are the plain run's."""
    import torch

    from alexnet_viewer.core.frame.preprocess import Preprocessor
    from alexnet_viewer.core.papers.ten_crop import ten_crop
    from alexnet_viewer.core.pictures.images import image_to_array, load_image
    from alexnet_viewer.core.visualize.network import private_model

    preprocess, model = Preprocessor(loaded_model.transforms, torch.device("cpu")), private_model(loaded_model.model)
    root = tmp_path / "indices"
    for path in SAMPLES[:4]:
        best = ten_crop(model, preprocess, image_to_array(load_image(path))).top(1)[0][0]
        (root / str(best)).mkdir(parents=True, exist_ok=True)
        (root / str(best) / path.name).write_bytes(path.read_bytes())
    plain, ten = tmp_path / "plain.json", tmp_path / "ten.json"
    assert main(["evaluate", str(root), "--json", str(plain), "--workers", "0", *RANDOM]) == 0
    assert main(["evaluate", str(root), "--json", str(ten), "--workers", "0", "--ten-crop", "--batch", "3", *RANDOM]) == 0
    out = capsys.readouterr().out
    assert "(ten crops, softmax averaged)" in out and "(centre crop)" in out
    plain, ten = json.loads(plain.read_text()), json.loads(ten.read_text())
    assert ten["ten_crop"] == {"top1": 1.0, "top5": 1.0} and "ten_crop" not in plain
    assert (ten["top1"], ten["top5"], ten["mistakes"]) == (plain["top1"], plain["top5"], plain["mistakes"])
