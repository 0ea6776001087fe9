"""``alexnet-viewer invariance IMAGE``: Zeiler & Fergus's Fig. 5 for one picture.

Three sweeps of the normalised 224x224 crop (vertical translation in pixels, scale, rotation
in degrees; see core/papers/invariance.py), each step's Euclidean feature distance to the
untransformed crop at the chosen layers and the probability of one class. ``--json FILE``
writes ``{"class", "label", "sweeps": {name: {"values", "distance": {layer: [...]},
"probability"}}}``; a table goes to stdout either way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_USAGE, EXIT_STOPPED = 0, 2, 130


def _parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer invariance",
        description="How the features of two layers and a class's probability change as the picture's crop is "
        "moved down (-60..60 px), scaled (0.5..1.5) and rotated (0..360 degrees): Zeiler & Fergus 2014, Fig. 5.",
    )
    parser.add_argument("image", type=Path, metavar="IMAGE")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the sweeps as JSON")
    parser.add_argument("--class", dest="class_", metavar="N|NAME",
                        help="the class whose probability is followed (default: the picture's top-1)")
    parser.add_argument("--layers", default="relu1,relu7", metavar="L1,L2",
                        help="layers whose feature distance is measured (default relu1,relu7)")
    return parser


def run(argv: list[str]) -> int:
    from alexnet_viewer.core.model.classes import resolve_class
    from alexnet_viewer.cli.weights_options import load_weights, write_report
    from alexnet_viewer.core.errors import ImageLoadError
    from alexnet_viewer.core.frame.layers import check_layer_name
    from alexnet_viewer.core.model.loader import IMAGENET
    from alexnet_viewer.core.output_files import os_reason
    from alexnet_viewer.core.pictures.images import image_to_array, load_image

    args = _parser().parse_args(argv)
    if args.json is not None and not args.json.parent.is_dir():
        return _fail(f"Cannot write '{args.json}': the folder '{args.json.parent}' does not exist.")
    try:
        layers = [check_layer_name(name.strip().lower()) for name in args.layers.split(",") if name.strip()]
        if not layers:
            raise ValueError("--layers names no layer")
        class_index = None if args.class_ is None else resolve_class(args.class_, IMAGENET.meta["categories"])
        array = image_to_array(load_image(args.image))
    except (ValueError, ImageLoadError) as error:
        return _fail(str(error))
    loaded = load_weights(args, "the curves show a random network")  # the sweeps run on a hook-free copy
    if loaded is None:
        return EXIT_BAD_USAGE
    try:
        found = compute(loaded, array, class_index, layers)
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return EXIT_STOPPED
    except (RuntimeError, ValueError) as error:
        return _fail(str(error).strip().splitlines()[0].rstrip(".") + ".")
    label = loaded.categories[found.class_index]
    print(table(found, label))
    try:
        write_report(found.to_json(label), args.json)
    except OSError as error:
        return _fail(f"Cannot write '{args.json}': {os_reason(error)}.")
    return EXIT_OK


def compute(loaded, array, class_index, layers):
    from alexnet_viewer.core.explain.network import Network
    from alexnet_viewer.core.frame.preprocess import Preprocessor
    from alexnet_viewer.core.papers.invariance import invariance

    preprocess = Preprocessor(loaded.transforms, loaded.device)
    batch, _ = preprocess(array)
    network = Network(loaded.model, loaded.device, preprocess.batch_shape)

    def progress(done: int, total: int) -> None:
        print(f"\rinvariance: {done}/{total} steps", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return invariance(network, batch, class_index, layers, progress=progress)


def table(found, label: str) -> str:
    from alexnet_viewer.core.papers.invariance import UNITS

    lines = [f"class {found.class_index} ({label})"]
    for name, sweep in found.sweeps.items():
        layers = list(sweep.distance)
        lines.append(f"{name} ({UNITS[name]}):  value  " + "  ".join(f"{layer:>10}" for layer in layers) + "  probability")
        for step, value in enumerate(sweep.values):
            distances = "  ".join(f"{sweep.distance[layer][step]:10.4g}" for layer in layers)
            lines.append(f"  {value:>8g}  {distances}  {sweep.probability[step]:.4%}")
    return "\n".join(lines)


def _fail(sentence: str) -> int:
    print(f"error: {sentence}", file=sys.stderr)
    return EXIT_BAD_USAGE
