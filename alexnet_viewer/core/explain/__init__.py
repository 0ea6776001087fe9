"""Why AlexNet thinks so (no Qt): see explainer.py for the methods, network.py for how.

The names below load on first use, so that ``display`` (numpy only) can be imported by the
window before torch is.
"""

from importlib import import_module

_HOMES = {
    "CLASS_METHODS": "explainer", "DEFAULT_LAYER": "explainer", "UNIT_METHODS": "explainer",
    "Explainer": "explainer", "check_unit": "explainer",
    "ExplainCancelled": "occlusion", "OcclusionMap": "occlusion",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
