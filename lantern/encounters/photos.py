"""Photographs of injuries: checked, re-encoded without any metadata, and shrunk for lists.

Re-encoding the pixels is what removes EXIF, GPS and every other embedded field: nothing
from the uploaded file but the picture itself is kept. Orientation is applied first so the
picture still looks right without its EXIF orientation tag.
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


def _jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88, optimize=True)  # no exif=: nothing carried over
    return out.getvalue()


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
        upright = ImageOps.exif_transpose(picture).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise PhotoError(_("The file is not a photo Lantern can read.")) from None
    thumbnail = upright.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    return CleanPhoto(_jpeg(upright), _jpeg(thumbnail), upright.width, upright.height)
