"""``alexnet-viewer bench --interact``: how fast the real window (offscreen) answers a view
change on a still picture: 40 changes of layer, channel and channel order, one at a time.

Each change is timed from the call to the window's ``result_shown`` with the new mosaic
handed to every panel (a channel change: to the detail redrawn, no job at all), and starts
once the window has painted the change before, as a person's next key press would. A view
change is served from the result on screen (its kept activations; no forward, no
preprocessing), so the figure to hold against one bare forward (``switch_ratio``: 95th
percentile ÷ a bare forward measured in the same run) is small.
``forwards_during_changes`` counts the frames the engine ran meanwhile (0 when redrawn).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from alexnet_viewer.bench.live import RESULT_TIMEOUT_S, _make_window, _wait, engine_and_app, percentile

CHANGES = 40
# Layer after layer, with a channel picked and the order flipped now and then.
ORDER_EVERY = 5
CHANNEL_EVERY = 3


def _still_picture(folder: Path) -> Path:
    from PIL import Image

    from alexnet_viewer.bench.frames import bench_frame

    path = folder / "still.png"
    Image.fromarray(bench_frame()).save(path)
    return path


def _settle(app, turns: int = 3) -> None:
    """Let the window paint what a change asked for (and the layout passes that follow)."""
    for _ in range(turns):
        app.processEvents()


def measure_changes(app, window, changes: int = CHANGES) -> dict:
    from alexnet_viewer.core.frame.layers import LAYER_NAMES

    shown: list = []
    window.result_shown.connect(lambda result, _job: shown.append((time.perf_counter(), result)))
    times_ms, kinds = [], {"layer": 0, "channel": 0, "order": 0}
    forwards_before = window.worker.frames_processed
    layer_index = LAYER_NAMES.index(window.layer)
    for step in range(changes):
        count = len(shown)
        if step % ORDER_EVERY == ORDER_EVERY - 1:
            kinds["order"] += 1
            order = "index" if window.state.channel_order == "mean" else "mean"
            started = time.perf_counter()
            window.set_channel_order(order)
            done = lambda: len(shown) > count and shown[-1][1].mosaics.get(window.layer) is not None  # noqa: E731
        elif step % CHANNEL_EVERY == CHANNEL_EVERY - 1:
            kinds["channel"] += 1  # a channel of the layer on screen: drawn from the mosaic, no job at all
            started = time.perf_counter()
            window.feature_maps_panel.select_channel(window.layer, step % 8)
            times_ms.append((time.perf_counter() - started) * 1000)
            _settle(app)  # its painting done, as the other changes' are before the next one starts
            continue
        else:
            kinds["layer"] += 1
            layer_index = (layer_index + 1) % len(LAYER_NAMES)
            layer = LAYER_NAMES[layer_index]
            started = time.perf_counter()
            window.set_layer(layer)
            done = lambda layer=layer: len(shown) > count and layer in shown[-1][1].mosaics  # noqa: E731
        if not _wait(app, done, RESULT_TIMEOUT_S):
            raise RuntimeError("a view change was not drawn in time")
        times_ms.append((shown[-1][0] - started) * 1000)
    return {
        "changes": changes,
        "change_kinds": kinds,
        "switch_median_ms": round(statistics.median(times_ms), 2),
        "switch_p95_ms": round(percentile(times_ms, 0.95), 2),
        "switch_max_ms": round(max(times_ms), 2),
        "forwards_during_changes": window.worker.frames_processed - forwards_before,
    }


def run(args) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import torch

    from alexnet_viewer.bench.frames import bare_model, bench_frame, interleaved_median_ms, machine
    from alexnet_viewer.cli.weights_options import write_report

    made = engine_and_app(args)
    if isinstance(made, int):
        return made
    spec, engine, app = made
    with tempfile.TemporaryDirectory() as folder:
        picture = _still_picture(Path(folder))
        window = _make_window(engine, spec, Path(folder) / "bench.ini")
        try:
            first = window.open_path(picture, remember=False)
            if not _wait(app, lambda: window.current_job is not None and window.current_job.frame_id >= first,
                         RESULT_TIMEOUT_S):
                print("error: the picture was not shown in time", file=sys.stderr)
                return 1
            report = measure_changes(app, window)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            window.close()
    frame = bench_frame()
    device = engine.loaded.device
    model = bare_model(engine)
    batch = engine.loaded.transforms(torch.from_numpy(frame).permute(2, 0, 1)).unsqueeze(0).to(device)
    with torch.inference_mode():
        bare_ms = interleaved_median_ms({"bare": lambda: model(batch)}, frames=20, warmup=2, device=device)["bare"]
    report = {
        **machine(device),
        "weights": engine.weights.description, "bare_forward_ms": round(bare_ms, 3), **report,
        "switch_ratio": round(report["switch_p95_ms"] / bare_ms, 3),
    }
    print(format_report(report))
    write_report(report, args.json)
    return 0


def format_report(r: dict) -> str:
    kinds = ", ".join(f"{count} {kind}" for kind, count in r["change_kinds"].items())
    return "\n".join([
        f"device {r['device']}  torch {r['torch']}  threads {r['threads']}  weights {r['weights']}",
        f"{r['changes']} view changes on a still picture ({kinds}); "
        f"{r['forwards_during_changes']} forwards ran meanwhile",
        f"switch median    {r['switch_median_ms']:8.2f} ms   (change to new mosaic handed to the panels)",
        f"switch p95       {r['switch_p95_ms']:8.2f} ms   (max {r['switch_max_ms']:.2f} ms)",
        f"bare forward     {r['bare_forward_ms']:8.2f} ms",
        f"switch ratio     {r['switch_ratio']:8.3f}      (p95 / bare forward; target <= 0.3)",
    ])
