"""Live input for the viewer: camera, video file, picture folder, synthetic frames.

Every source is a ``FrameSource`` (see base.py) emitting (H, W, 3) uint8 RGB arrays.
Importing this package never loads Qt Multimedia; ask ``multimedia_status()`` before
offering the camera or video actions.
"""

from alexnet_viewer.qt.live.availability import multimedia_status
from alexnet_viewer.qt.live.base import FrameSource
from alexnet_viewer.qt.live.camera import (
    NO_CAMERA_MESSAGE,
    CameraSource,
    available_cameras,
)
from alexnet_viewer.qt.live.frames import qimage_to_array, video_frame_to_array
from alexnet_viewer.qt.live.slideshow import SlideshowSource
from alexnet_viewer.qt.live.synthetic import SyntheticPattern, SyntheticSource
from alexnet_viewer.qt.live.video import VideoSource

__all__ = [
    "NO_CAMERA_MESSAGE", "CameraSource", "FrameSource", "SlideshowSource", "SyntheticPattern",
    "SyntheticSource", "VideoSource", "available_cameras", "multimedia_status",
    "qimage_to_array", "video_frame_to_array",
]
