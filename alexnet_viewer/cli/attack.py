"""``alexnet-viewer attack IMAGE --out DIR``: the smallest push that changes AlexNet's answer.

Writes ``adversarial.png`` (the picture's own size, 8-bit RGB), ``perturbation.png`` (the
difference amplified, mid-grey is none) and ``attack.json`` (top-5 before and after, target,
bound, steps, achieved L-infinity in levels, success). Exit 0 when the saved picture, opened
again, is classified as the target (untargeted: as anything but the original top-1); 1 when
not (the files of the last attempt are still written); 2 for bad arguments or files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_NOT_FOOLED, EXIT_BAD_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser
    from alexnet_viewer.core.explain.attack import DEFAULT_EPS, DEFAULT_STEPS

    parser = command_parser(
        prog="alexnet-viewer attack",
        description="Projected gradient descent on the picture's own pixels, through the viewer's own preprocessing, "
        "so that the saved picture is classified as the target. One step is FGSM.",
    )
    parser.add_argument("image", type=Path, metavar="IMAGE")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--target", metavar="N|NAME", help="class to reach (default: untargeted, anything but the top-1)")
    parser.add_argument("--eps", type=int, default=DEFAULT_EPS, help=f"L-infinity bound in 8-bit levels (default {DEFAULT_EPS})")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"gradient steps (default {DEFAULT_STEPS}; 1 is FGSM)")
    return parser


def run(argv: list[str]) -> int:
    from alexnet_viewer.core.model.classes import resolve_class
    from alexnet_viewer.cli.export import refuse_output_folder
    from alexnet_viewer.cli.weights_options import load_weights
    from alexnet_viewer.core.errors import ImageLoadError
    from alexnet_viewer.core.model.loader import IMAGENET
    from alexnet_viewer.core.pictures.images import image_to_array, load_image

    args = _parser().parse_args(argv)
    if not 1 <= args.eps <= 255:
        return _fail(f"--eps must be 1..255 levels, not {args.eps}.")
    if args.steps < 1:
        return _fail(f"--steps must be at least 1, not {args.steps}.")
    try:  # every AlexNet here has torchvision's ImageNet categories
        target = None if args.target is None else resolve_class(args.target, IMAGENET.meta["categories"])
        image = image_to_array(load_image(args.image))
    except (ValueError, ImageLoadError) as error:
        return _fail(str(error))
    if refuse_output_folder(args.out):
        return EXIT_BAD_USAGE
    loaded = load_weights(args, "the classes mean nothing")  # the attack runs its own private copy
    if loaded is None:
        return EXIT_BAD_USAGE
    return _attack_and_write(loaded, image, target, args)


def _attack_and_write(loaded, image, target: int | None, args) -> int:
    from alexnet_viewer.core.explain.attack import attack, counted
    from alexnet_viewer.core.output_files import os_reason, write_json, write_png

    def progress(report) -> None:
        best = report.top5[0]
        print(f"\rstep {report.step}/{report.steps}: top-1 {best.label} {best.probability:.2%}", end="", file=sys.stderr, flush=True)

    try:
        result = attack(loaded, image, target, args.eps, args.steps, progress)
    except KeyboardInterrupt:
        print("\nstopped; nothing written", file=sys.stderr)
        return 130
    except (RuntimeError, MemoryError) as error:
        return _fail(f"AlexNet failed on '{args.image}': {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}.")
    print(file=sys.stderr)
    payload = {"image": str(args.image), "weights": loaded.weights.description, **result.payload(loaded.categories)}
    try:
        write_png(args.out / "adversarial.png", result.adversarial)
        write_png(args.out / "perturbation.png", result.perturbation_picture())
        write_json(args.out / "attack.json", payload)
    except OSError as error:
        return _fail(f"Cannot write into '{args.out}': {os_reason(error)}.")
    was, now = result.before[0], result.after[0]
    aim = "anything but the top-1" if target is None else loaded.categories[target]
    if not result.success:
        print(f"error: {counted(args.eps, 'level')} and {counted(args.steps, 'step')} did not make AlexNet answer {aim} "
              f"(it still answers {now.label}); the last attempt is in {args.out}.", file=sys.stderr)
        return EXIT_NOT_FOOLED
    print(f"{was.label} {was.probability:.1%} -> {now.label} {now.probability:.1%} with at most "
          f"{counted(result.linf, 'level')} changed in {counted(result.steps_run, 'step')}; wrote {args.out}")
    return EXIT_OK


def _fail(sentence: str) -> int:
    print(f"error: {sentence}", file=sys.stderr)
    return EXIT_BAD_USAGE
