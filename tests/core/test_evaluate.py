"""Accuracy on a labelled folder: the three layouts, against a direct per-picture computation
with the engine, bad layouts, bad files, --limit, cancelling and the published figures."""

import json
from pathlib import Path

import pytest
from torchvision.models import AlexNet_Weights

from alexnet_viewer.core.evaluate import (
    EvaluationCancelled,
    LayoutError,
    class_folders,
    evaluate_folder,
    spread,
)
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.pictures.samples import list_samples

SAMPLES = [path for _, path in list_samples()]


def wnid(index: int) -> str:
    return f"n{1_000_000 + 37 * index:08d}"  # sorted order is index order, like ImageNet's


FOLDER_NAMES = {
    "category-names": lambda categories, index: categories[index],
    "class-indices": lambda categories, index: str(index),
    "wordnet-ids": lambda categories, index: wnid(index),
}


@pytest.fixture(scope="module")
def engine_top5(engine):
    """Each sample's top-5 class indices, from the engine, one picture at a time."""
    return {
        path: tuple(p.index for p in engine.process(image_to_array(load_image(path))).top5) for path in SAMPLES
    }


@pytest.fixture(scope="module")
def labels(engine_top5):
    """A label per sample: a top-1 hit, a top-5-only hit and misses (computed, not assumed)."""
    everything = {index for top in engine_top5.values() for index in top}
    misses = [index for index in range(1000) if index not in everything]
    chosen = {SAMPLES[0]: engine_top5[SAMPLES[0]][0], SAMPLES[1]: engine_top5[SAMPLES[1]][3]}
    chosen.update({path: misses[i % 2] for i, path in enumerate(SAMPLES[2:])})
    return chosen


def make_folder(root: Path, layout: str, labels: dict, categories, corrupt: bool = True) -> Path:
    name = FOLDER_NAMES[layout]
    if layout == "wordnet-ids":
        for index in reversed(range(1000)):  # made in reverse: only the sorted order may count
            (root / wnid(index)).mkdir(parents=True, exist_ok=True)
    for path, index in labels.items():
        target = root / name(categories, index) / "deeper"
        target.mkdir(parents=True, exist_ok=True)
        (target / path.name).write_bytes(path.read_bytes())
    if corrupt:
        (root / name(categories, next(iter(labels.values()))) / "broken.jpg").write_bytes(
            b"\xff\xd8\xff not really"
        )
    (root / name(categories, next(iter(labels.values()))) / "notes.txt").write_text("not a picture, ignored")
    (root / ".hidden").mkdir()
    return root


@pytest.mark.parametrize("layout", sorted(FOLDER_NAMES))
def test_accuracy_matches_the_engine_picture_by_picture(layout, loaded_model, engine_top5, labels, tmp_path):
    folder = make_folder(tmp_path / "set", layout, labels, loaded_model.categories)
    seen = []
    report = evaluate_folder(loaded_model, folder, batch=2, progress=lambda *a: seen.append(a))
    hits1 = sum(engine_top5[path][0] == index for path, index in labels.items())
    hits5 = sum(index in engine_top5[path] for path, index in labels.items())
    assert 0 < hits1 < hits5 < len(labels)  # the folder exercises hits, top-5-only hits and misses
    assert report.layout == layout and report.count == len(labels)
    assert report.top1 == pytest.approx(hits1 / len(labels)) and report.top5 == pytest.approx(hits5 / len(labels))
    assert [f.path.name for f in report.failures] == ["broken.jpg"]
    assert report.failures[0].message.startswith('Cannot open "broken.jpg"')
    assert seen[-1] == (len(labels) + 1, len(labels) + 1)
    wrong = {
        path.name: (index, engine_top5[path]) for path, index in labels.items() if engine_top5[path][0] != index
    }
    assert {m.path.name: (m.true, m.top5) for m in report.mistakes} == wrong
    by_class = {}
    for path, index in labels.items():
        entry = by_class.setdefault(index, [0, 0, 0])
        entry[0] += 1
        entry[1] += engine_top5[path][0] == index
        entry[2] += index in engine_top5[path]
    assert {c.index: (c.count, c.top1 * c.count, c.top5 * c.count) for c in report.per_class} == {
        index: (n, pytest.approx(one), pytest.approx(five)) for index, (n, one, five) in by_class.items()
    }
    pairs = {}
    for true, top in wrong.values():
        pairs[(true, top[0])] = pairs.get((true, top[0]), 0) + 1
    assert {(p.true, p.predicted): p.count for p in report.confused_pairs} == pairs
    counts = [p.count for p in report.confused_pairs]
    assert counts == sorted(counts, reverse=True)


def test_category_name_folders_are_read_in_any_case(loaded_model, tmp_path):
    for name, source in (("TABBY", SAMPLES[0]), ("Goldfish", SAMPLES[1])):
        (tmp_path / name).mkdir()
        (tmp_path / name / source.name).write_bytes(source.read_bytes())
    (tmp_path / "tench").mkdir()  # an empty class folder is allowed
    report = evaluate_folder(loaded_model, tmp_path)
    assert report.layout == "category-names" and report.count == 2 and not report.failures
    assert [(entry.index, entry.count) for entry in report.per_class] == [
        (1, 1),
        (loaded_model.categories.index("tabby"), 1),
    ]


@pytest.mark.parametrize(
    "folders, words",
    [
        ([wnid(i) for i in range(999)], "has 999 WordNet-id folders, but ImageNet's layout needs all 1000"),
        ([wnid(0), "tabby"], "mixes WordNet-id folders with 'tabby'"),
        (["0", "1000"], "Folder '1000' in"),
        (["1", "01"], "both name class 1"),
        (["tabby", "doggo"], "Folder 'doggo' in"),
        (["tabby", "Tabby"], "both name class 281"),
        ([], "has no class folders"),
    ],
)
def test_bad_layouts_are_one_sentence_naming_the_problem(folders, words, loaded_model, tmp_path):
    for name in folders:
        (tmp_path / name).mkdir()
    with pytest.raises(LayoutError, match=words) as caught:
        class_folders(tmp_path, loaded_model.categories)
    assert str(caught.value).endswith(".") and "\n" not in str(caught.value)


def test_a_missing_folder_and_a_folder_without_pictures(loaded_model, tmp_path):
    with pytest.raises(LayoutError, match="is not a folder"):
        evaluate_folder(loaded_model, tmp_path / "nowhere")
    (tmp_path / "tabby").mkdir()
    with pytest.raises(LayoutError, match="no pictures"):
        evaluate_folder(loaded_model, tmp_path)


def test_limit_takes_pictures_round_robin_over_the_classes(loaded_model, labels, tmp_path):
    items = [(Path(f"a{i}.png"), 3) for i in range(3)] + [(Path(f"b{i}.png"), 7) for i in range(2)]
    assert spread(items, 3) == [(Path("a0.png"), 3), (Path("a1.png"), 3), (Path("b0.png"), 7)]
    assert spread(items, 10) == items
    folder = make_folder(tmp_path / "set", "class-indices", labels, loaded_model.categories, corrupt=False)
    report = evaluate_folder(loaded_model, folder, limit=2)
    assert report.count == 2 and len({c.index for c in report.per_class}) == 2


def test_cancelling_stops_the_evaluation(loaded_model, labels, tmp_path):
    folder = make_folder(tmp_path / "set", "class-indices", labels, loaded_model.categories)
    with pytest.raises(EvaluationCancelled, match="Stopped after 0 of 6 pictures"):
        evaluate_folder(loaded_model, folder, batch=1, cancelled=lambda: True)


def test_report_json_is_strict_and_carries_the_published_figures(loaded_model, labels, tmp_path):
    folder = make_folder(tmp_path / "set", "category-names", labels, loaded_model.categories)
    payload = json.loads(json.dumps(evaluate_folder(loaded_model, folder).to_json(), allow_nan=False))
    metrics = AlexNet_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]
    assert payload["published"]["torchvision"]["top1"] == pytest.approx(metrics["acc@1"] / 100)
    assert payload["published"]["torchvision"]["top5"] == pytest.approx(metrics["acc@5"] / 100)
    assert (payload["published"]["paper"]["top1"], payload["published"]["paper"]["top5"]) == (0.625, 0.83)
    assert payload["weights"]["trained"] is False and "meaningless" in payload["note"]
    assert 0 <= payload["top1"] <= payload["top5"] <= 1 and payload["count"] == 5
    mistake = payload["mistakes"][0]
    assert set(mistake) == {"path", "true", "true_label", "top5", "top5_labels"} and len(mistake["top5"]) == 5
    assert payload["failures"][0]["path"].endswith("broken.jpg")


def test_jpegs_decoded_as_tensors_give_the_windows_predictions(loaded_model, engine_top5, labels, tmp_path, monkeypatch):
    """``jpeg_decoder="torchvision"`` (the GPU's route, here on the CPU, where its decoder is
    libjpeg-turbo as Pillow's is): every JPEG goes through decode_jpeg, in batches, and each
    prediction is still the engine's; the damaged file is the same sentence."""
    from alexnet_viewer.core.atlas import tensor_decode

    real, handed = tensor_decode.decode_jpeg, []
    monkeypatch.setattr(tensor_decode, "decode_jpeg", lambda data, **kw: handed.extend(data) or real(data, **kw))
    folder = make_folder(tmp_path / "set", "category-names", labels, loaded_model.categories)
    report = evaluate_folder(loaded_model, folder, batch=3, jpeg_decoder="torchvision")
    assert len(handed) == sum(path.suffix == ".jpg" for path in labels) > 0
    assert [f.message for f in report.failures] == ['Cannot open "broken.jpg": damaged file.']
    assert report.count == len(labels)
    wrong = {path.name: (index, engine_top5[path]) for path, index in labels.items() if engine_top5[path][0] != index}
    assert {m.path.name: (m.true, m.top5) for m in report.mistakes} == wrong
    assert report == evaluate_folder(loaded_model, folder, batch=3)
    with pytest.raises(ValueError, match="pillow with ten_crop"):
        evaluate_folder(loaded_model, folder, jpeg_decoder="torchvision", ten_crop=True)
