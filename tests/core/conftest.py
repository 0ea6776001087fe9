import numpy as np
import pytest


@pytest.fixture(scope="session")
def loaded_model():
    from alexnet_viewer.core.model import WeightsSpec, load_model

    return load_model(WeightsSpec.random(seed=0), device="cpu")


@pytest.fixture(scope="session")
def engine(loaded_model):
    from alexnet_viewer.core.engine import Engine

    return Engine(loaded_model)


@pytest.fixture(scope="session")
def frame():
    """A camera-sized picture with structure at several scales."""
    rows, cols = np.mgrid[0:480, 0:640]
    red = (np.sin(cols / 9.0) * 127 + 128).astype(np.uint8)
    green = ((rows // 40 + cols // 40) % 2 * 255).astype(np.uint8)
    blue = ((rows + cols) % 256).astype(np.uint8)
    return np.stack([red, green, blue], axis=-1)
