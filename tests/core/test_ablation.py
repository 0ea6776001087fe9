"""Ablation: channels off through hooks, exactly as zeroing them by hand; nothing else changes."""

import threading

import numpy as np
import pytest
import torch

from alexnet_viewer.bench.frames import bare_model
from alexnet_viewer.core.frame.ablation import check_ablations, layer_channels, parse_ablation
from alexnet_viewer.core.frame.engine import FrameRequest
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.preprocess import Preprocessor

SPEC = (("relu2", (0,)), ("conv5", (3, 7)))


@pytest.fixture(scope="module")
def reference(engine):
    """A hook-free copy of the engine's model and the batch the engine makes of a frame."""
    loaded = engine.loaded
    return bare_model(engine), Preprocessor(loaded.transforms, loaded.device)


def _hand_ablated_logits(model, batch, spec):
    def zero(channels):
        def hook(_module, _inputs, output):
            output = output.clone()
            output[:, list(channels)] = 0
            return output

        return hook

    handles = [layer_module(model, name).register_forward_hook(zero(channels)) for name, channels in spec]
    try:
        with torch.inference_mode():
            return model(batch)[0]
    finally:
        for handle in handles:
            handle.remove()


def test_logits_equal_zeroing_by_hand(engine, reference, frame):
    model, preprocess = reference
    batch, _ = preprocess(frame)
    ablated = engine.process(frame, FrameRequest(ablations=SPEC))
    expected = _hand_ablated_logits(model, batch, SPEC)
    assert torch.equal(torch.from_numpy(np.array(ablated.activations["fc8"])), expected)
    plain = engine.process(frame)
    assert not np.array_equal(plain.activations["fc8"], ablated.activations["fc8"])
    # The captured maps show the zeroed channels; the layer before an ablated ReLU keeps its
    # own (pre-ReLU) values, and every layer after an ablation changes.
    assert not ablated.activations["conv5"][[3, 7]].any() and ablated.activations["conv5"][2].any()
    assert not ablated.activations["relu2"][0].any() and plain.activations["relu2"][0].any()
    np.testing.assert_array_equal(ablated.activations["conv2"], plain.activations["conv2"])
    for later in ("pool2", "conv3", "relu5", "pool5", "fc6", "fc7"):
        assert not np.array_equal(ablated.activations[later], plain.activations[later]), later


def test_nothing_off_is_bit_identical_to_the_bare_model(engine, reference, frame):
    model, preprocess = reference
    batch, _ = preprocess(frame)
    with torch.inference_mode():
        bare = model(batch)[0]
    for request in (FrameRequest(), FrameRequest(ablations=(("conv1", ()),))):
        assert request.ablations == ()
        assert torch.equal(torch.from_numpy(np.array(engine.process(frame, request).activations["fc8"])), bare)


def test_weights_never_change(engine, frame):
    before = {key: value.clone() for key, value in engine.loaded.model.state_dict().items()}
    engine.process(frame, FrameRequest(ablations=(("conv1", tuple(range(64))), ("pool5", (1,)))))
    after = engine.loaded.model.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before)


def test_concurrent_threads_keep_their_own_spec(engine, frame):
    specs = [(("conv1", (0, 1, 2)),), (("conv4", tuple(range(0, 256, 2))),)]
    expected = [engine.process(frame, FrameRequest(ablations=spec)).activations["fc8"] for spec in specs]
    # Both forwards wait for each other inside conv1, so they are certainly in flight together.
    barrier = threading.Barrier(2, timeout=30)

    def meet(*_):
        barrier.wait()

    handle = layer_module(engine.loaded.model, "conv1").register_forward_hook(meet)
    got, errors = [None, None], []

    def work(k):
        try:
            for _ in range(3):
                result = engine.process(frame, FrameRequest(ablations=specs[k]))
                assert np.array_equal(result.activations["fc8"], expected[k])
            got[k] = result.activations["fc8"]
        except Exception as error:  # reported below: a failed thread must fail the test
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        handle.remove()
    assert not errors, errors
    assert got[0] is not None and got[1] is not None
    assert not np.array_equal(got[0], got[1])


def test_canonical_form_and_bad_specs():
    assert check_ablations([("conv5", [7, 3, 7]), ("relu2", (0,)), ("conv5", (1,))]) == (
        ("relu2", (0,)),
        ("conv5", (1, 3, 7)),
    )
    assert check_ablations([("conv3", (np.int64(5),))]) == (("conv3", (5,)),)
    assert layer_channels()["conv1"] == 64 and layer_channels()["pool5"] == 256
    for spec, words in [
        ([("fc6", (0,))], "only conv, relu and pool"),
        ([("conv9", (0,))], "unknown layer"),
        ([("conv1", (64,))], "channels 0…63"),
        ([("pool2", (-1,))], "channels 0…191"),
        ([("pool2", (1.0,))], "channels 0…191"),
        (["conv1"], "pair"),
    ]:
        with pytest.raises(ValueError, match=words):
            FrameRequest(ablations=spec)


def test_parse_ablation():
    assert parse_ablation("conv5:3,7") == ("conv5", (3, 7))
    assert parse_ablation(" relu2 : 0 ") == ("relu2", (0,))
    for text, words in [
        ("conv5", "LAYER:C1,C2"),
        ("conv5:", "LAYER:C1,C2"),
        ("conv5:a", "LAYER:C1,C2"),
        ("conv5:3,,7", "LAYER:C1,C2"),
        ("conv5:256", "channels 0…255"),
        ("fc7:1", "only conv, relu and pool"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_ablation(text)


def test_export_ablate_flag(tmp_path, capsys):
    import json

    from PIL import Image

    from alexnet_viewer.cli.dispatch import main

    picture = tmp_path / "grad.png"
    Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (200, 1))).convert("RGB").save(picture)
    weights = ["--random-weights", "--seed", "4", "--device", "cpu"]
    flags = ["--ablate", "conv5:7,3", "--ablate", "relu2:0", "--ablate", "conv5:3"]
    assert main(["export", str(picture), "--out", str(tmp_path / "out"), *weights, *flags]) == 0
    payload = json.loads((tmp_path / "out" / "grad.png" / "predictions.json").read_text())
    assert payload["ablations"] == {"relu2": [0], "conv5": [3, 7]}
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(picture), "--out", str(tmp_path / "bad"), *weights, "--ablate", "conv5:300"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("conv5 has channels 0…255; 300 is not one of them") and "Traceback" not in "".join(err)
    assert not (tmp_path / "bad").exists()


def test_the_channel_indices_go_to_the_device_once_per_spec(frame, monkeypatch):
    """A tensor from a Python list every frame is a synchronous host copy on CUDA: cached."""
    from alexnet_viewer.core.frame import ablation
    from alexnet_viewer.core.frame.engine import Engine
    from alexnet_viewer.core.model.loader import WeightsSpec, load_model

    engine = Engine(load_model(WeightsSpec.random(seed=0), device="cpu"))  # its own cache: no other test's specs
    engine.process(frame)  # whatever the engine makes once, it has made before counting
    made, this_thread = [], threading.current_thread()
    real = torch.tensor

    def counting(*args, **kwargs):
        # Channel tuples made on this thread: not another test's thread winding down, nor
        # whatever else the engine makes of lists.
        if threading.current_thread() is this_thread and isinstance(args[0], tuple):
            made.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ablation.torch, "tensor", counting)
    first, other = (("conv4", (5, 11)), ("pool5", (2,))), (("conv2", (17,)),)
    results = [engine.process(frame, FrameRequest(ablations=spec)) for spec in (first, first, other, first, other)]
    assert sorted(made) == [(2,), (5, 11), (17,)]  # one per layer of each spec, once
    assert np.array_equal(results[0].activations["fc8"], results[3].activations["fc8"])
    engine.close()
