"""Start-up paths and shipped resources agree with each other and with pyproject.toml."""

import ast
import importlib
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"
LICENSES = ROOT / "resources" / "LICENSES.md"
ICON = ROOT / "resources" / "icons" / "alexnet-viewer.png"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
SCRIPT = "alexnet-viewer"


def _script_target() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["scripts"][SCRIPT]


def _sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def test_console_script_resolves_to_a_callable():
    module_name, _, attr = _script_target().partition(":")
    func = getattr(importlib.import_module(module_name), attr)
    assert callable(func)


def test_main_py_calls_the_console_script_function():
    # Parsed, not imported: importing main.py would start the app.
    tree = ast.parse((ROOT / "main.py").read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name: f"{node.module}:{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    targets = {imported[name] for name in called if name in imported}
    assert targets == {_script_target()}, (
        f"main.py calls {sorted(targets)}, the '{SCRIPT}' script runs {_script_target()}"
    )


def test_installed_entry_point_matches_pyproject():
    found = metadata.entry_points(group="console_scripts", name=SCRIPT)
    assert found, f"'{SCRIPT}' is not installed; run: pip install -e '.[test]'"
    assert {ep.value for ep in found} == {_script_target()}, (
        "installed metadata is stale; rerun: pip install -e '.[test]'"
    )


def test_samples_exist_and_the_cat_comes_first():
    names = [p.name for p in _sample_files()]
    assert len(names) >= 5, f"expected the five sample photos in {SAMPLES}, found {names}"
    # The app opens the first sample when started without an argument.
    assert "cat" in names[0], names


def test_samples_stay_small():
    total = sum(p.stat().st_size for p in _sample_files())
    assert total < 1_500_000, f"sample photos take {total} bytes; keep them under 1.5 MB"


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: p.name)
def test_sample_decodes_as_rgb_photo(path):
    with Image.open(path) as image:
        image.load()
        assert image.mode == "RGB", f"{path.name} is {image.mode}"
        assert min(image.size) >= 224, f"{path.name} is smaller than AlexNet's input"


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: p.name)
def test_sample_has_a_licence_entry(path):
    rows = [
        line for line in LICENSES.read_text(encoding="utf-8").splitlines()
        if line.startswith("|") and f"`{path.name}`" in line
    ]
    assert len(rows) == 1, f"{path.name} needs exactly one row in {LICENSES.name}"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert len(cells) == 6 and all(cells), f"incomplete licence row for {path.name}: {rows[0]}"


def test_app_icon_is_a_256_pixel_png():
    with Image.open(ICON) as image:
        assert image.format == "PNG"
        assert image.size == (256, 256)
