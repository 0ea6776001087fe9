"""The project's exceptions: each carries one human sentence for the user."""


class ViewerError(Exception):
    """Base class; ``str(error)`` is a complete sentence fit for a dialog or stderr."""


class ImageLoadError(ViewerError):
    """A file or buffer could not be turned into an RGB picture."""


class WeightsError(ViewerError):
    """Weights could not be obtained or were refused."""


class WeightsUnavailableError(WeightsError):
    """Pretrained weights are not cached and cannot be downloaded (offline)."""


class DeviceError(ViewerError, ValueError):
    """The requested compute device does not exist or is not usable here."""
