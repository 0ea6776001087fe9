"""bench --startup launches the real program and reads back its first-paint and first-result stamps."""

import pytest

from alexnet_viewer.cli.dispatch import main
from alexnet_viewer.bench.startup import time_one_launch


def test_one_launch_reports_paint_before_result():
    times = time_one_launch(device="cpu", timeout_s=240)
    assert set(times) == {"first_paint", "first_result"}
    assert 0 < times["first_paint"] < times["first_result"]


def test_startup_and_live_modes_are_exclusive(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "--startup", "--live"])
    assert stop.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
