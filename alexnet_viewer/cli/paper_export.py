"""``export --ten-crop`` and ``export --occlusion``: the papers' two per-picture experiments.

- ``--ten-crop`` (Krizhevsky et al. 2012, section 4.1): ``predictions.json``'s ``top5`` is the
  softmax averaged over the ten crops; ``top5_from`` says so and ``centre_crop_top5`` keeps the
  single centre crop's.
- ``--occlusion [--occlusion-window 48] [--occlusion-stride 16]`` (Zeiler & Fergus 2014,
  Fig. 7), under ``explain/``, each ``.npy`` with a ``.png`` of the same stem:
  ``occlusion_<class>.npy`` (float32 probability per position of the grey square, rows and
  columns at top-left corners 0, stride, ... <= 224 - window; the class is the top-1, or each
  ``--explain-class``), ``occlusion_relu5_strongest.npy`` (float32 summed activation of the
  relu5 channel strongest on the whole picture; ``occlusion_relu5_strongest.json`` names it)
  and ``occlusion_labels.npy`` (int64 most probable class; ``occlusion_labels.json`` holds the
  PNG's legend).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

from alexnet_viewer.cli.explain_export import write_maps
from alexnet_viewer.core.model.classes import resolve_class
from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.explain.occlusion import square_offsets
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.output_files import write_atomically, write_json, write_png
from alexnet_viewer.core.papers.occlusion_pictures import grid_picture, label_legend, label_picture
from alexnet_viewer.core.papers.ten_crop import CROP_NAMES, ten_crop
from alexnet_viewer.core.visualize.network import private_model

Writer = Callable[[Path], None]
TEN_CROP_NOTE = ("the softmax averaged over ten 224x224 crops (four corners and centre of the central 256x256 "
                 "square, and their mirror images): Krizhevsky, Sutskever & Hinton 2012, section 4.1")


class PaperExport:
    """Computes one picture's ten-crop and occlusion outputs; returns the writer of its files."""

    def __init__(self, loaded, ten_crop_on: bool, occlusion_on: bool, window: int, stride: int, classes=()) -> None:
        """ValueError with one sentence for a window, stride or class that cannot be used."""
        self._preprocess = Preprocessor(loaded.transforms, loaded.device)
        side = self._preprocess.crop_size[0]
        if occlusion_on:
            try:
                square_offsets(side, window, stride)
            except ValueError:
                raise ValueError(f"--occlusion-window must be 1..{side} and --occlusion-stride at least 1, "
                                 f"not {window} and {stride}.") from None
        self._categories = tuple(loaded.categories)
        self._classes = tuple(dict.fromkeys(resolve_class(text, self._categories) for text in classes))
        self._model = private_model(loaded.model) if ten_crop_on else None
        self._explainer = Explainer(loaded) if occlusion_on else None
        self._window, self._stride = window, stride

    def compute(self, array: np.ndarray, result: Result) -> Writer:
        writers = []
        if self._model is not None:
            writers.append(self._ten_crop(array))
        if self._explainer is not None:
            writers.append(self._occlusion(array, result))
        return all_of(writers)

    def _ten_crop(self, array: np.ndarray) -> Writer:
        found = ten_crop(self._model, self._preprocess, array)
        top5 = [{"index": index, "label": self._categories[index], "probability": probability}
                for index, probability in found.top(5)]
        crops = [{"crop": name, "index": index, "label": self._categories[index], "probability": probability}
                 for name, (index, probability) in zip(CROP_NAMES, found.crop_top1())]

        def write(folder: Path) -> None:
            path = folder / "predictions.json"
            payload = json.loads(path.read_text(encoding="utf-8"))
            payload["centre_crop_top5"] = payload["top5"]
            payload.update(top5=top5, top5_from=TEN_CROP_NOTE, ten_crop_top1=crops)
            write_json(path, payload)

        return write

    def _occlusion(self, array: np.ndarray, result: Result) -> Writer:
        batch, _ = self._preprocess(array)
        classes = list(self._classes or (result.top5[0].index,))
        found = self._explainer.occlusion(batch, classes, self._window, self._stride)
        probability = found.probability.reshape(len(classes), *found.labels.shape)
        files = {f"occlusion_{index}": (probability[row], grid_picture(probability[row])) for row, index in enumerate(classes)}
        files["occlusion_relu5_strongest"] = (found.channel_sum, grid_picture(found.channel_sum))
        strongest = {"layer": "relu5", "channel": found.channel, "unoccluded_sum": found.channel_baseline,
                     "window": found.window, "stride": found.stride, "offsets": list(found.offsets)}
        legend = [{"index": label, "label": self._categories[label], "positions": count, "colour": list(colour)}
                  for label, count, colour in label_legend(found.labels)]
        labels, offsets = found.labels, list(found.offsets)

        def write(folder: Path) -> None:
            target = write_maps(folder, files)
            write_json(target / "occlusion_relu5_strongest.json", strongest)
            write_atomically(target / "occlusion_labels.npy", lambda temporary: _save_int(temporary, labels))
            write_png(target / "occlusion_labels.png", label_picture(labels))
            write_json(target / "occlusion_labels.json", {"offsets": offsets, "legend": legend})

        return write


def _save_int(temporary: Path, values: np.ndarray) -> None:
    with open(temporary, "wb") as handle:
        np.save(handle, np.ascontiguousarray(values, dtype=np.int64))


class Extras:
    """Several per-picture exporters (``--explain``, these) as the one export_images takes."""

    def __init__(self, parts) -> None:
        self._parts = [part for part in parts if part is not None]

    def compute(self, array: np.ndarray, result: Result) -> Writer:
        return all_of([part.compute(array, result) for part in self._parts])


def all_of(writers: list[Writer]) -> Writer:
    def write(folder: Path) -> None:
        for one in writers:
            one(folder)

    return write


def extras_from_args(args, loaded, explain):
    """The exporter the --explain*, --ten-crop and --occlusion* flags ask for, or None."""
    occlusion = args.occlusion or args.occlusion_window is not None or args.occlusion_stride is not None
    if not (args.ten_crop or occlusion):
        return explain
    if getattr(args, "ablate", None):
        raise ValueError("--ten-crop and --occlusion use the intact network, so they cannot be combined with --ablate.")
    window = 48 if args.occlusion_window is None else args.occlusion_window
    stride = 16 if args.occlusion_stride is None else args.occlusion_stride
    papers = PaperExport(loaded, args.ten_crop, occlusion, window, stride, args.explain_class)
    return Extras([explain, papers])
