"""``export --explain``: why AlexNet answered what it did, per image, in ``<image folder>/explain/``.

For each class asked for (``--explain-class N|NAME``, repeatable; the top-1 by default) at
the Grad-CAM layer (``--explain-layer``, default relu5), and for each ``--explain-unit
LAYER:C[@Y,X]``, float32 ``.npy`` maps, unnormalised, each with a ``.png`` of the same stem:

- ``gradcam_<layer>_<class>.npy`` at the layer's resolution; its PNG is the map over the
  224 crop (jet, 0 .. its maximum, half opacity);
- ``guided_backprop_<class>.npy``, ``deconv_<class>.npy``, ``guided_gradcam_<layer>_<class>.npy``
  (3x224x224, the gradient with respect to the normalised input); their PNGs are DVT's raw
  view (0 at mid-grey);
- ``guided_backprop_<layer>_<c>.npy`` / ``deconv_<layer>_<c>.npy`` for a unit, with
  ``_<y>_<x>`` for one neuron (a channel is seeded with its own activation).

``<class>`` is the class index. Occlusion is written only with ``--occlusion`` (cli/paper_export.py):
at the default window it costs 144 forwards, against about three for everything above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from alexnet_viewer.core.explain import DEFAULT_LAYER, UNIT_METHODS, Explainer, check_unit
from alexnet_viewer.core.explain.display import gradient_image, heat_overlay
from alexnet_viewer.core.frame.layers import LAYER_NAMES, SPATIAL_LAYERS
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.core.output_files import write_atomically, write_png

FOLDER = "explain"
_UNIT = re.compile(r"^\s*([a-z]+\d)\s*:\s*(\d+)\s*(?:@\s*(\d+)\s*,\s*(\d+)\s*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    layer: str
    channel: int
    y: int | None = None
    x: int | None = None

    @property
    def stem(self) -> str:
        return f"{self.layer}_{self.channel}" + ("" if self.y is None else f"_{self.y}_{self.x}")


def parse_unit(text: str) -> Unit:
    """'conv5:12' (a channel) or 'conv5:12@3,4' (one neuron); ValueError with a sentence."""
    match = _UNIT.match(text)
    if match is None:
        raise ValueError(f"--explain-unit takes LAYER:CHANNEL or LAYER:CHANNEL@Y,X (such as conv5:12@3,4), not {text!r}.")
    layer = match.group(1).lower()
    if layer not in LAYER_NAMES:
        raise ValueError(f"--explain-unit: unknown layer {layer!r}; choose one of {', '.join(LAYER_NAMES)}.")
    y, x = (None, None) if match.group(3) is None else (int(match.group(3)), int(match.group(4)))
    return Unit(layer, int(match.group(2)), y, x)


def resolve_class(text: str, categories: Sequence[str]) -> int:
    """A class index, or a name: case-insensitive, exact first, else a unique prefix."""
    text = text.strip()
    if text.isdigit():
        if int(text) >= len(categories):
            raise ValueError(f"Class index {text} is out of range 0..{len(categories) - 1}.")
        return int(text)
    wanted = text.lower()
    names = [name.lower() for name in categories]
    exact = [index for index, name in enumerate(names) if name == wanted]
    if len(exact) == 1:
        return exact[0]
    if exact:
        indices = " and ".join(str(index) for index in exact)
        raise ValueError(f"{text!r} names classes {indices}; give the index instead.")
    prefixed = [index for index, name in enumerate(names) if name.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        shown = ", ".join(categories[index] for index in prefixed[:5]) + (", ..." if len(prefixed) > 5 else "")
        raise ValueError(f"{text!r} could be any of {len(prefixed)} classes ({shown}); give more of the name or the index.")
    raise ValueError(f"No class is called {text!r} (nor starts so); give a class name or an index 0..{len(categories) - 1}.")


class ExplainExport:
    """Computes one image's maps (``compute``) and writes them into its folder (the returned writer)."""

    def __init__(self, loaded, classes: Sequence[str] = (), layer: str | None = None, units: Sequence[str] = ()) -> None:
        """Raises ValueError with one sentence for a class, layer or unit that does not exist."""
        self._layer = (layer or DEFAULT_LAYER).strip().lower()
        if self._layer not in SPATIAL_LAYERS:
            raise ValueError(f"--explain-layer must be a conv, relu or pool layer ({', '.join(SPATIAL_LAYERS)}), not {layer!r}.")
        self._classes = tuple(dict.fromkeys(resolve_class(text, loaded.categories) for text in classes))
        self._explainer = Explainer(loaded)
        self._units = tuple(dict.fromkeys(parse_unit(text) for text in units))
        for unit in self._units:
            try:
                check_unit(self._explainer.layer_shape(unit.layer), unit.layer, unit.channel, unit.y, unit.x)
            except ValueError as error:
                raise ValueError(f"--explain-unit {unit.layer}:{unit.channel}: {error}.") from None
        self._preprocess = Preprocessor(loaded.transforms, loaded.device)

    def compute(self, array: np.ndarray, result: Result) -> Callable[[Path], None]:
        """Every map for one picture; returns the function that writes them into a folder."""
        batch, _ = self._preprocess(array)
        classes = self._classes or (result.top5[0].index,)
        maps = self._explainer.class_maps(batch, list(classes), self._layer)
        files: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for row, index in enumerate(classes):
            cam = maps["gradcam"][row]
            files[f"gradcam_{self._layer}_{index}"] = (cam, heat_overlay(result.crop, cam, 0.5, (0.0, max(float(cam.max()), 1e-30))))
            for name, stem in (("guided_backprop", f"guided_backprop_{index}"), ("deconv", f"deconv_{index}"),
                               ("guided_gradcam", f"guided_gradcam_{self._layer}_{index}")):
                files[stem] = (maps[name][row], gradient_image(maps[name][row], "raw"))
        for unit in self._units:
            for method in UNIT_METHODS:
                grad = self._explainer.unit_map(batch, unit.layer, unit.channel, unit.y, unit.x, method)
                files[f"{method}_{unit.stem}"] = (grad, gradient_image(grad, "raw"))

        def write(folder: Path) -> None:
            target = folder / FOLDER
            target.mkdir(exist_ok=True)
            for stem, (values, picture) in files.items():
                write_npy(target / f"{stem}.npy", values)
                write_png(target / f"{stem}.png", picture)

        return write


def write_npy(path: Path, values: np.ndarray) -> None:
    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a file object: np.save would append ".npy" to a name
            np.save(handle, np.ascontiguousarray(values, dtype=np.float32))

    write_atomically(path, save)


def explain_from_args(args, loaded) -> ExplainExport | None:
    """The exporter export's --explain* flags ask for (any of them turns it on), or None."""
    if not (args.explain or args.explain_class or args.explain_layer or args.explain_unit):
        return None
    if getattr(args, "ablate", None):
        raise ValueError("--explain explains the intact network, so it cannot be combined with --ablate.")
    return ExplainExport(loaded, args.explain_class, args.explain_layer, args.explain_unit)
