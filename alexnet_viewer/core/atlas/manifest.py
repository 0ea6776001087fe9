"""An atlas's manifest and its one reader: every value's type and range is checked where
the JSON enters, before anything is sized by it (a manifest claiming 10⁹ pictures or a
K of 10¹² is refused, not allocated)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from alexnet_viewer.core.atlas.capture import LayerBlock
from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS

FORMAT = "alexnet-viewer atlas"
VERSION = 1
MAX_TOP_K = 10_000
MAX_PICTURES = 50_000_000
MAX_CHANNELS = 4096  # per layer
MAX_SIDE = 4096  # a layer's height or width, a crop's or resize's side
MAX_MANIFEST_BYTES = 4 << 30
_OWN_FILE = re.compile(r"^\.?(manifest\.json|(records|top)-[0-9a-f]+\.npz)(\..*\.tmp)?$")
_DATA_FILE = re.compile(r"^(records|top)-[0-9a-f]+\.npz$")


@dataclass(frozen=True)
class FileEntry:
    """A picture (as its path, size and mtime were) stored at ``row`` of a shard."""

    path: str
    size: int
    mtime_ns: int
    shard: int  # index into the shard names of its manifest (or codes index)
    row: int


def compact_shards(shards: list[str], entries) -> tuple[list[str], list[FileEntry]]:
    """The shards that some entry uses, in order, and the entries renumbered to them."""
    used = sorted({entry.shard for entry in entries})
    renumber = {old: new for new, old in enumerate(used)}
    return [shards[old] for old in used], [replace(entry, shard=renumber[entry.shard]) for entry in entries]


@dataclass(frozen=True)
class BadFile:
    """A picture that could not be used, kept so that an unchanged one is not decoded again."""

    path: str
    size: int
    mtime_ns: int
    reason: str


@dataclass
class Manifest:
    weights: dict
    preprocess: dict
    top_k: int
    layers: tuple[LayerBlock, ...]
    folders: list[str]
    files: list[FileEntry] = field(default_factory=list)  # sorted by path
    shards: list[str] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)  # sorted by path
    top: str = ""
    complete: bool = False

    @property
    def channels(self) -> int:
        return sum(block.channels for block in self.layers)

    def block(self, layer: str) -> LayerBlock:
        for block in self.layers:
            if block.name == layer:
                return block
        raise KeyError(layer)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "complete": self.complete,
            "weights": self.weights,
            "preprocess": self.preprocess,
            "top_k": self.top_k,
            "layers": [asdict(block) for block in self.layers],
            "folders": self.folders,
            "top": self.top,
            "shards": self.shards,
            "files": [asdict(entry) for entry in self.files],
            "bad": [asdict(entry) for entry in self.bad],
        }


def is_own_file(name: str) -> bool:
    """A name this format writes (the manifest, top-K and records files, their temporaries)."""
    return bool(_OWN_FILE.match(name))


def manifest_from_json(data) -> Manifest:
    """The manifest in ``data`` (parsed JSON); ValueError with a clause naming what is wrong.
    The caller has checked the format name and version."""
    shards = _list(data, "shards", MAX_PICTURES)
    for name in shards:
        if not isinstance(name, str) or not _DATA_FILE.match(name):
            raise ValueError(f"bad file name {name!r}")
    if len(set(shards)) != len(shards):
        raise ValueError("a records file is listed twice")
    top = data.get("top")
    if not isinstance(top, str) or (top and not _DATA_FILE.match(top)):
        raise ValueError(f"bad file name {top!r}")
    files = [_file_entry(item, len(shards)) for item in _list(data, "files", MAX_PICTURES)]
    if any(a.path >= b.path for a, b in zip(files, files[1:])):
        raise ValueError("its pictures are not in order, or one is listed twice")
    if not isinstance(data.get("complete"), bool):
        raise ValueError("'complete' is not true or false")
    weights, preprocess = data.get("weights"), data.get("preprocess")
    if not isinstance(weights, dict) or not isinstance(weights.get("sha256", ""), str):
        raise ValueError("'weights' is not an object with the weights' hash")
    if not isinstance(preprocess, dict):
        raise ValueError("'preprocess' is not an object")
    for key in ("resize", "crop"):
        sides = preprocess.get(key)
        if not isinstance(sides, list) or not 1 <= len(sides) <= 2:
            raise ValueError(f"the preprocessing's {key} is not one or two sides")
        for side in sides:
            _int(side, f"a {key} side", 1, MAX_SIDE)
    return Manifest(
        weights=weights,
        preprocess=preprocess,
        top_k=_int(data.get("top_k"), "top_k", 1, MAX_TOP_K),
        layers=_layers(_list(data, "layers", len(SPATIAL_LAYERS))),
        folders=[_str(name, "a folder") for name in _list(data, "folders", MAX_PICTURES)],
        files=files,
        shards=shards,
        bad=[_bad_file(item) for item in _list(data, "bad", MAX_PICTURES)],
        top=top,
        complete=data["complete"],
    )


def _list(data: dict, key: str, most: int) -> list:
    value = data.get(key, [] if key == "bad" else None)
    if not isinstance(value, list):
        raise ValueError(f"'{key}' is not a list")
    if len(value) > most:
        raise ValueError(f"'{key}' lists {len(value):,} items, more than {most:,}")
    return value


def _int(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} is {value!r}, not a whole number from {low:,} to {high:,}")
    return value


def _str(value, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is {value!r}, not text")
    return value


def _object(item, keys: tuple[str, ...], what: str) -> dict:
    if not isinstance(item, dict) or set(item) != set(keys):
        raise ValueError(f"{what} is not an object with {', '.join(keys)}")
    return item


def _file_entry(item, shards: int) -> FileEntry:
    item = _object(item, ("path", "size", "mtime_ns", "shard", "row"), "a picture's entry")
    return FileEntry(
        path=_str(item["path"], "a picture's path"),
        size=_int(item["size"], "a picture's size", 0, 1 << 62),
        mtime_ns=_int(item["mtime_ns"], "a picture's time", -(1 << 63), (1 << 63) - 1),
        shard=_int(item["shard"], "a picture's records file", 0, shards - 1),
        row=_int(item["row"], "a picture's row", 0, MAX_PICTURES),
    )


def _bad_file(item) -> BadFile:
    item = _object(item, ("path", "size", "mtime_ns", "reason"), "an unusable picture's entry")
    return BadFile(
        path=_str(item["path"], "a picture's path"),
        size=_int(item["size"], "a picture's size", -1, 1 << 62),
        mtime_ns=_int(item["mtime_ns"], "a picture's time", -(1 << 63), (1 << 63) - 1),
        reason=_str(item["reason"], "a reason"),
    )


def _layers(items: list) -> tuple[LayerBlock, ...]:
    blocks, offset = [], 0
    if len(items) != len(SPATIAL_LAYERS):
        raise ValueError(f"it lists {len(items)} layers, not {len(SPATIAL_LAYERS)}")
    for name, item in zip(SPATIAL_LAYERS, items):
        item = _object(item, ("name", "channels", "height", "width", "offset"), "a layer")
        if item["name"] != name:
            raise ValueError(f"layer {item['name']!r} stands where {name} belongs")
        block = LayerBlock(
            name=name,
            channels=_int(item["channels"], f"{name}'s channel count", 1, MAX_CHANNELS),
            height=_int(item["height"], f"{name}'s height", 1, MAX_SIDE),
            width=_int(item["width"], f"{name}'s width", 1, MAX_SIDE),
            offset=_int(item["offset"], f"{name}'s offset", offset, offset),
        )
        blocks.append(block)
        offset += block.channels
    return tuple(blocks)
