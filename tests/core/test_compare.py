"""A/B comparison: the difference of two frames, its mosaic and scale, the change of the top-5."""

import numpy as np
import pytest

from alexnet_viewer.core.inspect.compare import (
    difference,
    difference_mosaic,
    diverging_lut,
    probabilities,
    symmetric_levels,
    top5_change,
)
from alexnet_viewer.core.frame.engine import FrameRequest


@pytest.fixture(scope="module")
def pair(engine, frame):
    covered = frame.copy()
    covered[100:300, 200:400] = 128  # "covered the eye"
    request = FrameRequest(focus_layers=("conv2",), channel_order="mean")
    return engine.process(covered, request, frame_id=2), engine.process(frame, request, frame_id=1)


def test_difference_is_current_minus_reference(pair):
    current, reference = pair
    for layer in ("conv1", "pool5", "fc8"):
        diff = difference(current, reference, layer)
        expected = current.activations[layer].astype(np.float64) - reference.activations[layer]
        np.testing.assert_allclose(diff, expected, atol=1e-6)
        assert diff.dtype == np.float32 and not diff.flags.writeable
    assert np.abs(difference(current, reference, "conv1")).max() > 0  # the cover changed something
    assert not difference(reference, reference, "conv3").any()


def test_symmetric_levels():
    assert symmetric_levels(np.array([-0.5, 2.0, 1.0])) == (-2.0, 2.0)
    assert symmetric_levels(np.array([-3.0, 1.0])) == (-3.0, 3.0)
    low, high = symmetric_levels(np.zeros(4))
    assert low == -high and high > 0  # a valid scale even when nothing changed
    with pytest.raises(ValueError, match="not finite"):
        symmetric_levels(np.array([np.nan, 1.0]))


def test_difference_mosaic_decodes_to_the_difference(pair):
    current, reference = pair
    order = current.mosaics["conv2"].order
    mosaic = difference_mosaic(current, reference, "conv2", order)
    diff = difference(current, reference, "conv2")
    low, high = mosaic.levels
    assert low == -high == -float(np.abs(diff).max())
    assert mosaic.order == order and mosaic.grid == current.mosaics["conv2"].grid
    assert mosaic.image.shape == current.mosaics["conv2"].image.shape
    step = (high - low) / 254
    for channel, y, x in ((order[0], 3, 4), (order[-1], 26, 0), (17, 13, 13)):
        top, left = mosaic.tile_origin(channel)
        pixel = int(mosaic.image[top + y, left + x])
        assert low + (pixel - 1) * step == pytest.approx(float(diff[channel, y, x]), abs=step / 2 + 1e-6)
    assert mosaic.image[0, mosaic.tile[1]] == 0  # the gap after the first tile


def test_no_change_is_the_middle_of_the_scale(pair):
    _, reference = pair
    mosaic = difference_mosaic(reference, reference, "fc6")
    assert mosaic.tile == (1, 1) and mosaic.gap == 0
    assert set(np.unique(mosaic.image[: 4096 // 64])) <= {128}


def test_diverging_lut():
    table = diverging_lut(background=(30, 31, 34))
    assert table.shape == (256, 3) and table.dtype == np.uint8 and not table.flags.writeable
    assert tuple(table[0]) == (30, 31, 34)
    assert tuple(table[128]) == (247, 247, 247)  # no change: near-white
    assert tuple(table[1]) == (33, 102, 172) and tuple(table[255]) == (178, 24, 43)
    assert table[1][2] > table[1][0] and table[255][0] > table[255][2]  # blue below, red above
    # Equal steps either side of zero are equally far from white.
    white = table[128].astype(int)
    assert abs(np.abs(table[100].astype(int) - white).sum() - np.abs(table[156].astype(int) - white).sum()) < 60


def test_probabilities_match_the_engine_top5(pair):
    current, _ = pair
    p = probabilities(current)
    assert p.sum() == pytest.approx(1.0)
    for prediction in current.top5:
        assert p[prediction.index] == pytest.approx(prediction.probability, abs=1e-6)


def test_top5_change(pair):
    current, reference = pair
    changes = top5_change(current, reference)
    now, before = probabilities(current), probabilities(reference)
    assert [c.index for c in changes[:5]] == [p.index for p in current.top5]
    assert [c.rank for c in changes[:5]] == [1, 2, 3, 4, 5]
    left = [p.index for p in reference.top5 if p.index not in {q.index for q in current.top5}]
    assert [c.index for c in changes[5:]] == left
    for change in changes:
        assert change.probability == pytest.approx(now[change.index])
        assert change.reference_probability == pytest.approx(before[change.index])
        assert change.delta == pytest.approx(now[change.index] - before[change.index])
        assert change.reference_rank == 1 + int((before > before[change.index]).sum())
        assert change.rank_change == change.reference_rank - change.rank
    same = top5_change(reference, reference)
    assert len(same) == 5 and all(c.delta == 0 and c.rank_change == 0 for c in same)
