"""Live input for the viewer: camera, video file, picture folder, synthetic frames.

Every source is a ``FrameSource`` (see base.py) emitting frames: (H, W, 3) uint8 RGB arrays,
or camera and video frames that the engine worker converts. Importing this package does
not load Qt Multimedia; ``multimedia_status()`` does (the window asks it once, when it is
built) and says why, so a missing system library greys out the camera and video actions
instead of failing.
"""

from alexnet_viewer.qt.live.availability import multimedia_status
from alexnet_viewer.qt.live.base import FrameSource
from alexnet_viewer.qt.live.camera import (
    NO_CAMERA_MESSAGE,
    CameraSource,
    available_cameras,
)
from alexnet_viewer.qt.live.frames import PendingFrame, frame_array, qimage_to_array, video_frame_to_array
from alexnet_viewer.qt.live.slideshow import SlideshowSource
from alexnet_viewer.qt.live.synthetic import SyntheticPattern, SyntheticSource
from alexnet_viewer.qt.live.video import VideoSource

__all__ = [
    "NO_CAMERA_MESSAGE", "CameraSource", "FrameSource", "PendingFrame", "SlideshowSource", "SyntheticPattern",
    "SyntheticSource", "VideoSource", "available_cameras", "multimedia_status",
    "frame_array", "qimage_to_array", "video_frame_to_array",
]
