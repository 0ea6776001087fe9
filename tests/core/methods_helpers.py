"""Shared pieces of the method-vs-reference tests: one picture, one reference copy, one comparison."""

import copy

import numpy as np
import torch

from alexnet_viewer.core.explain.methods import MethodRunner
from alexnet_viewer.core.frame.preprocess import Preprocessor
from alexnet_viewer.core.pictures.images import image_to_array, load_image
from alexnet_viewer.core.pictures.samples import list_samples


def method_setup(loaded_model):
    """(runner, normalised batch, reference copy with out-of-place ReLUs, its top-1)."""
    picture = image_to_array(load_image(list_samples()[0][1]))
    batch, _ = Preprocessor(loaded_model.transforms, loaded_model.device)(picture)
    reference = copy.deepcopy(loaded_model.model).requires_grad_(False)
    for module in reference.modules():
        if isinstance(module, torch.nn.ReLU):
            module.inplace = False
    with torch.no_grad():
        top1 = int(reference(batch).argmax())
    return MethodRunner(loaded_model), batch, reference, top1


def assert_same(ours, theirs):
    """Equal within 1e-5 of the reference map's largest magnitude (the issue's tolerance)."""
    theirs = np.asarray(theirs, dtype=np.float32)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    scale = float(np.abs(theirs).max())
    assert scale > 0, "the reference map is all zero: the comparison would prove nothing"
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5 * scale)
