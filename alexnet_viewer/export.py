"""``alexnet-viewer export``: everything the window shows, written to files, no window."""

from __future__ import annotations

import sys
from pathlib import Path

from .core.engine import Engine, FrameRequest
from .core.errors import ImageLoadError
from .core.images import image_to_array, load_image
from .core.layers import SPATIAL_LAYERS
from .core.result import Result
from .output_files import write_json, write_png

EXIT_OK, EXIT_BAD_IMAGE, EXIT_BAD_WEIGHTS = 0, 1, 2


def predictions_payload(result: Result, image_path: Path) -> dict:
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
    """A folder named after the image file; a second image of the same name gets '-2'."""
    name, counter = image_path.name, 2
    while name in taken:
        name, counter = f"{image_path.name}-{counter}", counter + 1
    taken.add(name)
    return out / name


def export_result(result: Result, image_path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "predictions.json", predictions_payload(result, image_path))
    write_json(folder / "stats.json", stats_payload(result))
    write_png(folder / "filters.png", result.filters.global_norm)
    write_png(folder / "filters_per_filter.png", result.filters.per_filter_norm)
    write_png(folder / "input_224.png", result.crop)
    for name in SPATIAL_LAYERS:
        write_png(folder / f"{name}.png", result.mosaics[name].image)


def export_images(engine: Engine, images: list[Path], out: Path, log=print) -> int:
    """Export each image; a bad one is reported on stderr and skipped. Returns the exit code."""
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    failures = 0
    for image_path in images:
        try:
            array = image_to_array(load_image(image_path))
        except ImageLoadError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        result = engine.process(array, FrameRequest.everything())
        folder = output_folder(out, image_path, taken)
        export_result(result, image_path, folder)
        best = result.top5[0]
        log(f"{image_path} -> {folder}  ({best.label} {best.probability:.1%})")
    if failures:
        print(f"{failures} of {len(images)} images could not be exported", file=sys.stderr)
    return EXIT_BAD_IMAGE if failures else EXIT_OK
