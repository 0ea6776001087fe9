"""Naming a picture format from its first bytes, only to word error messages."""

from __future__ import annotations

import re

_BMP_HEADER_SIZES = (12, 16, 40, 52, 56, 64, 108, 124)

# Signatures of formats we refuse, so the message can say what the file really is.
_FOREIGN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"8BPS", "PSD"),
    (b"icns", "ICNS"),
    (b"DDS ", "DDS"),
    (b"qoif", "QOI"),
    (b"gimp xcf", "XCF"),
    (b"%PDF", "PDF"),
    (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"SIMPLE  =", "FITS"),
    (b"\x59\xa6\x6a\x95", "Sun raster"),
    (b"\x01\xda", "SGI"),
    (b"\x76\x2f\x31\x01", "OpenEXR"),
    (b"#?RADIANCE", "Radiance HDR"),
    (b"#?RGBE", "Radiance HDR"),
    (b"farbfeld", "farbfeld"),
    (b"BLP1", "BLP"),
    (b"BLP2", "BLP"),
    (b"FTEX", "FTEX"),
    (b"\x53\x80\xf6\x34", "Cineon"),
    (b"SDPX", "DPX"),
    (b"XPDS", "DPX"),
)


def sniff_format(head: bytes) -> str | None:
    """Name the format from its magic bytes; used only to word error messages."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and len(head) >= 18:
        if int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
            return "BMP"
    for signature, kind in _FOREIGN_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "HEIF"
    if re.match(rb"P[1-7]\s", head[:3]) or head[:3] in (b"PF\n", b"Pf\n"):
        return "PNM"
    if len(head) >= 4 and head[0] == 0x0A and head[1] in (0, 2, 3, 4, 5) and head[2] == 1:
        return "PCX"
    if head[:4] == b"FORM" and head[8:12] in (b"ILBM", b"PBM "):
        return "IFF"
    text = head.lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG"
    return None
