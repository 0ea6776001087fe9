import numpy as np
import pytest


@pytest.fixture(scope="session")
def frame():
    """A camera-sized picture with structure at several scales."""
    rows, cols = np.mgrid[0:480, 0:640]
    red = (np.sin(cols / 9.0) * 127 + 128).astype(np.uint8)
    green = ((rows // 40 + cols // 40) % 2 * 255).astype(np.uint8)
    blue = ((rows + cols) % 256).astype(np.uint8)
    return np.stack([red, green, blue], axis=-1)
