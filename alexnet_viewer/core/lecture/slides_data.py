"""What "Export for slides" writes besides pictures: the statistics as CSV rows and as a
JSON document, and the activations as arrays for ``np.savez_compressed``.

CSV is made safe for spreadsheets: a text cell that begins with = + - @, a tab or a
carriage return would be read as a formula, so it gets a leading apostrophe. Numbers are
written as numbers (a number cannot be a formula), so a spreadsheet can still sum them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

import numpy as np

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.frame.result import Result

STATS_COLUMNS = ("layer", "shape", "mean", "std", "min", "max", "zero_fraction")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with a formula character gets a
    leading "'"; numbers (and None, as an empty cell) pass unchanged."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quotes where needed), every cell through ``csv_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def stats_rows(result: Result) -> list[dict[str, object]]:
    """One dict per layer, in network order, with the columns of STATS_COLUMNS."""
    rows = []
    for name in LAYER_NAMES:
        stats = result.stats[name]
        rows.append({
            "layer": name,
            "shape": "x".join(str(size) for size in stats.shape),
            "mean": _finite(stats.mean),
            "std": _finite(stats.std),
            "min": _finite(stats.min),
            "max": _finite(stats.max),
            "zero_fraction": _finite(stats.zero_fraction),
        })
    return rows


def stats_csv(result: Result) -> str:
    return csv_text(STATS_COLUMNS, ([row[column] for column in STATS_COLUMNS] for row in stats_rows(result)))


def stats_document(result: Result, ablations=(), label: str | None = None) -> dict[str, object]:
    """The statistics, the top-5 and what produced them (the core AblationSpec it ran with),
    as plain JSON-able values."""
    from alexnet_viewer.core.frame.ablation import check_ablations  # torch: loaded by the time there is a Result
    return {
        "picture": label,
        "frame_id": result.frame_id,
        "weights": {"source": result.weights.source, "description": result.weights.description,
                    "trained": result.weights.trained},
        "device": result.device,
        "ablations": [{"layer": layer, "channels": list(channels)} for layer, channels in check_ablations(ablations)],
        "top5": [{"index": p.index, "label": p.label, "probability": _finite(p.probability)} for p in result.top5],
        "layers": stats_rows(result),
    }


def activation_arrays(result: Result) -> dict[str, np.ndarray]:
    """Every layer's activations under its canonical name, plus the crop the network saw,
    the picture as given and the top-5 (class indices and probabilities)."""
    arrays: dict[str, np.ndarray] = {name: np.asarray(result.activations[name]) for name in LAYER_NAMES}
    arrays["crop"] = np.asarray(result.crop)
    arrays["image"] = np.asarray(result.image)
    arrays["top5_classes"] = np.array([p.index for p in result.top5], dtype=np.int64)
    arrays["top5_probabilities"] = np.array([p.probability for p in result.top5], dtype=np.float32)
    return arrays
