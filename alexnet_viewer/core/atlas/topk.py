"""Exact, deterministic top-K per channel, mergeable in any order.

Every candidate (one picture's spatial maximum of one channel) gets one int64 sort key:
the float32 value mapped to an order-preserving int32 in the high half, and the picture's
index, inverted, in the low half. A larger key is a better candidate: a larger value, then
(on an exact tie) the smaller picture index. A picture appears at most once per channel, so
keys never tie and merging batches, shards or ranks in any order gives the same top-K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_PICTURE = -1
EMPTY_KEY = np.iinfo(np.int64).min  # an unfilled slot: worse than any real candidate
_LOW = np.int64(0xFFFFFFFF)
MAX_PICTURES = 0xFFFFFFFF


def _ordered_bits(values: np.ndarray) -> np.ndarray:
    """int64 holding an int32 that sorts like the float32 values (NaN lowest, -0.0 == 0.0)."""
    values = np.asarray(values, dtype=np.float32) + np.float32(0.0)  # turns -0.0 into +0.0
    bits = values.view(np.int32).astype(np.int64)
    ordered = np.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
    return np.where(np.isnan(values), np.int64(np.iinfo(np.int32).min), ordered)


def _values_from(ordered: np.ndarray) -> np.ndarray:
    bits = np.where(ordered < 0, ordered ^ 0x7FFFFFFF, ordered).astype(np.int32)
    return bits.view(np.float32)


def sort_keys(values: np.ndarray, pictures: np.ndarray) -> np.ndarray:
    """Keys (channels, n) for values (n, channels) of the pictures with indices (n,)."""
    pictures = np.asarray(pictures, dtype=np.int64)
    if pictures.size and (pictures.min() < 0 or pictures.max() >= MAX_PICTURES):
        raise ValueError("picture indices must lie in 0 … 2**32 - 2")
    ordered = _ordered_bits(values).T  # (channels, n)
    return (ordered << 32) + (_LOW - pictures)[None, :]


@dataclass(frozen=True)
class TopK:
    """Per channel, the best ``k`` candidates, best first: keys and flat positions (y*W + x)."""

    keys: np.ndarray  # (channels, k) int64, EMPTY_KEY where fewer than k pictures
    positions: np.ndarray  # (channels, k) int16

    @classmethod
    def empty(cls, channels: int, k: int) -> TopK:
        return cls(np.full((channels, k), EMPTY_KEY, np.int64), np.zeros((channels, k), np.int16))

    @property
    def k(self) -> int:
        return self.keys.shape[1]

    def pictures(self) -> np.ndarray:
        """(channels, k) int64 picture indices, NO_PICTURE for an empty slot."""
        index = _LOW - (self.keys & _LOW)
        return np.where(self.keys == EMPTY_KEY, NO_PICTURE, index)

    def values(self) -> np.ndarray:
        """(channels, k) float32; -inf for an empty slot."""
        values = _values_from(self.keys >> 32)
        return np.where(self.keys == EMPTY_KEY, np.float32(-np.inf), values)

    def merged(self, keys: np.ndarray, positions: np.ndarray) -> TopK:
        """This top-K and the candidates (channels, m), as one top-K of the same k."""
        all_keys = np.concatenate([self.keys, keys], axis=1)
        all_positions = np.concatenate([self.positions, positions.astype(np.int16, copy=False)], axis=1)
        k = self.k
        if all_keys.shape[1] > k:
            cut = all_keys.shape[1] - k
            chosen = np.argpartition(all_keys, cut, axis=1)[:, cut:]
            all_keys = np.take_along_axis(all_keys, chosen, axis=1)
            all_positions = np.take_along_axis(all_positions, chosen, axis=1)
        order = np.argsort(all_keys, axis=1, kind="stable")[:, ::-1]
        return TopK(np.take_along_axis(all_keys, order, axis=1), np.take_along_axis(all_positions, order, axis=1))

    def add(self, values: np.ndarray, positions: np.ndarray, pictures: np.ndarray) -> TopK:
        """Merge per-picture records: values and positions (n, channels), picture indices (n,)."""
        if len(pictures) == 0:
            return self
        return self.merged(sort_keys(values, pictures), np.asarray(positions).T)

    def renumbered(self, mapping: np.ndarray) -> TopK:
        """The same top-K with picture i renamed mapping[i]; the mapping must keep their order."""
        pictures = self.pictures()
        filled = pictures != NO_PICTURE
        renamed = np.where(filled, mapping[np.where(filled, pictures, 0)], 0)
        keys = np.where(filled, ((self.keys >> 32) << 32) + (_LOW - renamed), EMPTY_KEY)
        return TopK(keys, self.positions)

    @classmethod
    def from_arrays(cls, values: np.ndarray, pictures: np.ndarray, positions: np.ndarray) -> TopK:
        """Rebuild from the stored (values, picture indices, positions) arrays."""
        pictures = np.asarray(pictures, dtype=np.int64)
        filled = pictures != NO_PICTURE
        keys = (_ordered_bits(values) << 32) + (_LOW - np.where(filled, pictures, 0))
        return cls(np.where(filled, keys, EMPTY_KEY), np.asarray(positions, dtype=np.int16))
