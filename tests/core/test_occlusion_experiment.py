"""The whole occlusion experiment (Zeiler & Fergus Fig. 7) against brute force: one occluded
crop and one torchvision forward per position."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.explain import Explainer
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.visualize.network import private_model


def test_probability_strongest_relu5_channel_and_labels_equal_brute_force(loaded_model, frame):
    batch, _ = Preprocessor(loaded_model.transforms, torch.device("cpu"))(frame)
    model = private_model(loaded_model.model)
    with torch.inference_mode():
        top1 = int(model(batch).argmax())
        channel = int(model.features[:12](batch).sum(dim=(0, 2, 3)).argmax())
    found = Explainer(loaded_model).occlusion(batch, top1, window=64, stride=80, batch_size=4)
    assert found.offsets == (0, 80, 160) and found.channel == channel
    for i, top in enumerate(found.offsets):
        for j, left in enumerate(found.offsets):
            occluded = batch.clone()
            occluded[..., top : top + 64, left : left + 64] = 0.0
            with torch.inference_mode():
                logits = model(occluded)[0]
                relu5 = model.features[:12](occluded)[0, channel]
            assert found.probability[i, j] == pytest.approx(float(torch.softmax(logits, 0)[top1]), rel=1e-5)
            assert found.channel_sum[i, j] == pytest.approx(float(relu5.sum()), rel=1e-5, abs=1e-6 * found.channel_baseline)
            assert found.labels[i, j] == int(logits.argmax())
    assert found.labels.dtype == np.int64 and found.channel_sum.shape == (3, 3)
    with torch.inference_mode():
        assert found.channel_baseline == pytest.approx(float(model.features[:12](batch)[0, channel].sum()), rel=1e-5)
