"""The weights and device flags shared by the window and every headless command, and the
loading that turns them into an engine (or one sentence on stderr)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alexnet_viewer.core.model.weights_spec import WeightsSpec


def add_weights_options(parser: argparse.ArgumentParser, *, default_random: bool = False) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--weights", type=Path, metavar="FILE", help="AlexNet state dict (.pth, .pt or .safetensors)"
    )
    group.add_argument(
        "--random-weights",
        action="store_true",
        help="untrained random weights (predictions are meaningless)"
        + (" [default here]" if default_random else ""),
    )
    group.add_argument(
        "--pretrained",
        dest="random_weights",
        action="store_false",
        help="pretrained ImageNet weights (downloaded once into torch's cache)"
        + ("" if default_random else " [default]"),
    )
    parser.set_defaults(random_weights=True if default_random else None)
    parser.add_argument("--seed", type=int, default=0, help="seed for --random-weights and for SmoothGrad's noise (default 0)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 or mps (default: best available)")


def weights_spec(args: argparse.Namespace) -> WeightsSpec | None:
    """The spec the flags ask for; None when no weights flag was given at all."""
    if args.weights is not None:
        return WeightsSpec.from_file(args.weights)
    if args.random_weights is None:
        return None
    return WeightsSpec.random(args.seed) if args.random_weights else WeightsSpec.pretrained()


def load_engine(args: argparse.Namespace):
    """The engine the flags ask for, or None with the reason on stderr (the caller exits 2)."""
    from alexnet_viewer.core.frame.engine import Engine
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model.loader import load_model

    spec = weights_spec(args) or WeightsSpec.pretrained()
    try:
        return Engine(load_model(spec, device=args.device, progress=print_progress))
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def print_progress(done: int, total: int | None) -> None:
    if total:
        print(f"\rdownloading pretrained weights: {done / total:6.1%}", end="", file=sys.stderr, flush=True)


def write_report(report: dict, path: Path | None) -> None:
    """A command's figures as strict JSON, when ``--json FILE`` was given."""
    if path is not None:
        from alexnet_viewer.core.output_files import write_json

        write_json(path, report)
