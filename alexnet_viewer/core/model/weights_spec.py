"""What weights the user asked for; importable without torch so the window can paint first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_KINDS = ("pretrained", "file", "random")


@dataclass(frozen=True)
class WeightsSpec:
    """What the user asked for."""

    kind: str = "pretrained"  # "pretrained" | "file" | "random"
    path: Path | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown weights kind {self.kind!r}; expected one of {_KINDS}")
        if self.kind == "file" and self.path is None:
            raise ValueError("a 'file' WeightsSpec needs a path")

    @classmethod
    def pretrained(cls) -> WeightsSpec:
        return cls("pretrained")

    @classmethod
    def from_file(cls, path: str | Path) -> WeightsSpec:
        return cls("file", path=Path(path))

    @classmethod
    def random(cls, seed: int = 0) -> WeightsSpec:
        return cls("random", seed=int(seed))

    def describe(self) -> str:
        if self.kind == "pretrained":
            return "pretrained ImageNet weights (IMAGENET1K_V1)"
        if self.kind == "file":
            return f"weights from {self.path}"
        return f"random untrained weights, seed {self.seed}"
