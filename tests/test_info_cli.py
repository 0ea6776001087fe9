"""``alexnet-viewer info``: the table on the terminal, the JSON file, bad weights and outputs."""

import json

from alexnet_viewer.cli.dispatch import main

RANDOM = ["--random-weights", "--seed", "2", "--device", "cpu"]


def test_table_and_json(tmp_path, capsys):
    out = tmp_path / "arch.json"
    assert main(["info", *RANDOM, "--json", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("layer"))
    conv1 = next(line for line in lines if line.startswith("conv1 "))
    assert "random, seed 2" in lines[0]
    # Aligned: the parameter count of conv1 ends where the header's "params" ends.
    assert conv1.index("23,296") + len("23,296") == header.index("params") + len("params")
    assert any(line.startswith("total") and "61,100,840" in line and "714,188,480" in line for line in lines)
    payload = json.loads(out.read_text())
    assert [row["name"] for row in payload["layers"]][:3] == ["conv1", "relu1", "pool1"]
    assert len(payload["layers"]) == 18 and payload["total_params"] == 61_100_840
    assert payload["layers"][12]["rf_size"] == 195 and payload["layers"][13]["rf_size"] is None
    assert payload["weights"] == "random, seed 2"


def test_bad_weights_exit_2(tmp_path, capsys):
    assert main(["info", "--weights", str(tmp_path / "missing.pth"), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_unwritable_json_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["info", *RANDOM, "--json", str(blocker / "arch.json")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err
