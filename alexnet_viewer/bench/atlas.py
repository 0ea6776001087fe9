"""``bench --atlas``: an atlas build's pictures per second against a bare batched forward.

In one process, on the same device and batch size: a bare torchvision AlexNet forward on
ready-made batches (before and after, averaged, so a busy machine's drift falls on both),
and a full atlas build over a folder of camera-sized JPEG photos made from the bundled
samples — decoding, preprocessing, hooks, top-K merging and writing included. The build
decodes as ``atlas build`` does by default: on CUDA the JPEGs on the GPU, in batches
(core/atlas/tensor_decode.py), elsewhere with Pillow in the worker processes; the report
says which (``jpeg_decoder``).
"""

from __future__ import annotations

import math
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter

import numpy as np
import torch
from PIL import Image, ImageEnhance

from alexnet_viewer.bench.frames import CAMERA_SIZE, _synchronize, bare_model, machine
from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.pictures import batches, draft_size
from alexnet_viewer.core.atlas.tensor_decode import TensorDecoder, uses_tensor_decoding
from alexnet_viewer.core.pictures.images import load_image
from alexnet_viewer.core.pictures.samples import list_samples

IMAGENET_TRAIN_PICTURES = 1_281_167
DVT_HOURS = 40.0  # the Deep Visualization Toolbox's offline search over ImageNet
MOONSHOT_HOURS = 0.25


def make_photos(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """``count`` 640×480 JPEGs: random crops, flips and exposures of the bundled samples."""
    sources = [load_image(path) for _, path in list_samples()]
    if not sources:
        rows, cols = np.mgrid[0:600, 0:800]
        sources = [Image.fromarray(np.stack([rows % 256, cols % 256, (rows + cols) % 256], -1).astype(np.uint8))]
    height, width = CAMERA_SIZE
    plans = np.random.default_rng(seed).uniform(size=(count, 5))

    def make(i: int) -> Path:
        source = sources[i % len(sources)]
        scale, fx, fy, flip, light = plans[i]
        w = max(1, int(source.width * (0.6 + 0.4 * scale)))
        h = max(1, min(source.height, int(w * height / width)))
        left, top = int(fx * (source.width - w)), int(fy * (source.height - h))
        photo = source.crop((left, top, left + w, top + h)).resize((width, height), Image.BILINEAR)
        if flip > 0.5:
            photo = photo.transpose(Image.FLIP_LEFT_RIGHT)
        photo = ImageEnhance.Brightness(photo).enhance(0.7 + 0.6 * light)
        path = folder / f"photo-{i:05d}.jpg"
        photo.save(path, format="JPEG", quality=90)
        return path

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(make, range(count)))


def _bare_rate(model: torch.nn.Module, device: torch.device, batch: int, pictures: int) -> float:
    inputs = torch.randn((batch, 3, 224, 224), generator=torch.Generator().manual_seed(0)).to(device)
    rounds = math.ceil(pictures / batch)
    with torch.inference_mode():
        model(inputs)
        _synchronize(device)
        start = perf_counter()
        for _ in range(rounds):
            model(inputs)
        _synchronize(device)
    return rounds * batch / (perf_counter() - start)


def _decode_rate(paths: list[Path], transforms, batch: int, workers: int, draft, decoder, device) -> float:
    start = perf_counter()
    stream = batches(paths, transforms, batch, workers, draft, pin_memory=device.type == "cuda", decoder=decoder)
    count = sum(len(item.indices) for item in stream)
    _synchronize(device)
    return count / (perf_counter() - start)


def run_atlas_bench(engine, pictures: int, batch: int, workers: int) -> dict:
    loaded = engine.loaded
    device = loaded.device
    model = bare_model(engine)
    options = BuildOptions(batch_size=batch, workers=workers)
    draft = draft_size(loaded.transforms)
    on_device = uses_tensor_decoding(options.jpeg_decoder, device, options.draft)  # as the build decides
    decoder = TensorDecoder(loaded.transforms, device) if on_device else None
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as scratch:
        root = Path(scratch)
        (root / "warm").mkdir()
        (root / "photos").mkdir()
        make_photos(root / "warm", batch, seed=1)
        paths = make_photos(root / "photos", pictures)
        build_atlas(loaded, [root / "warm"], root / "warm-atlas", options)  # first-use costs, off the clock
        bare_before = _bare_rate(model, device, batch, pictures)
        decode = _decode_rate(paths, loaded.transforms, batch, workers, draft, decoder, device)
        start = perf_counter()
        report = build_atlas(loaded, [root / "photos"], root / "atlas", options)
        wall = perf_counter() - start
        bare_after = _bare_rate(model, device, batch, pictures)
        stored = sum(file.stat().st_size for file in (root / "atlas").iterdir())
    bare = (bare_before + bare_after) / 2
    atlas = report.processed / report.seconds
    return {
        **machine(device),
        "pictures": pictures,
        "picture_size": [CAMERA_SIZE[1], CAMERA_SIZE[0]],
        "batch": batch,
        "workers": workers,
        "jpeg_decoder": f"torchvision on {device}" if on_device else "pillow",
        "bare_images_per_s": round(bare, 2),
        "bare_images_per_s_before_after": [round(bare_before, 2), round(bare_after, 2)],
        "decode_images_per_s": round(decode, 2),
        "atlas_images_per_s": float(f"{atlas:.4g}"),  # 4 figures: a busy machine may give under 1/s
        "atlas_ratio": round(atlas / bare, 3),
        "atlas_build_wall_s": round(wall, 3),
        "atlas_bytes": stored,
        "imagenet_train_hours": float(f"{IMAGENET_TRAIN_PICTURES / atlas / 3600:.4g}"),
    }


def format_atlas_report(report: dict) -> str:
    hours = report["imagenet_train_hours"]
    before, after = report["bare_images_per_s_before_after"]
    width, height = report["picture_size"]
    lines = [
        (f"device {report['device']}  torch {report['torch']}  threads {report['threads']}  batch {report['batch']}  "
         f"decoding workers {report['workers']}  {report['pictures']} JPEG photos {width}x{height}  "
         f"JPEGs decoded by {report['jpeg_decoder']}"),
        f"bare batched forward       {report['bare_images_per_s']:9.1f} images/s (before / after: {before:.1f} / {after:.1f})",
        f"decoding alone             {report['decode_images_per_s']:9.1f} images/s",
        (f"atlas build, all included  {report['atlas_images_per_s']:9.1f} images/s ({report['atlas_build_wall_s']:.2f} s "
         f"wall with weights hashing; {report['atlas_bytes'] / 1e6:.1f} MB on disk)"),
        f"atlas_ratio                {report['atlas_ratio']:9.3f}",
        (f"extrapolated: ImageNet's {IMAGENET_TRAIN_PICTURES:,} training pictures at this rate take {hours:.2f} h on "
         f"this machine ({hours * 60:.0f} min; the DVT's search took about {DVT_HOURS:.0f} h, the moonshot is under "
         f"{MOONSHOT_HOURS * 60:.0f} min; ImageNet's JPEGs average smaller than 640x480)"),
    ]
    return "\n".join(lines)


def run(args) -> int:
    """The ``bench --atlas`` command (flags parsed by cli.py)."""
    from alexnet_viewer.cli.atlas import default_workers
    from alexnet_viewer.cli.weights_options import run_measurement

    def measure(engine) -> dict:
        device = engine.loaded.device
        batch = args.batch or (256 if device.type == "cuda" else 64)
        return run_atlas_bench(engine, max(args.frames, 4 * batch), batch, default_workers(device))

    return run_measurement(args, measure, format_atlas_report)
