"""Test videos written by the tests themselves: a RIFF AVI holding Motion-JPEG frames
encoded by Pillow (no video encoder is needed, and FFmpeg decodes MJPEG everywhere)."""

import io
import struct

from PIL import Image


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, body: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(body) + 4) + kind + body


def write_mjpeg_avi(path, frames, fps):
    """A minimal AVI 1.0 file (one MJPG video stream with an idx1 index)."""
    jpegs = []
    for frame in frames:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, "JPEG", quality=95)
        jpegs.append(buffer.getvalue())
    height, width = frames[0].shape[:2]
    count, biggest = len(jpegs), max(len(j) for j in jpegs)
    avih = struct.pack("<14I", 1_000_000 // fps, biggest * fps, 0, 0x10, count, 0, 1, biggest,
                       width, height, 0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIII4h", b"vids", b"MJPG", 0, 0, 0, 0, 1, fps, 0, count,
                       biggest, 0xFFFFFFFF, 0, 0, 0, width, height)
    strf = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3,
                       0, 0, 0, 0)
    header = _list(b"hdrl", _chunk(b"avih", avih)
                   + _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf)))
    movi, index = b"", b""
    for jpeg in jpegs:
        index += struct.pack("<4sIII", b"00dc", 0x10, 4 + len(movi), len(jpeg))  # keyframe
        movi += _chunk(b"00dc", jpeg)
    body = b"AVI " + header + _list(b"movi", movi) + _chunk(b"idx1", index)
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(body)) + body)
