"""The weights and device flags shared by the window and every headless command, the
loading that turns them into an engine (or one sentence on stderr), and the report a
command or bench writes with ``--json``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alexnet_viewer.core.model.weights_spec import WeightsSpec


def command_parser(prog: str, description: str, *, default_random: bool = False, **kwargs) -> argparse.ArgumentParser:
    """A command's parser with the weights and device flags (in their own section of the help);
    the command adds its own arguments."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)
    _add_weights_options(parser.add_argument_group("weights and device"), default_random)
    return parser


def _add_weights_options(section, default_random: bool) -> None:
    group = section.add_mutually_exclusive_group()
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
    section.set_defaults(random_weights=True if default_random else None)
    section.add_argument("--seed", type=int, default=0, help="seed for --random-weights and for SmoothGrad's noise (default 0)")
    section.add_argument("--device", default=None, help="cpu, cuda, cuda:1 or mps (default: best available)")


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


def load_weights(args: argparse.Namespace, untrained: str, heading: str = "note"):
    """The loaded weights the flags ask for, for a command that works on its own copy of them
    (the engine is closed), or None with the reason on stderr (the caller exits 2). Untrained
    weights get "<heading>: untrained weights (<which>): <untrained>" on stderr."""
    engine = load_engine(args)
    if engine is None:
        return None
    loaded = engine.loaded
    engine.close()
    if not loaded.weights.trained:
        print(f"{heading}: untrained weights ({loaded.weights.description}): {untrained}", file=sys.stderr)
    return loaded


def run_measurement(args: argparse.Namespace, measure, describe) -> int:
    """A bench on the flags' engine: ``measure(engine)`` gives the report, printed as
    ``describe(report)`` and written to ``--json``; 2 when the weights cannot be loaded."""
    engine = load_engine(args)
    if engine is None:
        return 2
    report = measure(engine)
    print(describe(report))
    write_report(report, args.json)
    return 0


def print_progress(done: int, total: int | None) -> None:
    if total:
        print(f"\rdownloading pretrained weights: {done / total:6.1%}", end="", file=sys.stderr, flush=True)


def write_report(report: dict, path: Path | None) -> None:
    """A command's figures as strict JSON, when ``--json FILE`` was given."""
    if path is not None:
        from alexnet_viewer.core.output_files import write_json

        write_json(path, report)
