"""Photographs of injuries: checked, re-encoded without any metadata, and shrunk for lists.

Only the pixels of an upload are kept. Orientation is applied first, so the picture still
looks right without its EXIF tag; the pixels are then copied into a new image that carries
nothing else (Pillow would otherwise write a JPEG comment it read back out), and the encoded
JPEG is checked segment by segment: every application segment (APP0-APP15: JFIF, EXIF, XMP,
ICC profiles, Photoshop/IPTC, ...) and every comment segment is removed, so no metadata of
any kind reaches storage, whether it came in as JPEG segments, PNG chunks (tEXt, zTXt,
iTXt, eXIf, tIME, iCCP) or WebP chunks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})
THUMBNAIL_SIZE = (320, 320)
STORED_TYPE = "image/jpeg"


class PhotoError(ValueError):
    """The upload is not an image Lantern accepts; the message says why, in the reader's
    language (staff see it on the visit page)."""


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str = STORED_TYPE


# JPEG markers: start and end of image, start of scan, restart markers (no length field),
# and the segments that hold metadata rather than the picture.
_SOI, _EOI, _SOS, _TEM = 0xD8, 0xD9, 0xDA, 0x01
_RESTART = range(0xD0, 0xD8)
_APP = range(0xE0, 0xF0)
_COM = 0xFE


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment before the compressed picture data."""
    if data[:2] != b"\xff\xd8":
        raise PhotoError(_("The file is not a photo Lantern can read."))
    found, at = [], 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise PhotoError(_("The file is not a photo Lantern can read."))
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _RESTART or marker in (_SOI, _TEM):
            at += 2
            continue
        if marker == _EOI:
            break
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        found.append((marker, at, end))
        if marker == _SOS:  # the compressed picture follows: nothing after it is metadata
            break
        at = end
    return found


def metadata_segments(data: bytes) -> list[str]:
    """Names of the metadata segments in a JPEG (``APP1``, ``COM``, ...): empty when clean."""
    return [
        "COM" if marker == _COM else f"APP{marker - 0xE0}"
        for marker, _start, _end in _segments(data)
        if marker in _APP or marker == _COM
    ]


def strip_metadata(data: bytes) -> bytes:
    """The same JPEG without any application or comment segment."""
    kept, at = [data[:2]], 2
    for marker, start, end in _segments(data):
        if marker in _APP or marker == _COM:
            kept.append(data[at:start])
            at = end
    kept.append(data[at:])
    return b"".join(kept)


def _pixels_only(picture: Image.Image) -> Image.Image:
    """A new image with the same RGB pixels and nothing else (no info, no EXIF, no ICC)."""
    rgb = picture.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88, optimize=True)
    clean = strip_metadata(out.getvalue())
    if metadata_segments(clean):  # never store a photo this check cannot vouch for
        raise PhotoError(_("The file is not a photo Lantern can read."))
    return clean


def clean_photo(data: bytes) -> CleanPhoto:
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(_("The photo is larger than 10 MB."))
    if not data:
        raise PhotoError(_("The file is empty."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        picture = Image.open(io.BytesIO(data))
        if picture.format not in ACCEPTED_FORMATS:
            raise PhotoError(_("Only JPEG, PNG or WebP photos are accepted."))
        if picture.width * picture.height > MAX_PIXELS:
            raise PhotoError(_("The photo has too many pixels."))
        upright = _pixels_only(ImageOps.exif_transpose(picture))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise PhotoError(_("The file is not a photo Lantern can read.")) from None
    thumbnail = upright.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    return CleanPhoto(_jpeg(upright), _jpeg(thumbnail), upright.width, upright.height)
