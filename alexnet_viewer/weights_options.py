"""The weights and device flags shared by the window, ``export`` and ``bench``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .core.weights_spec import WeightsSpec


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
    parser.add_argument("--seed", type=int, default=0, help="seed for --random-weights (default 0)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 or mps (default: best available)")


def weights_spec(args: argparse.Namespace) -> WeightsSpec | None:
    """The spec the flags ask for; None when no weights flag was given at all."""
    if args.weights is not None:
        return WeightsSpec.from_file(args.weights)
    if args.random_weights is None:
        return None
    return WeightsSpec.random(args.seed) if args.random_weights else WeightsSpec.pretrained()
