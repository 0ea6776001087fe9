"""Command line: the window (default), ``export`` and ``bench``.

Heavy imports (torch, Qt) happen inside each command so ``--help`` is instant and the
window can paint before torch has finished importing.
"""

from __future__ import annotations

import argparse
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
    return parser


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
    parser.add_argument("--live", action="store_true", help="drive the real window offscreen with a synthetic camera")
    add_weights_options(parser, default_random=True)
    return parser


def _load_engine(args: argparse.Namespace):
    """The engine for a headless command, or an exit status 2 with the reason on stderr."""
    from .core.engine import Engine
    from .core.errors import ViewerError
    from .core.model import load_model
    from .core.weights_spec import WeightsSpec
    from .weights_options import weights_spec

    spec = weights_spec(args) or WeightsSpec.pretrained()
    try:
        return Engine(load_model(spec, device=args.device, progress=_print_progress))
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def _print_progress(done: int, total: int | None) -> None:
    if total:
        print(f"\rdownloading pretrained weights: {done / total:6.1%}", end="", file=sys.stderr, flush=True)


def run_export(argv: list[str]) -> int:
    from .export import EXIT_BAD_WEIGHTS, export_images

    args = _export_parser().parse_args(argv)
    engine = _load_engine(args)
    if engine is None:
        return EXIT_BAD_WEIGHTS
    if not engine.weights.trained:
        print(f"note: untrained weights ({engine.weights.description}): predictions are meaningless", file=sys.stderr)
    return export_images(engine, args.images, args.out)


def run_bench(argv: list[str]) -> int:
    args = _bench_parser().parse_args(argv)
    if args.frames < 1:
        print("error: --frames must be at least 1", file=sys.stderr)
        return 2
    if args.live:
        from .qt.live_bench import run_live_bench

        return run_live_bench(args)
    from .bench import format_report, run_bench as bench, write_report

    engine = _load_engine(args)
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

    return run_gui(
        GuiOptions(
            image=args.image,
            weights=weights_spec(args),
            device=args.device,
            screenshot=args.screenshot,
            layer=args.layer,
        )
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        return run_export(argv[1:])
    if argv and argv[0] == "bench":
        return run_bench(argv[1:])
    return run_window(argv)
