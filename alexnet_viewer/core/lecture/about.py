"""About AlexNet: the facts a lecture needs, each with its source.

The paper's figures are quoted from the paper (section given). What describes the model in
this viewer — channel counts, parameters, which layers exist, the weights' accuracy — is
read from the loaded model and torchvision's weights metadata, never typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import nn

from alexnet_viewer.core.inspect.architecture import architecture
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import MODULE_LOCATIONS
from alexnet_viewer.core.inspect.receptive_field import alexnet_structure, crop_shape

if TYPE_CHECKING:
    from alexnet_viewer.core.model.loader import LoadedModel

PAPER_TITLE = "ImageNet Classification with Deep Convolutional Neural Networks"
PAPER_URL = "https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks"
PAPER = f'Krizhevsky, Sutskever, Hinton, "{PAPER_TITLE}", NIPS 2012'
WEIRD_TRICK = 'Krizhevsky, "One weird trick for parallelizing convolutional neural networks", arXiv:1404.5997, 2014'
WEIRD_TRICK_URL = "https://arxiv.org/abs/1404.5997"
TORCHVISION_DOCS = "torchvision documentation, torchvision.models.alexnet"
TORCHVISION_DOCS_URL = "https://pytorch.org/vision/stable/models/generated/torchvision.models.alexnet.html"
TORCHVISION_META = "torchvision, AlexNet_Weights.IMAGENET1K_V1.meta"
LOADED = "read from the loaded model"
CONVS = ("conv1", "conv2", "conv3", "conv4", "conv5")


@dataclass(frozen=True)
class Fact:
    text: str
    source: str
    url: str | None = None


def _paper(text: str, where: str) -> Fact:
    return Fact(text, f"{PAPER}, {where}", PAPER_URL)


PAPER_FACTS: tuple[Fact, ...] = (
    _paper(f'"{PAPER_TITLE}" by Alex Krizhevsky, Ilya Sutskever and Geoffrey E. Hinton, NIPS 2012.', "title page"),
    _paper(
        "Five convolutional layers, some followed by max pooling, and three fully connected layers "
        "ending in a 1000-way softmax.",
        "abstract and §3.5",
    ),
    _paper("ReLU non-linearities (non-saturating neurons) made training several times faster than tanh.", "§3.1"),
    _paper("Dropout in the first two fully connected layers reduced overfitting.", "§4.2"),
    _paper("Local response normalisation followed the first and second convolutional layers.", "§3.3 and §3.5"),
    _paper("The paper's convolutional layers have 96-256-384-384-256 kernels, split over two GPUs.", "§3.5"),
    _paper("60 million parameters and 650,000 neurons.", "abstract"),
    _paper("Trained on the 1.2 million labelled images of ILSVRC (1000 classes).", "§2"),
    _paper("Training took five to six days on two NVIDIA GTX 580 3 GB GPUs.", "§1 and §3.2"),
    _paper("ILSVRC-2010 test set: 37.5 % top-1 and 17.0 % top-5 error.", "abstract and §6 (Table 1)"),
    _paper(
        "ILSVRC-2012: a variant won with 15.3 % top-5 test error, against 26.2 % for the second-best entry.",
        "abstract and §6 (Table 2)",
    ),
)


def _model(loaded: LoadedModel | None) -> nn.Module:
    return loaded.model if loaded is not None else alexnet_structure()


def conv_channels(model: nn.Module) -> tuple[int, ...]:
    """The output channels of conv1…conv5."""
    return tuple(int(layer_module(model, name).out_channels) for name in CONVS)


def _dropouts(model: nn.Module) -> list[tuple[str, float]]:
    """(canonical name of the layer each dropout feeds, p), from the classifier's order."""
    names = {index: name for name, (attr, index) in MODULE_LOCATIONS.items() if attr == "classifier"}
    modules = list(model.classifier)
    return [(names.get(i + 1, "?"), m.p) for i, m in enumerate(modules) if isinstance(m, nn.Dropout)]


def weights_metrics() -> dict[str, float]:
    """torchvision's published accuracy of IMAGENET1K_V1 on ImageNet-1K validation, in %."""
    from torchvision.models import AlexNet_Weights

    return dict(AlexNet_Weights.IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"])


def model_facts(loaded: LoadedModel | None) -> tuple[Fact, ...]:
    """What is true of the model in this viewer; without ``loaded``, torchvision's structure."""
    model = _model(loaded)
    channels = "-".join(str(n) for n in conv_channels(model))
    params = sum(p.numel() for p in model.parameters())
    has_lrn = any(isinstance(m, nn.LocalResponseNorm) for m in model.modules())
    dropouts = _dropouts(model)
    metrics = weights_metrics()
    macs = architecture(model).total_macs
    height, width = crop_shape()
    if loaded is None or loaded.weights.source == "pretrained":
        whose = "the pretrained weights (IMAGENET1K_V1)"
    else:
        whose = (
            "torchvision's pretrained IMAGENET1K_V1 weights — "
            f"not the ones loaded now ({loaded.weights.description})"
        )
    return (
        Fact(
            f"torchvision's AlexNet, the one shown here, has {channels} channels in conv1…conv5 "
            "(the paper's: 96-256-384-384-256).",
            f"{LOADED}; {TORCHVISION_DOCS}; {PAPER}, §3.5",
            TORCHVISION_DOCS_URL,
        ),
        Fact(
            "torchvision's implementation follows the one-tower network of the \"One weird trick\" paper, not "
            "the 2012 two-GPU one. That paper lists 64-192-384-384-256; torchvision's conv4 has "
            f"{conv_channels(model)[3]}, as in Krizhevsky's single-GPU cuda-convnet2 configuration.",
            f"{TORCHVISION_DOCS}; {WEIRD_TRICK}, p. 5, footnote 1; {LOADED}; pytorch/vision pull request #463",
            WEIRD_TRICK_URL,
        ),
        Fact(
            "It has " + ("a" if has_lrn else "no") + " local response normalisation layer"
            + ("." if has_lrn else " (the paper had two)."),
            f"{LOADED}; {PAPER}, §3.5",
        ),
        Fact(
            f"{len(dropouts)} dropout layers: "
            + ", ".join(f"p = {p:g} before {name}" for name, p in dropouts)
            + "; dropout is off when the network is evaluated.",
            LOADED,
        ),
        Fact(f"{params:,} parameters (the paper: 60 million).", LOADED),
        Fact(
            f"{macs / 1e9:.3f} G multiply-accumulates per {height}×{width} image, counting conv and fully "
            "connected layers.",
            f"{LOADED} (see alexnet-viewer info)",
        ),
        Fact(
            f"Accuracy of {whose} on the ImageNet-1K validation set: "
            f"{metrics['acc@1']:g} % top-1, {metrics['acc@5']:g} % top-5.",
            TORCHVISION_META,
            TORCHVISION_DOCS_URL,
        ),
    )


def about_facts(loaded: LoadedModel | None = None) -> tuple[Fact, ...]:
    """The paper's facts, then the facts of the model in this viewer."""
    return PAPER_FACTS + model_facts(loaded)
