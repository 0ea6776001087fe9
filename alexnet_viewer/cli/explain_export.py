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

``<class>`` is the class index. ``--explain-method NAME`` (repeatable; any name of
core/explain/methods.py: ``saliency``, ``grad_x_input``, ``smoothgrad``,
``integrated_gradients``, ``lrp_epsilon``, ``lrp_composite``, ``gradcam_pp``, ``layercam``,
``scorecam`` and the four above, and ``occlusion``) writes just those maps, unless
``--explain`` asks for the four as well: ``<name>_<class>.npy`` for an input map (its PNG
DVT's raw view), ``<name>_<layer>_<class>.npy`` for a CAM (its PNG the map over the crop),
``occlusion_<class>.npy`` the fall of the class probability per square position (its PNG
that grid stretched over the crop). ``--smoothgrad-samples``, ``--smoothgrad-noise``,
``--ig-steps`` and ``--seed`` (also the random weights' seed) set SmoothGrad and IG.
Occlusion is never written unasked: at the default window it costs 145 forwards per class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from alexnet_viewer.core.model.classes import resolve_class
from alexnet_viewer.core.explain import CLASS_METHODS, DEFAULT_LAYER, UNIT_METHODS, Explainer, check_unit
from alexnet_viewer.core.explain.display import gradient_image, heat_levels, heat_overlay
from alexnet_viewer.core.explain.methods import METHODS, MethodRunner, Settings, check_method, uses_layer
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


class ExplainExport:
    """Computes one image's maps (``compute``) and writes them into its folder (the returned writer)."""

    def __init__(
        self, loaded, classes: Sequence[str] = (), layer: str | None = None, units: Sequence[str] = (),
        methods: Sequence[str] = (), settings: Settings = Settings(), standard: bool | None = None,
    ) -> None:
        """Raises ValueError with one sentence for a class, layer, unit, method or setting that
        does not exist; ``standard`` (the four maps of --explain) defaults to "no method named"."""
        self._layer = (layer or DEFAULT_LAYER).strip().lower()
        if self._layer not in SPATIAL_LAYERS:
            raise ValueError(f"--explain-layer must be a conv, relu or pool layer ({', '.join(SPATIAL_LAYERS)}), not {layer!r}.")
        self._classes = tuple(dict.fromkeys(resolve_class(text, loaded.categories) for text in classes))
        self._methods = tuple(dict.fromkeys(check_method(name.strip().lower()).name for name in methods))
        check_settings(settings)
        self._settings = settings
        self._standard = not self._methods if standard is None else standard
        self._explainer = Explainer(loaded)
        self._runner = MethodRunner(loaded, self._explainer) if self._methods else None
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
        files: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self._standard:
            maps = self._explainer.class_maps(batch, list(classes), self._layer)
            for row, index in enumerate(classes):
                for name in CLASS_METHODS:
                    files[self._stem(name, index)] = map_file(name, maps[name][row], result.crop)
        for name in self._methods:
            for index in classes:
                values = self._runner.run(name, batch, index, self._layer, self._settings)
                files[self._stem(name, index)] = map_file(name, values, result.crop)
        for unit in self._units:
            for method in UNIT_METHODS:
                grad = self._explainer.unit_map(batch, unit.layer, unit.channel, unit.y, unit.x, method)
                files[f"{method}_{unit.stem}"] = (grad, gradient_image(grad, "raw"))

        return lambda folder: write_maps(folder, files)

    def _stem(self, name: str, index: int) -> str:
        return f"{name}_{self._layer}_{index}" if uses_layer(name) else f"{name}_{index}"


def map_file(name: str, values: np.ndarray, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the map, its picture): a CAM or occlusion grid over the crop, an input map as DVT's raw view."""
    kind = METHODS[name].kind
    if kind == "cam":
        return values, heat_overlay(crop, values, 0.5, (0.0, max(float(values.max()), 1e-30)))
    if kind == "occlusion":
        return values, heat_overlay(crop, values, 0.5, heat_levels(values))
    return values, gradient_image(values, "raw")


def check_settings(settings: Settings) -> None:
    if settings.samples < 1:
        raise ValueError(f"--smoothgrad-samples must be at least 1, not {settings.samples}.")
    if not 0 <= settings.noise <= 10:
        raise ValueError(f"--smoothgrad-noise must be between 0 and 10 (a fraction of the input's range), not {settings.noise}.")
    if settings.steps < 1:
        raise ValueError(f"--ig-steps must be at least 1, not {settings.steps}.")


def write_maps(folder: Path, files: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """``explain/<stem>.npy`` (float32) and ``explain/<stem>.png`` for each stem's (values, picture);
    returns the ``explain`` folder."""
    target = folder / FOLDER
    target.mkdir(exist_ok=True)
    for stem, (values, picture) in files.items():
        write_npy(target / f"{stem}.npy", values)
        write_png(target / f"{stem}.png", picture)
    return target


def write_npy(path: Path, values: np.ndarray) -> None:
    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a file object: np.save would append ".npy" to a name
            np.save(handle, np.ascontiguousarray(values, dtype=np.float32))

    write_atomically(path, save)


def explain_from_args(args, loaded) -> ExplainExport | None:
    """The exporter export's --explain* flags ask for (any of them turns it on), or None."""
    methods = getattr(args, "explain_method", [])
    if not (args.explain or args.explain_class or args.explain_layer or args.explain_unit or methods):
        return None
    if getattr(args, "ablate", None):
        raise ValueError("--explain explains the intact network, so it cannot be combined with --ablate.")
    if "occlusion" in methods and getattr(args, "occlusion", False):
        raise ValueError("--explain-method occlusion and --occlusion both write occlusion_<class>.npy: ask for one of them.")
    settings = Settings(samples=args.smoothgrad_samples, noise=args.smoothgrad_noise, steps=args.ig_steps, seed=args.seed)
    try:
        return ExplainExport(loaded, args.explain_class, args.explain_layer, args.explain_unit, methods, settings,
                             standard=bool(args.explain) or not methods)
    except ValueError as error:
        text = str(error)
        raise ValueError(f"--explain-method: {text}" if text.startswith("Unknown explanation method") else text) from None
