"""On MPS one thread talks to the device (issue 16, item 1), proven on the CPU with serial
mode forced: live frames, an explanation and a unit task (activation maximisation) run
together, and every convolution of all of them runs inside the device gate, one at a time."""

from __future__ import annotations

from tests.device_gate_watch import serial_device, watch_convolutions
from tests.qt.inspect_helpers import gradient_picture
from tests.qt.panel_results import gradient_image
from tests.qt.units_helpers import units_window


def test_live_frames_explain_and_a_unit_task_touch_the_device_one_at_a_time(
        make_window, qtbot, shared_engine, tmp_path, monkeypatch):
    convolutions = watch_convolutions(monkeypatch)
    with serial_device():
        window = units_window(make_window, qtbot, shared_engine, tmp_path, monkeypatch)
        assert not window.worker.pipelined
        window.open_path(gradient_picture(tmp_path))
        qtbot.waitUntil(lambda: window.current_result is not None, timeout=30000)
        window.explain.show_panel()
        panel = window.units.visualize_panel
        panel.cache_dir = tmp_path / "visualize-cache"
        panel.steps_spin.setValue(6)
        panel.set_target("conv3:5")
        explained = []
        window.explain.worker.finished.connect(lambda explanation: explained.append(explanation.frame_id))
        with qtbot.waitSignal(panel.visualised, timeout=120000):
            assert panel.run()
            for phase in range(12):  # live frames while the unit task and the explanations run
                frame = window.post_frame(gradient_image(phase=5 * phase), "live frame")
                qtbot.waitUntil(lambda frame=frame: window.current_result.frame_id >= frame, timeout=30000)
        qtbot.waitUntil(lambda: len(explained) >= 2, timeout=60000)
    assert convolutions["outside"] == []
    assert convolutions["most"] == 1
    lanes = {name for name in convolutions["threads"] if name.startswith("EngineLane")}
    assert lanes and "ExplainWorker" in convolutions["threads"] and len(convolutions["threads"]) >= 3
