"""``alexnet-viewer atlas build`` and ``atlas top``: a folder's best pictures for every unit.

Exit codes: 0 done; 1 some pictures could not be used (each named on stderr); 2 bad usage,
folder, atlas or weights (one sentence on stderr); 130 interrupted (the next build resumes).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_ITEM, EXIT_BAD_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _build_parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer atlas build",
        description="For every channel of every conv/relu/pool layer, find the K pictures under the "
        "folders (recursively) whose spatial maximum of that channel is largest. A later build over "
        "the same atlas only processes new or changed pictures; an interrupted one resumes. "
        "Run it under torchrun to spread the pictures over processes or machines.",
    )
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    parser.add_argument("--out", type=Path, required=True, metavar="ATLAS", help="the atlas folder (made if missing)")
    parser.add_argument("--top", type=int, default=9, metavar="K", help="pictures kept per channel (default 9)")
    parser.add_argument("--batch", type=int, default=None, metavar="N", help="pictures per forward (default 64, 256 on a GPU)")
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="decoding processes ahead of the forward (default: none on a CPU, where threads decode each batch "
        "between forwards; the spare cores beside a GPU)",
    )
    parser.add_argument("--checkpoint-seconds", type=float, default=60.0, metavar="S", help="commit at least this often (default 60)")
    parser.add_argument("--no-draft", dest="draft", action="store_false", help="decode JPEGs at full size")
    parser.add_argument(
        "--decode", choices=("auto", "cpu", "gpu"), default="auto",
        help="where JPEGs are decoded: cpu, by Pillow in the decoding processes (the window's own pixels); gpu, "
        "in batches on the CUDA device (nvJPEG, a level or so from Pillow's pixels: each top-K candidate is decoded "
        "again by Pillow, so the atlas shows the window's values); auto (default), gpu on a CUDA device unless "
        "--no-draft, else cpu",
    )
    parser.add_argument("--force", action="store_true", help="rebuild an atlas made with other weights or preprocessing")
    return parser


def _top_parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer atlas top",
        description="A channel's best pictures in an atlas, best first, with each unit's position, value "
        "and receptive-field box (in the 224x224 crop and in the picture).",
    )
    parser.add_argument("atlas", type=Path, metavar="ATLAS")
    parser.add_argument("unit", metavar="LAYER:C", help="e.g. conv5:17")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the list as JSON")
    parser.add_argument("--patches", type=Path, metavar="DIR", help="write each box's crop and deconvnet image as PNGs")
    return parser


def run(argv: list[str]) -> int:
    if argv and argv[0] == "build":
        return run_build(argv[1:])
    if argv and argv[0] == "top":
        return run_top(argv[1:])
    if argv and argv[0] in ("neighbours", "map"):
        from alexnet_viewer.cli import atlas_papers

        return (atlas_papers.run_neighbours if argv[0] == "neighbours" else atlas_papers.run_map)(argv[1:])
    print("usage: alexnet-viewer atlas {build,top,neighbours,map} ... (see 'alexnet-viewer atlas build -h')", file=sys.stderr)
    return EXIT_BAD_USAGE


JPEG_DECODERS = {"auto": "auto", "cpu": "pillow", "gpu": "torchvision"}  # --decode: core/atlas/tensor_decode.py


def gpu_decode_refusal(decode: str, device) -> str | None:
    """The sentence refusing ``--decode gpu`` on a device that is not CUDA, else None (also
    for no device: the caller names that fault)."""
    if decode == "gpu" and device is not None and device.type != "cuda":
        return f"--decode gpu needs a CUDA device, and this run uses {device}."
    return None


def default_workers(device) -> int:
    """Decoding processes: none on a CPU (each batch is decoded by threads between forwards,
    which run on every core: core/atlas/pictures.py), all spare cores beside a GPU."""
    if device.type == "cpu":
        return 0
    from alexnet_viewer.core.frame.torch_threads import usable_cores

    per_rank = max(1, usable_cores() // max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1"))))
    return max(1, per_rank - 1)


def run_build(argv: list[str]) -> int:
    args = _build_parser().parse_args(argv)
    for flag, value, low in (("--top", args.top, 1), ("--batch", args.batch, 1), ("--workers", args.workers, 0)):
        if value is not None and value < low:
            print(f"error: {flag} must be at least {low}.", file=sys.stderr)
            return EXIT_BAD_USAGE
    from alexnet_viewer.core.atlas.distributed import Group, Solo, launched_by_torchrun, rank_device
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model.loader import choose_device

    try:
        device = choose_device(rank_device(args.device))
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE
    if (message := gpu_decode_refusal(args.decode, device)) is not None:
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_USAGE
    comm = Group(device) if launched_by_torchrun() else Solo()
    try:
        return _build(args, device, comm)
    except KeyboardInterrupt:
        if comm.is_root:
            print("\ninterrupted: the atlas keeps what was committed; run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        comm.close()


def _build(args, device, comm) -> int:
    from alexnet_viewer.core.atlas.build import AtlasError, BuildOptions, build_atlas
    from alexnet_viewer.core.atlas.plan import check_folders
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model.loader import load_model
    from alexnet_viewer.core.model.weights_spec import WeightsSpec
    from alexnet_viewer.cli.weights_options import print_progress, weights_spec

    spec = weights_spec(args) or WeightsSpec.pretrained()
    loaded, message = None, None
    try:
        check_folders(args.folders)  # before the weights: a typo should not cost a download
        loaded = load_model(spec, device=device, progress=print_progress if comm.is_root else None)
    except ViewerError as error:
        message = str(error)
    message = comm.first_error(message)
    if message is not None:
        if comm.is_root:
            print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_USAGE
    options = BuildOptions(
        top_k=args.top,
        batch_size=args.batch or (256 if device.type == "cuda" else 64),
        workers=default_workers(device) if args.workers is None else args.workers,
        force=args.force,
        draft=args.draft,
        commit_seconds=max(0.0, args.checkpoint_seconds),
        jpeg_decoder=JPEG_DECODERS[args.decode],
    )
    line = ProgressLine("atlas", "pictures") if comm.is_root else None
    try:
        report = build_atlas(
            loaded, args.folders, args.out, options, spec=spec, comm=comm,
            progress=line, on_bad=lambda text: _bad(line, text),
        )
    except AtlasError as error:
        if comm.is_root:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE
    finally:
        if line is not None:
            line.finish()
    if comm.is_root:
        for note in report.repaired:
            print(f"note: {note}", file=sys.stderr)
        print(_summary(report, args.out, comm.world), flush=True)
    comm.wait()  # torchrun stops every rank as soon as one exits
    return EXIT_BAD_ITEM if report.bad else EXIT_OK


def _bad(line, text: str) -> None:
    if line is not None:
        line.clear()
    print(f"skipped: {text}", file=sys.stderr, flush=True)


def _summary(report, out: Path, world: int) -> str:
    if report.up_to_date:
        text = f"atlas {out} is up to date: {report.pictures:,} pictures"
    else:
        rate = report.processed / report.seconds if report.seconds > 0 else 0.0
        ranks = f" over {world} processes" if world > 1 else ""
        text = (
            f"atlas {out}: {report.pictures:,} pictures ({report.processed:,} processed{ranks} at "
            f"{rate:.1f} images/s, {report.reused:,} unchanged, {report.dropped:,} removed or changed)"
        )
    coded = f"; relu7 codes added for {report.coded:,} pictures it held" if report.coded else ""
    return text + coded + (f"; {report.bad} could not be used" if report.bad else "")


def run_top(argv: list[str]) -> int:
    args = _top_parser().parse_args(argv)
    from alexnet_viewer.core.atlas.lookup import channel_top, open_atlas, parse_unit
    from alexnet_viewer.core.atlas.store import AtlasError

    try:
        manifest = open_atlas(args.atlas)
        layer, channel = parse_unit(args.unit, manifest)
        crop = tuple((list(manifest.preprocess["crop"]) * 2)[:2])
        units = channel_top(args.atlas, manifest, layer, channel, crop)
    except (AtlasError, ValueError) as error:
        print(f"error: {str(error).rstrip('.')}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    if not manifest.complete:
        print("note: this atlas is incomplete (its build was interrupted); run atlas build again to finish it.", file=sys.stderr)
    rows = [_picture_row(unit, manifest.preprocess) for unit in units]
    print(f"{layer}:{channel} in {args.atlas} ({len(manifest.files):,} pictures, weights: {manifest.weights.get('description')})")
    for row in rows:
        where = "" if row["picture_box"] is None else "  in picture " + ",".join(f"{v:.0f}" for v in row["picture_box"])
        print(f"{row['rank']:3d}. {row['value']:10.4f}  y {row['y']:2d} x {row['x']:2d}  box {row['box']}{where}  {row['path']}")
    failed = sum(not unit.unchanged for unit in units)
    for unit in units:
        if not unit.unchanged:
            print(f"note: '{unit.path}' changed or vanished since the atlas was built.", file=sys.stderr)
    if args.json is not None and (code := _write(_write_json, args.json, rows)) is not None:
        return code
    if args.patches is not None:
        code = _write_patches(args, manifest, units, layer, channel)
        if code != EXIT_OK:
            return code
    return EXIT_BAD_ITEM if failed else EXIT_OK


def _picture_row(unit, preprocess: dict) -> dict:
    """The unit as JSON, with its box in the picture's own pixels when the file still decodes."""
    from alexnet_viewer.core.atlas.lookup import crop_box_in_picture
    from alexnet_viewer.core.errors import ImageLoadError
    from alexnet_viewer.core.pictures.images import load_image

    row = unit.to_json()
    row["picture_size"] = row["picture_box"] = None
    if unit.unchanged:
        try:
            size = load_image(unit.path).size
        except ImageLoadError:
            return row
        row["picture_size"] = list(size)
        row["picture_box"] = [round(v, 2) for v in crop_box_in_picture(unit.box, size, preprocess)]
    return row


def _write_json(path: Path, rows: list[dict]) -> None:
    from alexnet_viewer.core.output_files import write_json

    write_json(path, rows)


def _write(action, *arguments) -> int | None:
    try:
        action(*arguments)
    except OSError as error:
        print(f"error: cannot write: {(error.strerror or str(error)).lower()}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    return None


def _write_patches(args, manifest, units, layer: str, channel: int) -> int:
    from alexnet_viewer.core.atlas.identity import spec_from_identity, state_dict_sha256
    from alexnet_viewer.core.atlas.patches import PatchMaker
    from alexnet_viewer.core.errors import ImageLoadError, ViewerError
    from alexnet_viewer.core.model.loader import load_model
    from alexnet_viewer.core.output_files import unusable_folder_reason, write_png
    from alexnet_viewer.cli.weights_options import print_progress, weights_spec

    reason = unusable_folder_reason(args.patches)
    if reason is not None:
        print(f"error: cannot write the patches to '{args.patches}': {reason}.", file=sys.stderr)
        return EXIT_BAD_USAGE
    spec = weights_spec(args) or spec_from_identity(manifest.weights)
    if spec is None:
        print("error: the atlas does not say which weights made it; give --weights, --random-weights or --pretrained.", file=sys.stderr)
        return EXIT_BAD_USAGE
    try:
        loaded = load_model(spec, device=args.device, progress=print_progress)
    except ViewerError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE
    if state_dict_sha256(loaded.model) != manifest.weights.get("sha256"):
        print(f"error: {spec.describe()} are not the weights this atlas was built with.", file=sys.stderr)
        return EXIT_BAD_USAGE
    maker = PatchMaker(loaded, manifest.preprocess.get("jpeg_draft"))
    code = EXIT_OK
    for unit in units:
        if not unit.unchanged:
            code = EXIT_BAD_ITEM
            continue
        try:
            crop, deconv = maker.patches(unit, layer, channel)
        except ImageLoadError as error:
            print(f"skipped: {error}", file=sys.stderr)
            code = EXIT_BAD_ITEM
            continue
        for kind, pixels in (("crop", crop), ("deconv", deconv)):
            failed = _write(write_png, args.patches / f"{unit.rank:02d}-{kind}.png", pixels)
            if failed is not None:
                return failed
    print(f"patches written to {args.patches}")
    return code


class ProgressLine:
    """One updating stderr line: done/total, rate and time left (at most 4 redraws a second)."""

    def __init__(self, label: str, unit: str) -> None:
        self._label, self._unit = label, unit
        self._start = self._drawn = None
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        from time import monotonic

        now = monotonic()
        if self._start is None:
            self._start = now
        if done < total and self._drawn is not None and now - self._drawn < 0.25:
            return
        self._drawn = now
        elapsed = now - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        speed = f"  {rate:.1f} images/s" if done else ""
        left = f"  ETA {_clock((total - done) / rate)}" if rate > 0 and done < total else ""
        text = f"{self._label}: {done:,}/{total:,} {self._unit}{speed}{left}"
        sys.stderr.write("\r" + text.ljust(self._width))
        sys.stderr.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            self._width = 0
            self._drawn = None

    def finish(self) -> None:
        if self._width:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._width = 0


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
