"""Command line: the window (default), ``export``, ``bench``, ``info``, ``visualize``, ``evaluate``, ``atlas``,
``invariance`` and ``attack``.

Heavy imports (torch, Qt) happen inside each command so ``--help`` is instant and the
window can paint before torch has finished importing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from alexnet_viewer.core.frame.layers import LAYER_NAMES
from alexnet_viewer.core.session import WORKSPACES


def _gui_parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer",
        description="Watch AlexNet see a picture. Also: 'alexnet-viewer export -h', 'alexnet-viewer bench -h', 'alexnet-viewer info -h', 'alexnet-viewer visualize -h', 'alexnet-viewer evaluate -h', 'alexnet-viewer atlas build -h', 'alexnet-viewer invariance -h', 'alexnet-viewer attack -h'.",
    )
    parser.add_argument("image", nargs="?", type=Path, help="picture or video to open (default: a bundled sample)")
    parser.add_argument("--screenshot", type=Path, metavar="OUT.png", help="save the window once IMAGE is shown, then exit")
    parser.add_argument("--layer", choices=LAYER_NAMES, help="feature-map layer to show first")
    parser.add_argument("--presentation", action="store_true",
                        help="start in presentation mode (F11): full screen, or the --window-size of a --screenshot")
    parser.add_argument(
        "--window-size", type=_window_size, metavar="WxH", help="window size for --screenshot (default 1600x1000)"
    )
    parser.add_argument("--explain", action="store_true",
                        help="show the Explain panel on the top-1 (a --screenshot waits for its map)")
    parser.add_argument("--workspace", choices=WORKSPACES,
                        help="workspace to open in (keys 1-5 switch; default: look)")
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
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer export",
        description="Write predictions, statistics, filters and feature-map mosaics for each image.",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument(
        "--ablate",
        action="append",
        default=[],
        type=_ablation,
        metavar="LAYER:C1,C2,...",
        help="switch these channels of a conv, relu or pool layer off (repeatable)",
    )
    explain = parser.add_argument_group("why it thinks so (writes explain/ in each image's folder)")
    explain.add_argument("--explain", action="store_true", help="Grad-CAM, guided backprop, deconvnet and guided Grad-CAM of the top-1")
    explain.add_argument("--explain-class", action="append", default=[], metavar="N|NAME", help="explain this class instead (repeatable)")
    explain.add_argument("--explain-layer", metavar="LAYER", help="conv, relu or pool layer for the CAMs (default relu5)")
    explain.add_argument("--explain-unit", action="append", default=[], metavar="LAYER:C[@Y,X]", help="also a channel, or one neuron (repeatable)")
    explain.add_argument("--explain-method", action="append", default=[], metavar="NAME",
                         help="write this method's maps (repeatable): saliency, grad_x_input, smoothgrad, integrated_gradients, "
                              "lrp_epsilon, lrp_composite, gradcam_pp, layercam, scorecam, gradcam, guided_backprop, deconv, "
                              "guided_gradcam, occlusion")
    explain.add_argument("--smoothgrad-samples", type=int, default=50, metavar="N", help="SmoothGrad's noisy copies (default 50)")
    explain.add_argument("--smoothgrad-noise", type=float, default=0.15, metavar="F",
                         help="SmoothGrad's noise sigma as a fraction of the input's range (default 0.15)")
    explain.add_argument("--ig-steps", type=int, default=50, metavar="N", help="Integrated Gradients' steps (default 50)")
    explain.add_argument("--sanity", action="append", default=[], metavar="METHOD",
                         help="Adebayo et al.'s sanity check of a method (any --explain-method but occlusion): "
                         "its map as the weights are randomised from fc8 down to conv1 (seeded by --seed), "
                         "with Spearman correlations, in sanity/ (repeatable)")
    from alexnet_viewer.cli.paper_options import add_paper_options

    add_paper_options(parser)
    return parser


def _ablation(text: str) -> tuple[str, tuple[int, ...]]:
    from alexnet_viewer.core.frame.ablation import parse_ablation

    try:
        return parse_ablation(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _bench_parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer bench",
        description="Median per-frame cost of the engine against a bare torchvision forward, in one run.",
        default_random=True,
    )
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--live", action="store_true", help="drive the real window offscreen with a synthetic camera")
    parser.add_argument("--with-explain", action="store_true",
                        help="with --live: the Explain panel follows the frames (Grad-CAM of the top-1)")
    parser.add_argument("--source-fps", type=float, default=None, metavar="N",
                        help="with --live: the synthetic camera's frame rate (default 60)")
    mode.add_argument("--startup", action="store_true", help="time launch to first paint and to first result")
    mode.add_argument("--interact", action="store_true",
                      help="time 40 layer/channel/order changes on a still picture in the real window, offscreen")
    mode.add_argument("--explain", action="store_true", help="frame plus Grad-CAM / guided backprop against a bare forward")
    mode.add_argument("--atlas", action="store_true", help="atlas build over camera-sized JPEGs against a bare batched forward")
    parser.add_argument("--batch", type=int, default=None, metavar="N", help="with --atlas: pictures per batch (default 64, 256 on a GPU)")
    return parser


def run_export(argv: list[str]) -> int:
    from alexnet_viewer.core.frame.ablation import check_ablations
    from alexnet_viewer.cli.export import EXIT_BAD_OUTPUT, EXIT_BAD_WEIGHTS, export_images, refuse_output_folder
    from alexnet_viewer.cli.weights_options import load_engine

    args = _export_parser().parse_args(argv)
    if refuse_output_folder(args.out, create=False):  # before the weights, which may mean a download
        return EXIT_BAD_OUTPUT
    engine = load_engine(args)
    if engine is None:
        return EXIT_BAD_WEIGHTS
    try:
        from alexnet_viewer.cli.explain_export import explain_from_args
        from alexnet_viewer.cli.paper_export import Extras, extras_from_args
        from alexnet_viewer.cli.sanity_export import sanity_from_args

        explain = extras_from_args(args, engine.loaded, explain_from_args(args, engine.loaded))
        sanity = sanity_from_args(args, engine.loaded)
        if sanity is not None:
            explain = Extras([explain, sanity])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not engine.weights.trained:
        print(f"note: untrained weights ({engine.weights.description}): predictions are meaningless", file=sys.stderr)
    return export_images(engine, args.images, args.out, ablations=check_ablations(args.ablate), explain=explain)


def run_bench(argv: list[str]) -> int:
    from alexnet_viewer.cli.weights_options import write_report

    args = _bench_parser().parse_args(argv)
    if args.frames < 1:
        print("error: --frames must be at least 1", file=sys.stderr)
        return 2
    if args.live:
        from alexnet_viewer.bench.live import run_live_bench

        return run_live_bench(args)
    if args.interact:
        from alexnet_viewer.bench.interact import run as run_interact_bench

        return run_interact_bench(args)
    if args.explain:
        from alexnet_viewer.bench.explain import run as run_explain_bench

        return run_explain_bench(args)
    if args.atlas:
        from alexnet_viewer.bench.atlas import run as run_atlas_bench

        return run_atlas_bench(args)
    if args.startup:
        from alexnet_viewer.bench.startup import format_startup_report, run_startup_bench

        report = run_startup_bench(device=args.device)
        print(format_startup_report(report))
        write_report(report, args.json)
        return 0
    from alexnet_viewer.bench.frames import format_report
    from alexnet_viewer.bench.frames import run_bench as bench
    from alexnet_viewer.cli.weights_options import run_measurement

    return run_measurement(args, lambda engine: bench(engine, frames=args.frames), format_report)


def run_window(argv: list[str]) -> int:
    args = _gui_parser().parse_args(argv)
    from alexnet_viewer.qt.app import GuiOptions, run_gui
    from alexnet_viewer.cli.weights_options import weights_spec

    options = GuiOptions(
        image=args.image, weights=weights_spec(args), device=args.device, screenshot=args.screenshot, layer=args.layer,
        presentation=args.presentation, explain=args.explain, workspace=args.workspace,
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
    if argv and argv[0] == "info":
        from alexnet_viewer.cli.info import run

        return run(argv[1:])
    if argv and argv[0] == "visualize":
        from alexnet_viewer.cli.visualize import run

        return run(argv[1:])
    if argv and argv[0] == "evaluate":
        from alexnet_viewer.cli.evaluate import run

        return run(argv[1:])
    if argv and argv[0] == "atlas":
        from alexnet_viewer.cli.atlas import run

        return run(argv[1:])
    if argv and argv[0] == "invariance":
        from alexnet_viewer.cli.invariance import run

        return run(argv[1:])
    if argv and argv[0] == "attack":
        from alexnet_viewer.cli.attack import run

        return run(argv[1:])
    return run_window(argv)
