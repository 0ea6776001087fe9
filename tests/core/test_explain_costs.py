"""Each method's price in passes, and the time it is estimated to take from measured frames."""

import pytest

from alexnet_viewer.core.explain.costs import BACKWARD_PER_FORWARD, CostModel, describe_seconds
from alexnet_viewer.core.explain.methods import METHODS, NEW_METHODS, Price, Settings, check_method, price


def test_every_method_has_a_price_that_follows_its_settings():
    assert set(NEW_METHODS) < set(METHODS)
    for name in METHODS:
        cost = price(name)
        assert cost.forwards >= 1 and cost.backwards >= 0
    assert price("smoothgrad", Settings(samples=20)) == Price(20, 20)
    assert price("integrated_gradients", Settings(steps=32)) == Price(32, 32)
    assert price("scorecam", channels=384) == Price(385, 0)
    assert price("occlusion") == Price(1 + 12 * 12, 0)  # 48 px squares every 16 px on 224
    assert price("saliency").describe() == "1 forward + 1 backward"
    assert price("scorecam", channels=64).describe() == "65 forwards"


def test_an_unknown_method_is_one_sentence():
    with pytest.raises(ValueError, match=r"^Unknown explanation method 'nope'; choose one of gradcam, .*\.$"):
        check_method("nope")


def test_the_estimate_comes_from_frame_times_and_is_corrected_by_runs():
    model = CostModel()
    assert model.estimate(Price(1, 1)) is None
    assert describe_seconds(None) == "time unknown until a frame has run"
    for ms in (10.0, 12.0, 500.0):  # one slow outlier: the median ignores it
        model.observe_frame({"forward": ms, "total": 99.0})
    model.observe_frame({"total": 11.0})  # no forward time: the total stands in
    assert model.forward_seconds == pytest.approx(0.0115)
    assert model.estimate(Price(50, 50)) == pytest.approx(0.0115 * 50 * (1 + BACKWARD_PER_FORWARD))
    model.observe_run(Price(1, 1), 0.0115 * 1.5)  # batched passes ran twice as fast as estimated
    model.observe_run(Price(10, 0), 0.0115 * 5)
    model.observe_run(Price(1, 0), 0.0115 * 100)  # one slow outlier again
    assert model.correction == pytest.approx(0.5)
    assert model.estimate(Price(2, 1)) == pytest.approx(0.0115 * 4 * 0.5)
    assert describe_seconds(0.0456) == "≈ 46 ms" and describe_seconds(2.345) == "≈ 2.3 s"
    assert describe_seconds(150) == "≈ 2.5 min"


def test_a_frame_redrawn_without_a_forward_says_nothing_of_a_forwards_time():
    model = CostModel()
    model.observe_frame({"total": 20.0})
    model.observe_frame({"rerender": 0.5, "total": 0.5})  # a layer change on a still picture
    assert model.forward_seconds == pytest.approx(0.020)
