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
