"""AlexNet Viewer: watch AlexNet see a picture, layer by layer."""

__version__ = "0.1.0"
