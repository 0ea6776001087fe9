"""Before a build: which pictures there are, which the atlas already holds, and its top-K so far."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from alexnet_viewer.core.output_files import unusable_folder_reason
from alexnet_viewer.core.pictures.picture_files import list_pictures
from alexnet_viewer.core.atlas.capture import LayerBlock
from alexnet_viewer.core.atlas.codes import FOLDER as CODES
from alexnet_viewer.core.atlas.store import (
    AtlasError,
    BadFile,
    FileEntry,
    Manifest,
    check_records,
    is_own_file,
    read_manifest,
    read_records,
    read_top,
    remove_unreferenced,
)
from alexnet_viewer.core.atlas.topk import NO_PICTURE, TopK


@dataclass
class Plan:
    """Picture i of the build is ``paths[i]`` (every listed picture, in path order)."""

    paths: list[str]
    stats: list[tuple[int, int]]  # (size, mtime_ns); (-1, -1) if it could not be read
    recorded: dict[int, FileEntry]  # pictures whose stored record is still valid
    bad: dict[int, BadFile]  # pictures that failed, unchanged since (not decoded again)
    todo: list[int]
    dropped: int  # pictures the atlas held that are gone or changed
    manifest: Manifest  # the atlas being built: its files are filled in at each commit
    top: TopK  # over ``recorded``, indices into ``paths``
    up_to_date: bool = False
    repaired: list[str] = field(default_factory=list)  # what was damaged, and what is done about it


def check_folders(folders: list[Path]) -> None:
    """AtlasError (one sentence) for the first of ``folders`` that is not a folder."""
    for folder in folders:
        if not folder.is_dir():
            raise AtlasError(f"'{folder}' is not a folder." if folder.exists() else f"The folder '{folder}' does not exist.")


def list_folders(folders: list[Path]) -> list[str]:
    """Every picture under the folders (recursively), as absolute paths, sorted, once each."""
    check_folders(folders)
    found: set[str] = set()
    for folder in folders:
        try:
            found.update(os.path.abspath(path) for path in list_pictures(folder, recursive=True))
        except OSError as error:
            raise AtlasError(f"Cannot list the folder '{folder}': {(error.strerror or str(error)).lower()}.") from None
    if not found:
        raise AtlasError(f"No pictures found in {', '.join(repr(str(f)) for f in folders)}.")
    return sorted(found)


def _stat(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return -1, -1
    return int(info.st_size), int(info.st_mtime_ns)


def open_atlas_folder(out: Path, force: bool = False) -> Manifest | None:
    """The atlas already in ``out`` (None for a new or empty folder, or, with ``force``, for
    a damaged atlas to start again in); AtlasError if unusable."""
    reason = unusable_folder_reason(out)
    if reason is not None:
        raise AtlasError(f"Cannot write the atlas to '{out}': {reason}.")
    foreign = any(not name.startswith(".") and not is_own_file(name) and name != CODES for name in os.listdir(out))
    try:
        manifest = read_manifest(out)
    except AtlasError:
        if force and not foreign:
            return None  # a damaged atlas of ours: --force starts it again
        raise
    if manifest is None and foreign:
        raise AtlasError(f"'{out}' is not an atlas (it has no manifest.json) and is not empty; choose a new or empty folder.")
    return manifest


def make_plan(
    folders: list[Path], out: Path, weights: dict, preprocess: dict, layers: tuple[LayerBlock, ...], top_k: int, force: bool
) -> Plan:
    paths = list_folders(folders)
    stats = [_stat(path) for path in paths]
    old = open_atlas_folder(out, force)
    if old is not None and not force:
        _check_compatible(out, old, weights, preprocess, layers)
    elif old is not None:
        old = None  # --force: start again; the old files go at the first commit
    else:
        remove_unreferenced(out, None)  # leftovers of a build killed before its first commit
    manifest = Manifest(weights, preprocess, top_k, layers, [os.path.abspath(f) for f in folders])
    index = {path: i for i, path in enumerate(paths)}
    recorded: dict[int, FileEntry] = {}
    bad: dict[int, BadFile] = {}
    if old is not None:
        manifest.shards = list(old.shards)
        for entries, kept in ((old.files, recorded), (old.bad, bad)):
            for entry in entries:
                i = index.get(entry.path)
                if i is not None and stats[i] == (entry.size, entry.mtime_ns) and stats[i][0] >= 0:
                    kept[i] = entry
    repaired = [] if old is None else _drop_damaged_records(out, old, recorded)
    top, reused_top, damaged = _initial_top(out, old, recorded, index, len(paths), manifest, repaired)
    for i in damaged:
        del recorded[i]
    todo = [i for i in range(len(paths)) if i not in recorded and i not in bad]
    dropped = 0 if old is None else len(old.files) - len(recorded)
    plan = Plan(paths, stats, recorded, bad, todo, dropped, manifest, top, repaired=repaired)
    same_bad = old is not None and len(bad) == len(old.bad)
    plan.up_to_date = bool(old is not None and old.complete and not todo and not dropped and reused_top and same_bad)
    return plan


def _drop_damaged_records(out: Path, old: Manifest, recorded: dict[int, FileEntry]) -> list[str]:
    """Forget the pictures whose records file is damaged (a look at its headers), so that
    they are decoded again; one sentence per damaged file."""
    rows: dict[int, int] = {}
    for entry in recorded.values():
        rows[entry.shard] = max(rows.get(entry.shard, 0), entry.row + 1)
    notes = []
    for shard, needed in sorted(rows.items()):
        try:
            check_records(out, old.shards[shard], old, needed)
        except AtlasError as error:
            lost = [i for i, entry in recorded.items() if entry.shard == shard]
            for i in lost:
                del recorded[i]
            notes.append(_repair_note(error, len(lost)))
    return notes


def _repair_note(error: AtlasError, pictures: int) -> str:
    what = str(error).split("; run ")[0]
    return f"{what}; its {pictures:,} picture(s) are processed again."


def _check_compatible(out: Path, old: Manifest, weights: dict, preprocess: dict, layers) -> None:
    if old.weights.get("sha256") != weights["sha256"]:
        raise AtlasError(
            f"The atlas '{out}' was built with other weights ({old.weights.get('description', 'unknown')}); "
            "use the same weights, another --out, or --force to rebuild it."
        )
    if old.preprocess != preprocess or tuple(old.layers) != tuple(layers):
        raise AtlasError(
            f"The atlas '{out}' was built with other preprocessing or layers; use another --out, or --force to rebuild it."
        )


def _initial_top(out: Path, old: Manifest | None, recorded: dict[int, FileEntry], index: dict[str, int], count: int,
                 manifest: Manifest, repaired: list[str]) -> tuple[TopK, bool, set[int]]:
    """The top-K over the still-valid records: the stored one renumbered when nothing in it
    was dropped, K is the same and it reads back whole, else recomputed from the records.
    (top, reused?, pictures whose records turned out damaged)"""
    channels, k = manifest.channels, manifest.top_k
    if old is None:
        return TopK.empty(channels, k), False, set()
    if old.top_k == k and old.top:
        try:
            stored = read_top(out, old)
        except AtlasError as error:
            repaired.append(str(error).split("; run ")[0] + "; it is recomputed from the records.")
        else:
            mapping = np.full(len(old.files) + 1, NO_PICTURE, np.int64)
            for position, entry in enumerate(old.files):
                i = index.get(entry.path)
                if i is not None and i in recorded:
                    mapping[position] = i
            pictures = stored.pictures()
            filled = pictures != NO_PICTURE
            if np.all(mapping[pictures[filled]] != NO_PICTURE):
                return stored.renumbered(mapping), True, set()
    top, damaged = recompute_top(out, old, recorded, channels, k, repaired)
    return top, False, damaged


def recompute_top(out: Path, old: Manifest, recorded: dict[int, FileEntry], channels: int, k: int,
                  repaired: list[str]) -> tuple[TopK, set[int]]:
    """Exact top-K from the stored records of ``recorded``, one records file at a time; a
    damaged records file is left out and its pictures returned, to be decoded again."""
    top = TopK.empty(channels, k)
    damaged: set[int] = set()
    by_shard: dict[int, list[tuple[int, int]]] = {}
    for i, entry in recorded.items():
        by_shard.setdefault(entry.shard, []).append((entry.row, i))
    for shard, rows in sorted(by_shard.items()):
        picked = np.array([row for row, _ in rows])
        try:
            values, positions = read_records(out, old.shards[shard], old, int(picked.max()) + 1)
        except AtlasError as error:
            damaged.update(i for _, i in rows)
            repaired.append(_repair_note(error, len(rows)))
            continue
        top = top.add(values[picked], positions[picked], np.array([i for _, i in rows]))
    return top, damaged
