"""The top-K merge: exact and deterministic under ties, in any merge order."""

import numpy as np
import pytest

from alexnet_viewer.core.atlas.topk import NO_PICTURE, TopK


def brute_force(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, picture indices and values of the k best: larger value, then smaller index."""
    count, channels = values.shape
    pictures = np.full((channels, k), NO_PICTURE)
    best = np.full((channels, k), -np.inf, np.float32)
    for c in range(channels):
        ranked = sorted(range(count), key=lambda i: (-float(values[i, c]), i))[:k]
        pictures[c, : len(ranked)] = ranked
        best[c, : len(ranked)] = values[ranked, c]
    return pictures, best


def tied_values(count: int = 23, channels: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 4, size=(count, channels)).astype(np.float32)  # many exact ties
    values[::4, 0] = -0.0  # -0.0 and 0.0 are the same value
    values[1::4, 0] = 0.0
    values[:, 1] = 7.0  # a channel where every picture ties
    return values


@pytest.mark.parametrize("chunk", [1, 2, 5, 23])
def test_merge_in_chunks_equals_brute_force(chunk):
    values = tied_values()
    positions = np.arange(values.size, dtype=np.int16).reshape(values.shape) % 3025
    top = TopK.empty(values.shape[1], 6)
    for start in range(0, len(values), chunk):
        rows = np.arange(start, min(start + chunk, len(values)))
        top = top.add(values[rows], positions[rows], rows)
    pictures, best = brute_force(values, 6)
    np.testing.assert_array_equal(top.pictures(), pictures)
    np.testing.assert_array_equal(top.values(), best)
    # Each winner keeps its own position.
    np.testing.assert_array_equal(top.positions, positions[pictures, np.arange(values.shape[1])[:, None]])


def test_merge_order_does_not_matter():
    values = tied_values(seed=3)
    rows = np.arange(len(values))
    forward = TopK.empty(values.shape[1], 4).add(values, np.zeros_like(values, np.int16), rows)
    backward = TopK.empty(values.shape[1], 4)
    for i in rows[::-1]:
        backward = backward.add(values[i : i + 1], np.zeros((1, values.shape[1]), np.int16), np.array([i]))
    np.testing.assert_array_equal(forward.keys, backward.keys)
    assert list(forward.pictures()[1]) == [0, 1, 2, 3]  # all tied: the smallest indices win


def test_fewer_pictures_than_k_leave_empty_slots():
    values = np.array([[1.5, -2.0]], np.float32)
    top = TopK.empty(2, 3).add(values, np.array([[7, 9]], np.int16), np.array([4]))
    assert top.pictures().tolist() == [[4, NO_PICTURE, NO_PICTURE], [4, NO_PICTURE, NO_PICTURE]]
    assert top.values()[:, 0].tolist() == [1.5, -2.0]
    assert np.isneginf(top.values()[:, 1:]).all()


def test_nan_ranks_last_and_extremes_order():
    values = np.array([[np.nan], [-np.inf], [np.inf], [-1e-30], [1e-30], [3.4e38]], np.float32)
    top = TopK.empty(1, 6).add(values, np.zeros_like(values, np.int16), np.arange(6))
    assert top.pictures()[0].tolist() == [2, 5, 4, 3, 1, 0]


def test_renumbered_and_stored_arrays_round_trip():
    values = tied_values(seed=5)
    top = TopK.empty(values.shape[1], 5).add(values, np.ones_like(values, np.int16), np.arange(len(values)))
    mapping = np.arange(len(values)) * 3 + 10  # order-preserving
    renamed = top.renumbered(mapping)
    filled = top.pictures() != NO_PICTURE
    np.testing.assert_array_equal(renamed.pictures()[filled], mapping[top.pictures()[filled]])
    np.testing.assert_array_equal(renamed.values(), top.values())
    rebuilt = TopK.from_arrays(top.values(), top.pictures(), top.positions)
    np.testing.assert_array_equal(rebuilt.keys, top.keys)
