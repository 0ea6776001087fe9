"""Every tests/gpu comparison in full float32: TF32 trades precision for speed by design."""

import pytest
import torch


@pytest.fixture(autouse=True)
def full_float32():
    switches = [(torch.backends.cudnn, "allow_tf32"), (torch.backends.cuda.matmul, "allow_tf32")]
    saved = [getattr(module, name) for module, name in switches]
    for module, name in switches:
        setattr(module, name, False)
    yield
    for (module, name), value in zip(switches, saved):
        setattr(module, name, value)
