"""alexnet_viewer.core must stay importable without Qt, and import nothing outside core/
(the house rules in the README's "How the code is laid out").

Modules keep appearing under core/, so every check discovers them at run time.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

CORE_DIR = Path(__file__).resolve().parents[2] / "alexnet_viewer" / "core"
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph")

# A fresh interpreter, so nothing the test session already imported can hide or cause a hit.
_IMPORT_ALL = f"""
import importlib, json, pkgutil, sys
import alexnet_viewer.core as core

imported = [core.__name__]
for info in pkgutil.walk_packages(core.__path__, core.__name__ + "."):
    importlib.import_module(info.name)
    imported.append(info.name)
forbidden = {FORBIDDEN!r}
qt = sorted(name for name in sys.modules if name.split(".")[0] in forbidden)
print(json.dumps({{"imported": imported, "qt": qt}}))
"""


def test_importing_every_core_module_loads_no_qt():
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"importing alexnet_viewer.core failed:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {
        "alexnet_viewer.core." + ".".join(p.relative_to(CORE_DIR).with_suffix("").parts)
        for p in CORE_DIR.rglob("*.py") if p.stem != "__init__"
    }
    assert expected <= set(report["imported"]), "pkgutil did not reach every core module"
    assert report["qt"] == [], (
        f"importing {report['imported']} pulled in Qt modules: {report['qt']}"
    )


def _imports(path: Path):
    """(line, module) for every import in ``path``, dynamic ``import_module``/``__import__`` included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            func_name = getattr(func, "attr", None) or getattr(func, "id", None)
            first = node.args[0]
            if func_name in ("import_module", "__import__") and isinstance(first, ast.Constant):
                names = [str(first.value)]
        for name in names:
            yield f"{path.relative_to(CORE_DIR.parent.parent)}:{node.lineno}: {name}", name


def _forbidden_imports(path: Path):
    return (where for where, name in _imports(path) if name.split(".")[0] in FORBIDDEN)


def test_no_core_source_imports_qt():
    sources = sorted(CORE_DIR.rglob("*.py"))
    assert sources, f"no sources found under {CORE_DIR}"
    hits = [hit for path in sources for hit in _forbidden_imports(path)]
    assert hits == [], "alexnet_viewer/core must not import Qt:\n" + "\n".join(hits)


def _outside_core_imports(path: Path):
    return (where for where, name in _imports(path)
            if name.startswith("alexnet_viewer") and not name.startswith("alexnet_viewer.core"))


def test_no_core_source_imports_from_outside_core():
    hits = [hit for path in sorted(CORE_DIR.rglob("*.py")) for hit in _outside_core_imports(path)]
    assert hits == [], "alexnet_viewer/core imports only from core/:\n" + "\n".join(hits)
