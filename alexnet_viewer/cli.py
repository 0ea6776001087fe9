"""Command line: the window (default), ``export`` and ``bench``.

Heavy imports (torch, Qt) happen inside each command so ``--help`` is instant and the
window can paint before torch has finished importing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from .core.layers import LAYER_NAMES


def _gui_parser() -> argparse.ArgumentParser:
    from .weights_options import add_weights_options

    parser = argparse.ArgumentParser(
        prog="alexnet-viewer",
        description="Watch AlexNet see a picture. Also: 'alexnet-viewer export -h', 'alexnet-viewer bench -h'.",
    )
    parser.add_argument("image", nargs="?", type=Path, help="picture or video to open (default: a bundled sample)")
    add_weights_options(parser)
    parser.add_argument("--screenshot", type=Path, metavar="OUT.png", help="save the window once IMAGE is shown, then exit")
    parser.add_argument("--layer", choices=LAYER_NAMES, help="feature-map layer to show first")
    parser.add_argument(
        "--window-size", type=_window_size, metavar="WxH", help="window size for --screenshot (default 1600x1000)"
    )
    return parser


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, not {text!r}") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"window size {width}x{height} is out of range")
    return width, height


def _export_parser() -> argparse.ArgumentParser:
    from .weights_options import add_weights_options

    parser = argparse.ArgumentParser(
        prog="alexnet-viewer export",
        description="Write predictions, statistics, filters and feature-map mosaics for each image.",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    add_weights_options(parser)
    return parser


def _bench_parser() -> argparse.ArgumentParser:
    from .weights_options import add_weights_options

    parser = argparse.ArgumentParser(
        prog="alexnet-viewer bench",
        description="Median per-frame cost of the engine against a bare torchvision forward, in one run.",
    )
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--live", action="store_true", help="drive the real window offscreen with a synthetic camera")
    mode.add_argument("--startup", action="store_true", help="time launch to first paint and to first result")
    add_weights_options(parser, default_random=True)
    return parser


def run_export(argv: list[str]) -> int:
    from .export import EXIT_BAD_WEIGHTS, export_images
    from .weights_options import load_engine

    args = _export_parser().parse_args(argv)
    engine = load_engine(args)
    if engine is None:
        return EXIT_BAD_WEIGHTS
    if not engine.weights.trained:
        print(f"note: untrained weights ({engine.weights.description}): predictions are meaningless", file=sys.stderr)
    return export_images(engine, args.images, args.out)


def run_bench(argv: list[str]) -> int:
    from .weights_options import load_engine, write_report

    args = _bench_parser().parse_args(argv)
    if args.frames < 1:
        print("error: --frames must be at least 1", file=sys.stderr)
        return 2
    if args.live:
        from .qt.live.bench import run_live_bench

        return run_live_bench(args)
    if args.startup:
        from .startup_bench import format_startup_report, run_startup_bench

        report = run_startup_bench(device=args.device)
        print(format_startup_report(report))
        write_report(report, args.json)
        return 0
    from .bench import format_report
    from .bench import run_bench as bench

    engine = load_engine(args)
    if engine is None:
        return 2
    report = bench(engine, frames=args.frames)
    print(format_report(report))
    write_report(report, args.json)
    return 0


def run_window(argv: list[str]) -> int:
    args = _gui_parser().parse_args(argv)
    from .qt.app import GuiOptions, run_gui
    from .weights_options import weights_spec

    options = GuiOptions(
        image=args.image, weights=weights_spec(args), device=args.device, screenshot=args.screenshot, layer=args.layer
    )
    if args.window_size:
        options = dataclasses.replace(options, screenshot_size=args.window_size)
    return run_gui(options)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        return run_export(argv[1:])
    if argv and argv[0] == "bench":
        return run_bench(argv[1:])
    return run_window(argv)
