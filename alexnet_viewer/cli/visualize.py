"""``alexnet-viewer visualize LAYER:C --out PNG``: the picture that drives one channel hardest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_USAGE, EXIT_STOPPED = 0, 2, 130


def _parser() -> argparse.ArgumentParser:
    from alexnet_viewer.core.visualize import DEFAULT_STEPS
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer visualize",
        description="Optimise the 224x224 picture that maximises a channel's mean activation (fc8: a class's "
        "logit), with Fourier / decorrelated-colour parameterisation and jitter, scale and rotation robustness. "
        "convN means the convolution's output before its ReLU; reluN and poolN their own outputs. "
        "Finished pictures are cached per weights under $XDG_CACHE_HOME/alexnet-viewer/visualize.",
        epilog="--seed picks the picture's random start and transforms; "
        "with --random-weights it also picks the weights.",
    )
    parser.add_argument(
        "target", metavar="LAYER:C", help="e.g. conv5:3, relu3:10, fc8:281 or fc8:tabby (a category name)"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="PNG", help="where to write the picture")
    parser.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS, help=f"optimisation steps (default {DEFAULT_STEPS})"
    )
    return parser


def run(argv: list[str]) -> int:
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model.loader import IMAGENET
    from alexnet_viewer.core.visualize import parse_target, visualize
    from alexnet_viewer.core.output_files import os_reason, write_png
    from alexnet_viewer.cli.weights_options import load_weights

    args = _parser().parse_args(argv)
    if args.steps < 1:
        return _fail(f"--steps must be at least 1, not {args.steps}.")
    if not args.out.parent.is_dir():
        return _fail(f"Cannot write '{args.out}': the folder '{args.out.parent}' does not exist.")
    try:  # before the weights load: every AlexNet here has torchvision's ImageNet categories
        target = parse_target(args.target, IMAGENET.meta["categories"])
    except ViewerError as error:
        return _fail(str(error))
    loaded = load_weights(args, "the picture shows a random network")  # visualize works on a private copy
    if loaded is None:
        return EXIT_BAD_USAGE

    def progress(done: int, steps: int, objective: float) -> None:
        print(f"\r{target}: step {done}/{steps}, objective {objective:.4g}", end="", file=sys.stderr, flush=True)

    try:
        result = visualize(
            loaded, target.layer, target.channel, steps=args.steps, seed=args.seed, progress=progress
        )
    except KeyboardInterrupt:
        print("\nstopped; nothing written", file=sys.stderr)
        return EXIT_STOPPED
    print(file=sys.stderr)
    try:
        write_png(args.out, result.image)
    except OSError as error:
        return _fail(f"Cannot write '{args.out}': {os_reason(error)}.")
    where = "from the cache" if result.cached else f"{result.steps} steps in {result.seconds:.1f} s"
    label = f" ({loaded.categories[target.channel]})" if target.layer == "fc8" else ""
    print(
        f"{target}{label}: mean activation {result.activation:.4g} for the saved picture as the viewer opens it "
        f"({where}); wrote {args.out}"
    )
    print(_against_the_samples(loaded, target, result.activation))
    return EXIT_OK


def _against_the_samples(loaded, target, achieved: float) -> str:
    """How the picture compares with the bundled photos' centre crops, as one line."""
    from alexnet_viewer.core.errors import ImageLoadError
    from alexnet_viewer.core.pictures.images import image_to_array, load_image
    from alexnet_viewer.core.pictures.samples import list_samples
    from alexnet_viewer.core.visualize import measure_activations

    try:
        photos = [image_to_array(load_image(path)) for _, path in list_samples()]
    except ImageLoadError:
        photos = []
    if not photos:
        return "(no bundled photos to compare with)"
    best = max(measure_activations(loaded, target.layer, target.channel, photos))
    ratio = f", {achieved / best:.1f} times that" if best > 0 else ""
    return f"best bundled photo: {best:.4g}{ratio}"


def _fail(sentence: str) -> int:
    print(f"error: {sentence}", file=sys.stderr)
    return EXIT_BAD_USAGE
