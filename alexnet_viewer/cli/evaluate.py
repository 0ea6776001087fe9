"""``alexnet-viewer evaluate FOLDER``: top-1 / top-5 accuracy on a labelled folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BAD_FILES, EXIT_BAD_USAGE, EXIT_STOPPED = 0, 1, 2, 130
WORST_CLASSES = 5


def _parser() -> argparse.ArgumentParser:
    from alexnet_viewer.cli.weights_options import command_parser

    parser = command_parser(
        prog="alexnet-viewer evaluate",
        description="Top-1 and top-5 accuracy on a labelled folder: ImageNet's 1000 WordNet-id folders, "
        "folders named by class index (ImageNetV2's 0-999) or by the weights' category names.",
    )
    parser.add_argument("folder", type=Path, metavar="FOLDER")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the full report (with every mistake) as JSON"
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="evaluate at most N pictures, taken round-robin over the classes"
    )
    parser.add_argument(
        "--batch", type=int, default=32, metavar="N", help="pictures per forward pass (default 32)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="decoding processes beside the forward (default as for 'atlas build': none on a CPU, where threads "
        "decode each batch between forwards; the spare cores beside a GPU)",
    )
    parser.add_argument("--ten-crop", action="store_true",
                        help="also the accuracy of the softmax averaged over ten crops (Krizhevsky et al. 2012, 4.1)")
    parser.add_argument(
        "--decode", choices=("cpu", "gpu"), default="cpu",
        help="where JPEGs are decoded: cpu (default), by Pillow, as the window decodes them, so every prediction is "
        "the window's; gpu, in batches on the CUDA device (nvJPEG) for throughput: its pixels are a level or so from "
        "Pillow's, so a prediction may differ from the window's where two classes nearly tie (not with --ten-crop)",
    )
    return parser


def run(argv: list[str]) -> int:
    from alexnet_viewer.cli.atlas import JPEG_DECODERS, default_workers, gpu_decode_refusal
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.evaluate import evaluate_folder
    from alexnet_viewer.core.output_files import os_reason
    from alexnet_viewer.cli.weights_options import load_weights, write_report

    args = _parser().parse_args(argv)
    for flag, value, least in (
        ("--limit", args.limit, 1),
        ("--batch", args.batch, 1),
        ("--workers", args.workers, 0),
    ):
        if value is not None and value < least:
            return _fail(f"{flag} must be at least {least}, not {value}.")
    if args.decode == "gpu" and args.ten_crop:
        return _fail("--ten-crop cuts its crops from Pillow's pictures: leave out --decode gpu.")
    if not args.folder.is_dir():
        return _fail(f"'{args.folder}' is not a folder.")
    if (message := gpu_decode_refusal(args.decode, _device_or_none(args.device))) is not None:
        return _fail(message)  # before the weights: a slip should not cost a download
    # Evaluation runs on a hook-free copy of the weights.
    loaded = load_weights(args, "every accuracy below is MEANINGLESS.", heading="WARNING")
    if loaded is None:
        return EXIT_BAD_USAGE
    workers = default_workers(loaded.device) if args.workers is None else args.workers

    def progress(done: int, total: int) -> None:
        print(f"\revaluated {done}/{total} pictures", end="", file=sys.stderr, flush=True)

    try:
        report = evaluate_folder(
            loaded, args.folder, limit=args.limit, batch=args.batch, progress=progress, workers=workers,
            ten_crop=args.ten_crop, jpeg_decoder=JPEG_DECODERS[args.decode],
        )
    except ViewerError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return EXIT_STOPPED
    print(file=sys.stderr)
    print(summary(report))
    for failure in report.failures:
        print(f"error: {failure.message} ({failure.path})", file=sys.stderr)
    try:
        write_report(report.to_json(), args.json)
    except OSError as error:
        return _fail(f"Cannot write '{args.json}': {os_reason(error)}.")
    return EXIT_BAD_FILES if report.failures else EXIT_OK


def summary(report) -> str:
    """The report as a few lines of text for the terminal."""
    names = report.categories
    lines = [
        f"{report.folder}: {report.count} pictures ({report.layout} layout), weights {report.weights.description}"
    ]
    if not report.weights.trained:
        lines.append("UNTRAINED WEIGHTS: these accuracies are meaningless.")
    if report.count:
        lines.append(f"top-1 {report.top1:.2%}   top-5 {report.top5:.2%}" + ("   (centre crop)" if report.ten_crop else ""))
    if report.ten_crop and report.count:
        lines.append(f"top-1 {report.ten_crop['top1']:.2%}   top-5 {report.ten_crop['top5']:.2%}   (ten crops, softmax averaged)")
    for figures in report.published.values():
        lines.append(
            f"  published: top-1 {figures['top1']:.2%}, top-5 {figures['top5']:.2%} ({figures['source']})"
        )
    if report.confused_pairs:
        lines.append("most confused (true -> predicted: pictures):")
        lines += [f"  {names[p.true]} -> {names[p.predicted]}: {p.count}" for p in report.confused_pairs]
    worst = sorted(report.per_class, key=lambda entry: (entry.top1, -entry.count, entry.index))[:WORST_CLASSES]
    if worst:
        lines.append("lowest top-1 by class:")
        lines += [f"  {entry.label}: {entry.top1:.0%} of {entry.count}" for entry in worst]
    if report.failures:
        lines.append(f"{len(report.failures)} file(s) could not be read and were skipped (listed on stderr).")
    return "\n".join(lines)


def _device_or_none(requested):
    """The device the run will use, or None if there is none such (loading names the fault)."""
    from alexnet_viewer.core.errors import ViewerError
    from alexnet_viewer.core.model.loader import choose_device

    try:
        return choose_device(requested)
    except ViewerError:
        return None


def _fail(sentence: str) -> int:
    print(f"error: {sentence}", file=sys.stderr)
    return EXIT_BAD_USAGE
