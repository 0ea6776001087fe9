"""LRP with the epsilon-gamma-box composite equals zennit's EpsilonGammaBox."""

import pytest
import torch

pytest.importorskip("zennit", reason="zennit is not installed (pip install -e '.[test]')")

from zennit.attribution import Gradient  # noqa: E402
from zennit.composites import EpsilonGammaBox  # noqa: E402

from tests.core.methods_helpers import assert_same, method_setup  # noqa: E402


@pytest.mark.parametrize("target", ["top1", 281])
def test_lrp_composite_equals_zennit_epsilon_gamma_box(loaded_model, target):
    runner, batch, reference, top1 = method_setup(loaded_model)
    target = top1 if target == "top1" else target
    mean = torch.tensor(loaded_model.transforms.mean).view(1, 3, 1, 1)
    std = torch.tensor(loaded_model.transforms.std).view(1, 3, 1, 1)
    composite = EpsilonGammaBox(low=(0 - mean) / std, high=(1 - mean) / std)
    with torch.no_grad():
        logits = reference(batch)
    seed = torch.zeros_like(logits)
    seed[0, target] = logits[0, target]  # relevance starts at the logit, as LRP-epsilon's does
    with Gradient(model=reference, composite=composite) as attributor:
        _, relevance = attributor(batch.clone(), seed)
    ours = runner.run("lrp_composite", batch, target)
    assert_same(ours, relevance[0].detach().numpy())
    assert not torch.allclose(torch.from_numpy(ours), torch.from_numpy(runner.run("lrp_epsilon", batch, target)))
