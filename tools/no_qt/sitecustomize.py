"""On PYTHONPATH, makes Qt unimportable, as on the GPU machine (tools/gpu_check.py puts it there).

``import PySide6`` (or shiboken6, pyqtgraph) then fails with ModuleNotFoundError, as where
they are not installed, so a headless command or core test that pulls in Qt fails here
too instead of only on that machine. Nothing is added to ``sys.modules``.
"""

import sys

_ABSENT = ("PySide6", "shiboken6", "pyqtgraph")


class _NoQt:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in _ABSENT:
            raise ModuleNotFoundError(f"No module named '{name}' (Qt is absent, as on the GPU machine)", name=name)
        return None


sys.meta_path.insert(0, _NoQt())
