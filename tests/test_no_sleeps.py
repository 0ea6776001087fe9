"""No test waits a fixed time: a fixed wait proves nothing on a fast machine and fails on a
slow one. Tests wait on a condition (qtbot.waitUntil, qtbot.waitSignal) or inject a clock."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# The one allowed sleep: a fake engine that is deliberately slow (its frames take a while,
# whatever the machine), not a test waiting for something to happen.
ALLOWED = {("qt/conftest.py", "SlowEngine")}


def _called_name(call: ast.Call) -> str:
    """``qtbot.wait``, ``time.sleep``, ``sleep``: the dotted name a call is made through."""
    parts, node = [], call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def fixed_waits(source: str) -> list[tuple[int, str, str | None]]:
    """(line, call, enclosing class) of each fixed wait in ``source``: ``qtbot.wait(...)`` (or
    ``QTest.qWait``), ``time.sleep(...)``, and ``sleep(...)`` imported from time."""
    tree = ast.parse(source)
    sleeps = {"time.sleep"} | {alias.asname or alias.name for node in ast.walk(tree)
                               if isinstance(node, ast.ImportFrom) and node.module == "time"
                               for alias in node.names if alias.name == "sleep"}
    found = []

    def visit(node, owner):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                name = _called_name(child)
                if name in sleeps or name.endswith(("qtbot.wait", "qWait")):
                    found.append((child.lineno, name, owner))
            visit(child, child.name if isinstance(child, ast.ClassDef) else owner)

    visit(tree, None)
    return found


def test_the_scan_finds_fixed_waits_and_passes_conditions():
    source = (
        "import time\nfrom time import sleep as nap\n"
        "def test_a(qtbot):\n    qtbot.wait(200)\n    qtbot.waitUntil(lambda: True)\n"
        "    with qtbot.waitSignal(x):\n        pass\n    time.sleep(0.1)\n    nap(1)\n"
        "class Slow:\n    def run(self):\n        time.sleep(self.delay)\n"
    )
    assert fixed_waits(source) == [(4, "qtbot.wait", None), (8, "time.sleep", None), (9, "nap", None),
                                   (12, "time.sleep", "Slow")]


def test_no_test_waits_a_fixed_time():
    offenders = [
        f"{path.relative_to(TESTS).as_posix()}:{line}: {name}(…)"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name, owner in fixed_waits(path.read_text(encoding="utf-8"))
        if (path.relative_to(TESTS).as_posix(), owner) not in ALLOWED
    ]
    assert not offenders, ("fixed waits in the tests; wait on a condition (qtbot.waitUntil / waitSignal) "
                           "or inject a clock instead:\n" + "\n".join(offenders))
