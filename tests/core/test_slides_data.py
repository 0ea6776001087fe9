"""Export for slides, the data side: statistics rows, spreadsheet-safe CSV, the JSON document, npz arrays."""

import csv
import io
import json

import numpy as np
import pytest

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.lecture.slides_data import (
    STATS_COLUMNS,
    activation_arrays,
    csv_safe,
    csv_text,
    stats_csv,
    stats_document,
    stats_rows,
)


@pytest.fixture(scope="module")
def result(engine, frame):
    return engine.process(frame)


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_formula_text_is_defused(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["conv1", "64x55x55", "a=b", "", "'quoted"])
def test_plain_text_passes(value):
    assert csv_safe(value) == value


def test_numbers_stay_numbers():
    assert csv_safe(-1.5) == -1.5 and csv_safe(np.float32(-2.0)) == -2.0 and csv_safe(3) == 3
    assert csv_safe(None) == ""


def test_csv_text_round_trips_awkward_cells():
    text = csv_text(("name", "value"), [("=evil()", -1.25), ('say "hi", ok', 2), ("line\nbreak", None)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "value"], ["'=evil()", "-1.25"], ['say "hi", ok', "2"], ["line\nbreak", ""]]
    assert text.endswith("\r\n")


def test_stats_rows_and_csv(result):
    rows = stats_rows(result)
    assert [row["layer"] for row in rows] == list(LAYER_NAMES)
    conv1 = rows[0]
    assert conv1["shape"] == "64x55x55"
    assert conv1["mean"] == pytest.approx(result.stats["conv1"].mean)
    assert conv1["zero_fraction"] == pytest.approx(result.stats["conv1"].zero_fraction)
    parsed = list(csv.DictReader(io.StringIO(stats_csv(result))))
    assert tuple(parsed[0]) == STATS_COLUMNS and len(parsed) == len(LAYER_NAMES)
    for row, expected in zip(parsed, rows):
        assert row["layer"] == expected["layer"]
        assert float(row["min"]) == pytest.approx(expected["min"])  # negative numbers stay numbers
    for row in parsed:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@", "\t", "\r"))
            if cell.startswith("-"):
                assert float(cell) < 0  # only a negative number may start with "-"


def test_stats_document_is_strict_json(result):
    document = stats_document(result, (("conv5", (7, 3)),), label="kitten.png")
    text = json.dumps(document, allow_nan=False)
    back = json.loads(text)
    assert back["ablations"] == [{"layer": "conv5", "channels": [3, 7]}]
    assert back["picture"] == "kitten.png"
    assert [p["index"] for p in back["top5"]] == [p.index for p in result.top5]
    assert back["weights"]["trained"] is False
    assert len(back["layers"]) == len(LAYER_NAMES)


def test_activation_arrays(result):
    arrays = activation_arrays(result)
    for name in LAYER_NAMES:
        assert np.array_equal(arrays[name], result.activations[name])
    assert np.array_equal(arrays["crop"], result.crop) and arrays["crop"].dtype == np.uint8
    assert arrays["top5_classes"].tolist() == [p.index for p in result.top5]
