"""``alexnet-viewer atlas neighbours`` and ``atlas map``: an atlas's pictures by their relu7 codes.

Exit codes: 0 done; 2 bad usage, picture or atlas (an atlas without codes says to run
``atlas build`` again), or an output that cannot be written; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alexnet_viewer.cli.atlas import EXIT_BAD_USAGE, EXIT_INTERRUPTED, EXIT_OK, _write, _write_json


def _neighbours_parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer atlas neighbours",
        description="The atlas pictures nearest to IMAGE by Euclidean distance: between relu7 codes "
        "(the 4096 values after fc7's ReLU; Krizhevsky et al. 2012, Fig. 4) or between the 224x224 RGB "
        "crops with values in 0-1. The weights are the atlas's own unless a weights flag is given.",
    )
    parser.add_argument("atlas", type=Path, metavar="ATLAS")
    parser.add_argument("image", type=Path, metavar="IMAGE")
    parser.add_argument("--k", type=int, default=6, help="how many neighbours (default 6)")
    parser.add_argument("--space", choices=("relu7", "pixels"), default="relu7", help="default relu7")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write [{rank, path, distance}] as JSON")
    return parser


def _map_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alexnet-viewer atlas map",
        description="A 2-D t-SNE map (openTSNE) of the atlas's relu7 codes, drawn with each picture's "
        "crop as a thumbnail. Cached in the atlas per weights and pictures.",
    )
    parser.add_argument("atlas", type=Path, metavar="ATLAS")
    parser.add_argument("--out", type=Path, required=True, metavar="PNG")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write [{path, x, y}] as JSON")
    parser.add_argument("--size", type=int, default=2048, help="the picture's side in pixels (default 2048)")
    parser.add_argument("--thumb", type=int, default=96, help="thumbnail side in pixels (default 96)")
    return parser


def run_neighbours(argv: list[str]) -> int:
    args = _neighbours_parser().parse_args(argv)
    if args.k < 1:
        print("error: --k must be at least 1.", file=sys.stderr)
        return EXIT_BAD_USAGE
    from alexnet_viewer.core.atlas.neighbours import load_codes, picture_query
    from alexnet_viewer.core.errors import ViewerError

    try:
        atlas = load_codes(args.atlas)
        if not args.image.is_file():
            raise ViewerError(f"The picture '{args.image}' does not exist." if not args.image.exists() else f"'{args.image}' is not a file.")
        loaded = None if atlas.stored(args.image) is not None else _atlas_model(args, atlas.manifest)
        code, crop = picture_query(atlas, args.image, loaded)
        found = atlas.nearest(args.space, code if args.space == "relu7" else crop, args.k)
    except ViewerError as error:
        print(f"error: {str(error).rstrip('.')}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    print(f"nearest to {args.image} in {args.space} among {len(atlas):,} pictures of {args.atlas}:")
    for item in found:
        print(f"{item.rank:3d}. {item.distance:12.6f}  {item.path}")
    if args.json is not None and (code := _write(_write_json, args.json, [item.to_json() for item in found])) is not None:
        return code
    return EXIT_OK


def _atlas_model(args, manifest):
    """The weights the atlas was built with (or the flags'), checked against its hash."""
    from alexnet_viewer.cli.weights_options import print_progress, weights_spec
    from alexnet_viewer.core.atlas.identity import spec_from_identity, state_dict_sha256
    from alexnet_viewer.core.atlas.store import AtlasError
    from alexnet_viewer.core.model.loader import load_model

    spec = weights_spec(args) or spec_from_identity(manifest.weights)
    if spec is None:
        raise AtlasError("the atlas does not say which weights made it; give --weights, --random-weights or --pretrained")
    loaded = load_model(spec, device=args.device, progress=print_progress)
    if state_dict_sha256(loaded.model) != manifest.weights.get("sha256"):
        raise AtlasError(f"{spec.describe()} are not the weights this atlas was built with")
    return loaded


def run_map(argv: list[str]) -> int:
    args = _map_parser().parse_args(argv)
    if args.thumb < 8 or args.size < 2 * args.thumb:
        print("error: --thumb must be at least 8 and --size at least twice --thumb.", file=sys.stderr)
        return EXIT_BAD_USAGE
    from alexnet_viewer.core.atlas.embedding import draw_map, embed
    from alexnet_viewer.core.atlas.neighbours import load_codes
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.output_files import unusable_folder_reason, write_png

    reason = unusable_folder_reason(args.out.parent if str(args.out.parent) else Path("."))
    if reason is not None:
        print(f"error: cannot write '{args.out}': {reason}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    try:
        atlas = load_codes(args.atlas)
        xy = embed(atlas, progress=_map_progress)
    except ViewerError as error:
        print(f"error: {str(error).rstrip('.')}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    failed = _write(write_png, args.out, draw_map(atlas, xy, args.size, args.thumb))
    if failed is None and args.json is not None:
        rows = [{"path": path, "x": float(x), "y": float(y)} for path, (x, y) in zip(atlas.paths, xy)]
        failed = _write(_write_json, args.json, rows)
    if failed is not None:
        return failed
    print(f"map of {len(atlas):,} pictures written to {args.out}")
    return EXIT_OK


def _map_progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rt-SNE: {done}/{total} iterations" + ("\n" if done >= total else ""))
    sys.stderr.flush()
