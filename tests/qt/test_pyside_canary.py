"""Guards against the PySide6 6.12.0 None-reference leak on Python < 3.12.

That release drops a reference to None on every call of a Qt method that returns nothing; after
a few thousand QPainter calls None's refcount reaches zero and the interpreter aborts
(none_dealloc). On Python >= 3.12 None is immortal and its refcount never moves, so the check
stays valid there too.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VOID_CALLS = 20_000
ALLOWED_DROP = 100

# Runs in a child process: if the leak is present the child may abort outright, and that must
# fail this test rather than take the whole pytest run down with it.
_CANARY = f"""
import sys
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

app = QGuiApplication([])
image = QImage(64, 64, QImage.Format.Format_ARGB32)
image.fill(0)
painter = QPainter(image)
pens = [QPen(QColor(255, 0, 0)), QPen(QColor(0, 0, 255))]
before = sys.getrefcount(None)
for i in range({VOID_CALLS}):
    painter.setPen(pens[i % 2])
    painter.drawLine(0, 0, i % 64, 63)
    painter.drawRect(1, 1, i % 32, i % 32)
after = sys.getrefcount(None)
painter.end()
print(before, after)
"""


def test_void_qt_calls_do_not_leak_references_to_none():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", _CANARY], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, (
        f"child process died (rc={proc.returncode}) making {VOID_CALLS} void QPainter calls; "
        f"a PySide6 None-refcount leak aborts like this.\nstderr:\n{proc.stderr[-2000:]}"
    )
    before, after = map(int, proc.stdout.split()[-2:])
    assert before - after < ALLOWED_DROP, (
        f"sys.getrefcount(None) fell from {before} to {after} over {VOID_CALLS} void Qt calls: "
        "this PySide6 leaks references to None (6.12.0 on Python < 3.12 does) and will abort."
    )


def _pyside_requirements():
    requirements = pytest.importorskip("packaging.requirements")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = [requirements.Requirement(line) for line in data["project"]["dependencies"]]
    return [r for r in reqs if r.name.lower() == "pyside6"]


def _applicable(reqs, python_version):
    env = {"python_version": python_version, "python_full_version": f"{python_version}.0"}
    return [r for r in reqs if r.marker is None or r.marker.evaluate(env)]


@pytest.mark.parametrize("python_version", ["3.11"])
def test_pyproject_excludes_pyside_6_12_0_before_python_3_12(python_version):
    applicable = _applicable(_pyside_requirements(), python_version)
    assert applicable, f"pyproject.toml has no PySide6 requirement for Python {python_version}"
    for req in applicable:
        assert not req.specifier.contains("6.12.0", prereleases=True), (
            f"pyproject.toml allows PySide6 6.12.0 on Python {python_version} via '{req}'"
        )


@pytest.mark.parametrize("python_version", ["3.12", "3.13"])
def test_pyproject_still_requires_pyside_on_newer_python(python_version):
    assert _applicable(_pyside_requirements(), python_version), (
        f"pyproject.toml has no PySide6 requirement for Python {python_version}"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python >= 3.12")
def test_installed_pyside_is_not_the_leaking_release():
    from importlib.metadata import version

    assert version("PySide6") != "6.12.0", "PySide6 6.12.0 is installed; it aborts on Python < 3.12"
