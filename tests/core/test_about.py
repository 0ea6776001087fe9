"""About AlexNet: every fact has a source; the computed ones agree with the model and metadata."""

import dataclasses

import torch
from torch import nn
from torchvision.models import AlexNet_Weights

from alexnet_viewer.core.lecture.about import (
    PAPER_FACTS,
    PAPER_URL,
    about_facts,
    conv_channels,
    model_facts,
)


def _text(facts):
    return "\n".join(fact.text for fact in facts)


def test_every_fact_has_a_source():
    facts = about_facts()
    assert len(facts) == len(PAPER_FACTS) + len(model_facts(None))
    assert all(fact.text.strip() and fact.source.strip() for fact in facts)
    assert all(fact.url is None or fact.url.startswith("https://") for fact in facts)
    paper = _text(PAPER_FACTS)
    figures = ("96-256-384-384-256", "60 million", "650,000", "1.2 million", "GTX 580 3 GB", "15.3 %", "26.2 %")
    for figure in (*figures, "37.5 %", "17.0 %"):
        assert figure in paper, figure
    assert all(fact.url == PAPER_URL and "NIPS 2012" in fact.source for fact in PAPER_FACTS)


def test_computed_facts_follow_the_model(loaded_model):
    text = _text(model_facts(loaded_model))
    channels = conv_channels(loaded_model.model)
    assert channels == tuple(m.out_channels for m in loaded_model.model.features if isinstance(m, nn.Conv2d))
    assert "-".join(map(str, channels)) in text and channels == (64, 192, 384, 256, 256)
    assert f"{sum(p.numel() for p in loaded_model.model.parameters()):,} parameters" in text
    assert "no local response normalisation" in text
    assert "p = 0.5 before fc6, p = 0.5 before fc7" in text
    assert "0.714 G multiply-accumulates" in text


def test_accuracy_is_torchvisions_metadata(loaded_model):
    metrics = AlexNet_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]
    accuracy = model_facts(loaded_model)[-1]
    assert f"{metrics['acc@1']:g} % top-1" in accuracy.text and f"{metrics['acc@5']:g} % top-5" in accuracy.text
    assert "not the ones loaded now (random, seed 0)" in accuracy.text  # the session model is random
    weights = dataclasses.replace(loaded_model.weights, source="pretrained")
    pretrained = dataclasses.replace(loaded_model, weights=weights)
    assert "not the ones loaded" not in model_facts(pretrained)[-1].text


def test_a_different_model_changes_the_computed_facts(loaded_model):
    """Nothing is typed in: a model with other channels and an LRN layer reads differently."""
    with torch.device("meta"):
        from torchvision.models import alexnet

        model = alexnet(weights=None)
    model.features[0] = nn.Conv2d(3, 96, 11, 4, 2, device="meta")
    model.features[3] = nn.Conv2d(96, 192, 5, padding=2, device="meta")
    model.classifier.append(nn.LocalResponseNorm(5))  # anywhere: it is only counted
    changed = dataclasses.replace(loaded_model, model=model)
    text = _text(model_facts(changed))
    assert "96-192-384-256-256" in text and "has a local response normalisation layer" in text
