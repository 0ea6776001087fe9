"""``alexnet-viewer export``: everything the window shows, written to files, no window.

Export never loses work. An output folder that cannot be used is refused before any image
(exit 2). Then each image goes decode -> engine -> ``export_result`` into a hidden staging
folder beside its final one, renamed into place only when every file is written; a failure
at any step (decode, engine, disk) is one sentence naming the image, the other images go on,
and the exit code is 1. To write more per image, add a call inside ``export_result``: it
writes into the staging folder, so whatever it writes is covered too.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import numpy as np

from alexnet_viewer.core.frame.ablation import AblationSpec
from alexnet_viewer.core.frame.engine import Engine, FrameRequest
from alexnet_viewer.core.errors import ImageLoadError
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.output_files import os_reason, unusable_folder_reason, write_folder_atomically, write_json, write_png

EXIT_OK, EXIT_BAD_IMAGE, EXIT_BAD_WEIGHTS = 0, 1, 2
EXIT_BAD_OUTPUT = 2


class ImageExportError(Exception):
    """One image could not be exported; ``str(error)`` is a sentence naming it."""


def predictions_payload(result: Result, image_path: Path, ablations: AblationSpec = ()) -> dict:
    return {
        "image": str(image_path),
        "weights": {
            "source": result.weights.source,
            "description": result.weights.description,
            "trained": result.weights.trained,
        },
        "device": result.device,
        "top5": [
            {"index": p.index, "label": p.label, "probability": p.probability} for p in result.top5
        ],
        "ablations": {layer: list(channels) for layer, channels in ablations},  # channels switched off
    }


def stats_payload(result: Result) -> dict:
    layers = {}
    for name, stats in result.stats.items():
        histogram = result.histograms[name]
        layers[name] = {
            "shape": list(stats.shape),
            "mean": stats.mean,
            "std": stats.std,
            "min": stats.min,
            "max": stats.max,
            "zero_fraction": stats.zero_fraction,
            "histogram": {"counts": histogram.counts.tolist(), "edges": histogram.edges.tolist()},
            "channel_means": stats.channel_means.tolist(),
        }
    return {"weights_trained": result.weights.trained, "layers": layers}


def output_folder(out: Path, image_path: Path, taken: set[str]) -> Path:
    """A folder named after the image file; a second image of the same name gets '-2'.

    An existing folder (an earlier export) is replaced; a file or link of that name (the
    picture itself, when --out is the picture's folder) is never touched: the next name is used.
    """
    name, counter = image_path.name, 2
    while name in taken or _not_a_folder(out / name):
        name, counter = f"{image_path.name}-{counter}", counter + 1
    taken.add(name)
    return out / name


def _not_a_folder(path: Path) -> bool:
    return path.is_symlink() or (os.path.lexists(path) and not path.is_dir())


def export_result(result: Result, image_path: Path, folder: Path, ablations: AblationSpec = (), extra=None) -> None:
    """Every file for one image, written into ``folder`` (the staging folder during export).

    Other per-image outputs hook in here; an OSError they raise fails just this image.
    ``extra(folder)`` writes more (the explain/ maps).
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "predictions.json", predictions_payload(result, image_path, ablations))
    write_json(folder / "stats.json", stats_payload(result))
    write_png(folder / "filters.png", result.filters.global_norm)
    write_png(folder / "filters_per_filter.png", result.filters.per_filter_norm)
    write_png(folder / "input_224.png", result.crop)
    for name in SPATIAL_LAYERS:
        write_png(folder / f"{name}.png", result.mosaics[name].image)
    if extra is not None:
        extra(folder)


def refuse_output_folder(out: Path, *, create: bool = True) -> bool:
    """Say on stderr why ``out`` cannot take the results, before any work is done."""
    problem = unusable_folder_reason(out, create=create)
    if problem is not None:
        print(f"error: Cannot use '{out}' as the output folder: {problem}.", file=sys.stderr)
    return problem is not None


def export_images(
    engine: Engine, images: list[Path], out: Path, log=print, ablations: AblationSpec = (), explain=None
) -> int:
    """Export each image into ``out``; returns the exit code (failures are told on stderr)."""
    if refuse_output_folder(out):
        return EXIT_BAD_OUTPUT
    taken: set[str] = set()
    failures = 0
    for image_path in images:
        try:
            result, folder = export_image(engine, image_path, out, taken, ablations, explain)
        except ImageExportError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        best = result.top5[0]
        log(f"{image_path} -> {folder}  ({best.label} {best.probability:.1%})")
    if failures:
        print(f"{failures} of {len(images)} images could not be exported", file=sys.stderr)
    return EXIT_BAD_IMAGE if failures else EXIT_OK


def export_image(
    engine: Engine, image_path: Path, out: Path, taken: set[str], ablations: AblationSpec = (), explain=None
) -> tuple[Result, Path]:
    """Decode, analyse and write one image; raises ImageExportError with a sentence naming it.

    ``explain`` (an explain_export.ExplainExport, for --explain) adds the explain/ folder."""
    try:
        array = image_to_array(load_image(image_path))
    except ImageLoadError as error:
        raise ImageExportError(str(error)) from None
    try:
        result = engine.process(array, dataclasses.replace(FrameRequest.everything(), ablations=ablations))
        write_explained = explain.compute(array, result) if explain is not None else None
    except (RuntimeError, MemoryError, ValueError, OSError) as error:  # device, memory: this image only
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImageExportError(f'AlexNet failed on "{image_path}": {reason.rstrip(".")}.') from None
    layer = first_non_finite_layer(result)
    if layer is not None:
        raise ImageExportError(
            f'The activations for "{image_path}" are not finite (overflow at layer {layer}); nothing written for it.'
        )
    folder = output_folder(out, image_path, taken)
    try:
        write_folder_atomically(folder, lambda staging: export_result(result, image_path, staging, ablations, write_explained))
    except (OSError, ValueError) as error:  # ValueError: a value strict JSON cannot carry
        reason = os_reason(error) if isinstance(error, OSError) else str(error)
        raise ImageExportError(f'Cannot write the results for "{image_path}" to {folder}: {reason}.') from None
    return result, folder


def first_non_finite_layer(result: Result) -> str | None:
    """The first layer whose statistics hold NaN or infinity (strict JSON cannot carry them)."""
    for name, stats in result.stats.items():
        values = np.array([stats.mean, stats.std, stats.min, stats.max], dtype=np.float64)
        if not (np.isfinite(values).all() and np.isfinite(stats.channel_means).all()):
            return name
    return None
