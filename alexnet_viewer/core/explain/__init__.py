"""Why AlexNet thinks so (no Qt): see explainer.py for the methods, network.py for how."""

from .explainer import CLASS_METHODS, DEFAULT_LAYER, UNIT_METHODS, Explainer, check_unit
from .occlusion import ExplainCancelled, OcclusionMap

__all__ = ["CLASS_METHODS", "DEFAULT_LAYER", "UNIT_METHODS", "ExplainCancelled", "Explainer", "OcclusionMap", "check_unit"]
