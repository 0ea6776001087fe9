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


def test_the_test_extra_shuffles_and_the_readme_gives_the_cpu_only_install_and_its_disk():
    """Issue 16, items 7 and 8: tests run in random order wherever the test extra is
    installed; the README says how to leave CUDA's libraries out and what each install needs."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert "pytest-randomly" in extras["test"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu" in readme
    section = readme[readme.index("**Disk space, and a CPU-only install.**"):][:1500]
    assert "6.7 GB" in section and "2.5 GB" in section  # the default install and the CPU-only one


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


# Everything a wheel must carry besides the code: what the window opens on first start.
BUNDLED = [
    *(f"resources/samples/{p.name}" for p in _sample_files()),
    "resources/LICENSES.md",
    "resources/icons/alexnet-viewer.png",
]


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory):
    """A wheel built offline from a copy of the checkout (no build/ or egg-info left here)."""
    import shutil
    import subprocess
    import sys

    pytest.importorskip("setuptools", minversion="68")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("alexnet_viewer", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=skip)
    wheels = tmp_path_factory.mktemp("wheels")
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    (wheel,) = wheels.glob("alexnet_viewer-*.whl")
    return wheel


def test_the_wheel_carries_every_module_the_samples_their_licences_and_the_icon(built_wheel):
    import zipfile

    names = set(zipfile.ZipFile(built_wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "alexnet_viewer").rglob("*.py")}
    missing = sorted(modules - names)
    folders = sorted({str(Path(name).parent) for name in missing})
    folders = [folder for folder in folders if not (ROOT / folder / "__init__.py").exists()]
    assert not missing, f"not in the wheel: {missing}; folders without __init__.py: {folders}"
    assert {"alexnet_viewer/" + name for name in BUNDLED} - names == set()


def test_an_installed_wheel_opens_on_the_first_sample(built_wheel, tmp_path):
    import os
    import subprocess
    import sys

    target = tmp_path / "site"
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
         str(built_wheel)],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    probe = (
        "import alexnet_viewer; from alexnet_viewer.core.pictures.samples import icon_path, list_samples;"
        "from alexnet_viewer.qt.app import GuiOptions, first_picture;"
        "print(alexnet_viewer.__file__); print(first_picture(GuiOptions()));"
        "print(len(list_samples())); print(icon_path())"
    )
    # Run from elsewhere, the installed copy first on the path: the checkout is out of reach.
    env = {**os.environ, "PYTHONPATH": str(target)}
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert completed.returncode == 0, completed.stderr
    package, first, count, icon = completed.stdout.split("\n")[:4]
    installed = target / "alexnet_viewer"
    assert package == str(installed / "__init__.py")
    assert first == str(installed / "resources" / "samples" / _sample_files()[0].name)
    assert int(count) == len(_sample_files())
    assert icon == str(installed / "resources" / "icons" / "alexnet-viewer.png")


def _screenshot_run(tmp_path, *args, without_samples=False):
    import os
    import subprocess
    import sys

    hide = "import alexnet_viewer.core.pictures.samples as s; s.resources_dir = lambda: None; " if without_samples else ""
    code = hide + "import sys; from alexnet_viewer.cli.dispatch import main; sys.exit(main(sys.argv[1:]))"
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    completed = subprocess.run(
        [sys.executable, "-c", code, *args, "--screenshot", str(shot), "--random-weights", "--device", "cpu"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )
    assert not shot.exists()
    return completed


def test_a_screenshot_with_no_picture_and_no_samples_says_so_at_once(tmp_path):
    completed = _screenshot_run(tmp_path, without_samples=True)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        "alexnet-viewer: Nothing to show for --screenshot: no IMAGE was given and no bundled sample was found."
    )


def test_a_screenshot_of_a_picture_that_cannot_be_shown_exits_1(tmp_path):
    # A missing file takes the same path (load_image's sentence, then exit 1); one run is enough.
    picture = tmp_path / "holiday.jpg"
    picture.write_text("not a picture")
    completed = _screenshot_run(tmp_path, str(picture))
    assert completed.returncode == 1, completed.stderr
    assert 'alexnet-viewer: Cannot open "holiday.jpg": not an image.' in completed.stderr
    assert "Traceback" not in completed.stderr
