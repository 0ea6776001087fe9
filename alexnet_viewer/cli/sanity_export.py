"""``export --sanity METHOD``: Adebayo et al.'s randomisation cascade, per image, in ``sanity/``.

For each method (repeatable) and each class (``--explain-class``, else the top-1), at the
CAM layer (``--explain-layer``, default relu5), with the weights re-initialised cumulatively
from fc8 down to conv1 (seeded by ``--seed``), ``sanity/`` gets:

- ``<method>_<class>_<k>_<layer>.npy``: the map after step k (0: ``none``, the original;
  then fc8, fc7, ... conv1), float32, unnormalised, and a ``.png`` of what was ranked (the
  CAM, or the input map's |values| summed over colours) over the 224 crop;
- ``<method>_<class>.json``: the Spearman rank correlation of each step's map to the
  original (1 at ``none``; null for a flat map).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from alexnet_viewer.cli.explain_export import write_npy
from alexnet_viewer.core.model.classes import resolve_class
from alexnet_viewer.core.explain.display import heat_levels, heat_overlay
from alexnet_viewer.core.explain.explainer import DEFAULT_LAYER
from alexnet_viewer.core.explain.sanity import check_method, sanity_check
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.output_files import write_json, write_png

FOLDER = "sanity"


class SanityExport:
    """Computes one image's cascades (``compute``) and returns the writer of its files."""

    def __init__(self, loaded, methods: Sequence[str], classes: Sequence[str] = (), layer: str | None = None, seed: int = 0) -> None:
        """Raises ValueError with one sentence for a method, class or layer that does not exist."""
        self._methods = tuple(dict.fromkeys(check_method(name.strip().lower()) for name in methods))
        self._layer = (layer or DEFAULT_LAYER).strip().lower()
        if self._layer not in SPATIAL_LAYERS:
            raise ValueError(f"--explain-layer must be a conv, relu or pool layer ({', '.join(SPATIAL_LAYERS)}), not {layer!r}.")
        self._classes = tuple(dict.fromkeys(resolve_class(text, loaded.categories) for text in classes))
        self._loaded, self._seed = loaded, seed
        self._preprocess = Preprocessor(loaded.transforms, loaded.device)

    def compute(self, array: np.ndarray, result: Result) -> Callable[[Path], None]:
        batch, _ = self._preprocess(array)
        rows = [
            sanity_check(self._loaded, batch, method, index, self._layer, self._seed)
            for method in self._methods for index in (self._classes or (result.top5[0].index,))
        ]

        def write(folder: Path) -> None:
            target = folder / FOLDER
            target.mkdir(exist_ok=True)
            for row in rows:
                stem = f"{row.method}_{row.class_index}"
                for k, step in enumerate(row.steps):
                    write_npy(target / f"{stem}_{k}_{step.randomised}.npy", step.map)
                    write_png(target / f"{stem}_{k}_{step.randomised}.png",
                              heat_overlay(result.crop, step.importance, 0.5, heat_levels(step.importance)))
                write_json(target / f"{stem}.json", row.payload())

        return write


def sanity_from_args(args, loaded) -> SanityExport | None:
    if not args.sanity:
        return None
    if getattr(args, "ablate", None):
        raise ValueError("--sanity checks the intact network, so it cannot be combined with --ablate.")
    return SanityExport(loaded, args.sanity, args.explain_class, args.explain_layer, args.seed)

