"""``alexnet-viewer info``: the loaded AlexNet's architecture table, on the terminal or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_USAGE = 0, 2

_COLUMNS = ("layer", "type", "kernel", "stride", "pad", "output", "params", "MACs", "RF", "RF stride")


def _parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer info",
        description="Per layer of the loaded AlexNet: type, kernel, stride, padding, output shape, "
        "parameters, multiply-accumulates and receptive field on the 224x224 crop.",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the table as JSON")
    return parser


def _pair(value: tuple[int, int] | None) -> str:
    if value is None:
        return "-"
    return str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"


def format_table(architecture) -> str:
    """An aligned text table with a totals line."""
    rows = [
        (
            row.name,
            row.type,
            _pair(row.kernel),
            _pair(row.stride),
            _pair(row.padding),
            "x".join(str(n) for n in row.output_shape),
            f"{row.params:,}",
            f"{row.macs:,}",
            "-" if row.rf_size is None else str(row.rf_size),
            "-" if row.rf_stride is None else str(row.rf_stride),
        )
        for row in architecture.layers
    ]
    total = ("total", "", "", "", "", "", f"{architecture.total_params:,}", f"{architecture.total_macs:,}", "", "")
    table = [_COLUMNS, *rows, total]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    left = {0, 1}  # names left-aligned, numbers right-aligned

    def line(cells) -> str:
        padded = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return "  ".join(padded).rstrip()

    rule = "-" * len(line(_COLUMNS))
    shape = "x".join(str(n) for n in architecture.input_shape)
    return "\n".join(
        [
            line(_COLUMNS),
            rule,
            *(line(r) for r in rows),
            rule,
            line(total),
            f"input {shape}: {architecture.total_macs / 1e9:.3f} G multiply-accumulates per image",
            "(MACs of conv and linear layers; ReLU, pooling and biases count 0; RF: receptive field, crop pixels)",
        ]
    )


def run(argv: list[str]) -> int:
    from alexnet_viewer.core.inspect.architecture import architecture
    from alexnet_viewer.cli.weights_options import load_engine

    args = _parser().parse_args(argv)
    engine = load_engine(args)
    if engine is None:
        return EXIT_BAD_USAGE
    table = architecture(engine.loaded.model)
    engine.close()
    print(f"weights: {engine.weights.description}")
    print(format_table(table))
    if args.json is not None:
        from alexnet_viewer.core.output_files import os_reason, write_json

        payload = {"weights": engine.weights.description, **table.to_json()}
        try:
            write_json(args.json, payload)
        except OSError as error:
            print(f"error: cannot write {args.json}: {os_reason(error)}", file=sys.stderr)
            return EXIT_BAD_USAGE
    return EXIT_OK
