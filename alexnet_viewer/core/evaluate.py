"""Accuracy on a folder of labelled pictures, next to the published figures.

Three layouts are read, each from the names of the folder's sub-folders (one per class,
pictures anywhere below it, empty ones allowed):

- ImageNet's: 1000 folders named by WordNet id (n01440764, ...); as torchvision's
  ImageFolder reads them, the class index is the folder's position in sorted order;
- ImageNetV2's: folders named by class index, 0 to 999;
- the weights' category names ("tabby", "tiger cat"), matched exactly, any case.

Each picture goes through the engine's own preprocessing; batches are stacked and run on
a hook-free copy of the network while worker processes decode the next ones.
A file that cannot be read is recorded (path and sentence) and skipped. Pictures are
decoded in full (no JPEG draft mode) by Pillow, as the window decodes them, so each
prediction is the one the window shows. For throughput on a GPU, ``jpeg_decoder=
"torchvision"`` decodes the JPEGs there instead (core/atlas/tensor_decode.py): nvJPEG's
pixels differ from Pillow's by a level or so, so a prediction may then differ from the
window's where two classes' scores nearly tie.
"""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
from torchvision.models import AlexNet_Weights

from alexnet_viewer.core.model.device_gate import device_work
from alexnet_viewer.core.atlas.pictures import batches
from alexnet_viewer.core.atlas.tensor_decode import TensorDecoder
from alexnet_viewer.core.errors import ViewerError
from alexnet_viewer.core.papers.ten_crop import CENTRE, average_softmax
from alexnet_viewer.core.pictures.picture_files import list_pictures
from alexnet_viewer.core.frame.result import WeightsInfo
from alexnet_viewer.core.visualize.network import private_model

if TYPE_CHECKING:
    from alexnet_viewer.core.model.loader import LoadedModel

TOP_K = 5
CONFUSED_PAIRS = 20
# Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural
# Networks", NIPS 2012, Table 1: one CNN on the ILSVRC-2010 test set, top-1 and top-5 error.
PAPER_TOP1_ERROR, PAPER_TOP5_ERROR = 0.375, 0.170
_WNID = re.compile(r"n\d{8}")

Progress = Callable[[int, int], None]  # (pictures done, pictures in all)


class LayoutError(ViewerError, ValueError):
    """The folder is not laid out as one of the three labelled layouts."""


class EvaluationCancelled(ViewerError):
    """The caller stopped the evaluation."""


@dataclass(frozen=True)
class ClassAccuracy:
    index: int
    label: str
    count: int
    top1: float
    top5: float


@dataclass(frozen=True)
class ConfusedPair:
    true: int
    predicted: int
    count: int


@dataclass(frozen=True)
class Mistake:
    path: Path
    true: int
    top5: tuple[int, ...]  # predicted classes, best first; top5[0] != true


@dataclass(frozen=True)
class Failure:
    path: Path
    message: str  # one sentence


@dataclass(frozen=True)
class EvaluationReport:
    folder: Path
    layout: str  # "wordnet-ids", "class-indices" or "category-names"
    weights: WeightsInfo
    categories: tuple[str, ...]
    count: int  # pictures evaluated (failures excluded)
    top1: float | None  # fractions; None when no picture could be read
    top5: float | None
    per_class: tuple[ClassAccuracy, ...]  # classes with at least one picture, by index
    confused_pairs: tuple[ConfusedPair, ...]  # true -> top-1 prediction, most frequent first
    mistakes: tuple[Mistake, ...]  # top-1 wrong, in folder order
    failures: tuple[Failure, ...]
    published: dict = field(default_factory=dict)
    ten_crop: dict | None = None  # {"top1", "top5"}: the softmax averaged over ten crops (else centre crop)

    def to_json(self) -> dict:
        names = self.categories
        return {
            "folder": str(self.folder),
            "layout": self.layout,
            "weights": {
                "source": self.weights.source,
                "description": self.weights.description,
                "trained": self.weights.trained,
            },
            **({} if self.weights.trained else {"note": "untrained weights: these accuracies are meaningless"}),
            "count": self.count,
            "top1": self.top1,
            "top5": self.top5,
            "published": self.published,
            **({} if self.ten_crop is None else {"ten_crop": self.ten_crop}),
            "per_class": [vars(entry) for entry in self.per_class],
            "confused_pairs": [
                {
                    "true": p.true,
                    "true_label": names[p.true],
                    "predicted": p.predicted,
                    "predicted_label": names[p.predicted],
                    "count": p.count,
                }
                for p in self.confused_pairs
            ],
            "mistakes": [
                {
                    "path": str(m.path),
                    "true": m.true,
                    "true_label": names[m.true],
                    "top5": list(m.top5),
                    "top5_labels": [names[i] for i in m.top5],
                }
                for m in self.mistakes
            ],
            "failures": [{"path": str(f.path), "message": f.message} for f in self.failures],
        }


def published_figures() -> dict:
    """torchvision's own figures for its weights (read from its metadata) and the paper's."""
    metrics = AlexNet_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]
    return {
        "torchvision": {
            "top1": metrics["acc@1"] / 100,
            "top5": metrics["acc@5"] / 100,
            "source": "torchvision AlexNet_Weights.IMAGENET1K_V1 metadata, ImageNet-1K validation set",
        },
        "paper": {
            "top1": round(1 - PAPER_TOP1_ERROR, 6),
            "top5": round(1 - PAPER_TOP5_ERROR, 6),
            "source": "Krizhevsky, Sutskever & Hinton 2012, Table 1: one CNN on the ILSVRC-2010 test set",
        },
    }


# --- labels from the folder's layout ---------------------------------------------------


def class_folders(folder: Path, categories: tuple[str, ...] | list[str]) -> tuple[str, list[tuple[Path, int]]]:
    """(layout name, [(class folder, class index)]) or LayoutError with the reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LayoutError(f"'{folder}' is not a folder.")
    try:
        names = sorted(
            entry.name for entry in os.scandir(folder) if entry.is_dir() and not entry.name.startswith(".")
        )
    except OSError as error:
        raise LayoutError(f"Cannot read the folder '{folder}': {error.strerror or error}.") from None
    if not names:
        raise LayoutError(
            f"'{folder}' has no class folders: expected ImageNet's 1000 WordNet-id folders (n01440764, ...), "
            "folders named by class index (0 to 999) or by category name."
        )
    count = len(categories)
    wnids = [name for name in names if _WNID.fullmatch(name)]
    if wnids:
        stray = next((name for name in names if not _WNID.fullmatch(name)), None)
        if stray is not None:
            raise LayoutError(f"'{folder}' mixes WordNet-id folders with '{stray}', which is not one.")
        if len(names) != count:
            raise LayoutError(
                f"'{folder}' has {len(names)} WordNet-id folders, but ImageNet's layout needs all {count} "
                "(empty ones are allowed): the class index is each folder's place in sorted order."
            )
        return "wordnet-ids", [(folder / name, index) for index, name in enumerate(names)]
    if all(name.isdecimal() for name in names):
        indices = [int(name) for name in names]
        for name, index in zip(names, indices):
            if index >= count:
                raise LayoutError(f"Folder '{name}' in '{folder}' is not a class index (0 to {count - 1}).")
        return "class-indices", _unique(folder, names, indices)
    by_name: dict[str, list[int]] = {}
    for index, label in enumerate(categories):
        by_name.setdefault(label.casefold(), []).append(index)
    indices = []
    for name in names:
        found = by_name.get(name.casefold(), [])
        if len(found) != 1:
            why = "is not one of the weights' category names" if not found else "names several categories"
            raise LayoutError(f"Folder '{name}' in '{folder}' {why} (nor a WordNet id or class index).")
        indices.append(found[0])
    return "category-names", _unique(folder, names, indices)


def _unique(folder: Path, names: list[str], indices: list[int]) -> list[tuple[Path, int]]:
    seen: dict[int, str] = {}
    for name, index in zip(names, indices):
        if index in seen:
            raise LayoutError(f"Folders '{seen[index]}' and '{name}' in '{folder}' both name class {index}.")
        seen[index] = name
    return sorted(((folder / name, index) for name, index in zip(names, indices)), key=lambda item: item[1])


def _pictures(classes: list[tuple[Path, int]]) -> list[tuple[Path, int]]:
    items = []
    for class_dir, index in classes:
        try:
            items += [(path, index) for path in list_pictures(class_dir, recursive=True)]
        except OSError as error:
            raise LayoutError(f"Cannot read the class folder '{class_dir}': {error.strerror or error}.") from None
    return items


def spread(items: list[tuple[Path, int]], limit: int) -> list[tuple[Path, int]]:
    """At most ``limit`` pictures taken round-robin over the classes (first of each, then second, ...)."""
    by_class: dict[int, deque] = {}
    for item in items:
        by_class.setdefault(item[1], deque()).append(item)
    chosen: list[tuple[Path, int]] = []
    while by_class and len(chosen) < limit:
        for index in list(by_class):
            chosen.append(by_class[index].popleft())
            if not by_class[index]:
                del by_class[index]
            if len(chosen) == limit:
                break
    return sorted(chosen, key=lambda item: (item[1], item[0]))


# --- the run ---------------------------------------------------------------------------


def evaluate_folder(
    loaded: "LoadedModel",
    folder: Path,
    limit: int | None = None,
    batch: int = 32,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 0,
    ten_crop: bool = False,
    jpeg_decoder: str = "pillow",
) -> EvaluationReport:
    """Top-1/top-5 accuracy over the labelled folder; LayoutError for a bad layout or no pictures.

    With ``ten_crop`` each picture's ten crops (core/papers/ten_crop.py) go through the network:
    the report's figures stay the centre crop's (one of the ten, exactly the window's crop) and
    ``ten_crop`` holds the accuracy of the softmax averaged over the ten.

    ``workers`` decoding processes run ahead of the forward (0: threads decode here, between batches).
    ``jpeg_decoder``: "pillow" (the window's pixels) or "torchvision" (JPEGs decoded on the
    model's device; not with ``ten_crop``). ``cancelled()`` is checked after every batch
    (EvaluationCancelled).
    """
    if batch < 1 or workers < 0 or (limit is not None and limit < 1):
        raise ValueError("batch and limit must be at least 1, workers at least 0")
    if jpeg_decoder not in ("pillow", "torchvision") or (ten_crop and jpeg_decoder != "pillow"):
        raise ValueError(f"jpeg_decoder is pillow or torchvision (pillow with ten_crop), not {jpeg_decoder!r}")
    layout, classes = class_folders(folder, loaded.categories)
    items = _pictures(classes)
    if limit is not None:
        items = spread(items, limit)
    if not items:
        raise LayoutError(f"'{folder}' has class folders but no pictures in them.")
    network = private_model(loaded.model)
    paths = [path for path, _ in items]
    pin = loaded.device.type == "cuda"
    decoder = TensorDecoder(loaded.transforms, loaded.device) if jpeg_decoder == "torchvision" else None
    labels, predictions, averaged, failures = [], [], [], []
    # The atlas's decoding: the safe loader and the engine's Preprocessor, ``workers`` processes ahead.
    chunks = batches(paths, loaded.transforms, batch, workers, None, pin_memory=pin, ten_crop=ten_crop, decoder=decoder)
    for chunk in chunks:
        if cancelled is not None and cancelled():
            raise EvaluationCancelled(f"Stopped after {len(labels) + len(failures)} of {len(items)} pictures.")
        failures += [Failure(paths[position], message) for position, message in chunk.errors]
        if chunk.pictures is not None:
            with device_work(loaded.device), torch.inference_mode():  # alone on MPS
                pictures = chunk.pictures.to(loaded.device, non_blocking=pin)
                if ten_crop:
                    probabilities, mean = average_softmax(network, pictures)
                    averaged += mean.topk(TOP_K, dim=1).indices.cpu().tolist()
                    top = probabilities[:, CENTRE].topk(TOP_K, dim=1).indices.cpu()
                else:
                    top = network(pictures).topk(TOP_K, dim=1).indices.cpu()
            labels += [items[position] for position in chunk.indices]
            predictions += [tuple(row) for row in top.tolist()]
        if progress is not None:
            progress(len(labels) + len(failures), len(items))
    report = _report(Path(folder), layout, loaded, labels, predictions, failures)
    if not ten_crop:
        return report
    hits = [(true == top[0], true in top) for (_, true), top in zip(labels, averaged)]
    figures = {name: sum(hit[k] for hit in hits) / len(hits) if hits else None for k, name in enumerate(("top1", "top5"))}
    return replace(report, ten_crop=figures)


def _report(folder, layout, loaded, labels, predictions, failures) -> EvaluationReport:
    categories = tuple(loaded.categories)
    hits1 = [top[0] == true for (_, true), top in zip(labels, predictions)]
    hits5 = [true in top for (_, true), top in zip(labels, predictions)]
    per_class: dict[int, list[int]] = {}
    for (_, true), hit1, hit5 in zip(labels, hits1, hits5):
        tally = per_class.setdefault(true, [0, 0, 0])
        tally[0] += 1
        tally[1] += hit1
        tally[2] += hit5
    confusions = Counter((true, top[0]) for (_, true), top, hit in zip(labels, predictions, hits1) if not hit)
    ranked = sorted(confusions.items(), key=lambda pair: (-pair[1], pair[0]))[:CONFUSED_PAIRS]
    count = len(labels)
    return EvaluationReport(
        folder=folder,
        layout=layout,
        weights=loaded.weights,
        categories=categories,
        count=count,
        top1=sum(hits1) / count if count else None,
        top5=sum(hits5) / count if count else None,
        per_class=tuple(
            ClassAccuracy(index, categories[index], n, one / n, five / n)
            for index, (n, one, five) in sorted(per_class.items())
        ),
        confused_pairs=tuple(ConfusedPair(true, predicted, n) for (true, predicted), n in ranked),
        mistakes=tuple(
            Mistake(path, true, top) for (path, true), top, hit in zip(labels, predictions, hits1) if not hit
        ),
        failures=tuple(failures),
        published=published_figures(),
    )
