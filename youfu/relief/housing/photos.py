"""A survey photo, checked and cleaned: it must really be a JPEG or PNG image of bounded size and
pixel count (a small file that decodes to gigabytes is refused before it is decoded), and what
is stored is re-encoded from its pixels alone, so no EXIF (the GPS position of the house, the
camera, the time), XMP, ICC profile or text chunk survives."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

from youfu.core.errors import InvalidInput
from youfu.core.messages import Message

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A 40-megapixel phone camera's photo; decoding more would hold ~160 MB of memory per upload.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def _refuse(msgid: str, code: str, name: str, field: str) -> InvalidInput:
    message = Message(msgid, {"name": name})
    return InvalidInput(message, code=code, fields={field: message})


NOT_AN_IMAGE = gettext_noop("%(name)s is not a JPEG or PNG photo.")
TOO_MANY_PIXELS = gettext_noop("%(name)s has too many pixels (at most 40 megapixels).")


def clean_photo(upload: UploadedFile, field: str = "file") -> CleanPhoto:
    """The upload re-encoded from its pixels, or a 400 (``InvalidInput``) saying why not."""
    name = (upload.name or "")[-200:]
    if (upload.size or 0) > MAX_PHOTO_BYTES:
        raise _refuse(gettext_noop("%(name)s is larger than 10 MB."), "photo_too_large", name, field)
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse(gettext_noop("%(name)s is larger than 10 MB."), "photo_too_large", name, field)
    sniffed = next((fmt for magic, fmt in _MAGIC if data.startswith(magic)), None)
    if sniffed is None:
        raise _refuse(NOT_AN_IMAGE, "photo_type", name, field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[sniffed]) as image:
                width, height = image.size
                # The header's size is checked before a single pixel is decoded.
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE or min(width, height) < 1:
                    raise _refuse(TOO_MANY_PIXELS, "photo_too_many_pixels", name, field)
                image.load()
                # Turned upright as the camera meant it, since the orientation tag goes too.
                upright = ImageOps.exif_transpose(image)
                content = _reencode(upright if upright is not None else image, sniffed)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(TOO_MANY_PIXELS, "photo_too_many_pixels", name, field) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Warning):
        raise _refuse(NOT_AN_IMAGE, "photo_type", name, field) from None
    return CleanPhoto(content, _FORMATS[sniffed], width, height, hashlib.sha256(content).hexdigest())


def _reencode(image: Image.Image, fmt: str) -> bytes:
    """A new image from the pixels only: the source's ``info`` (EXIF, XMP, ICC, text) is not
    carried over, and nothing is passed to ``save`` that would write metadata."""
    keep = ("RGB", "L") if fmt == "JPEG" else ("RGB", "RGBA", "L", "LA")
    if image.mode not in keep:
        image = image.convert("RGBA" if fmt == "PNG" and image.mode in ("P", "PA", "LA", "RGBa") else "RGB")
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        pixels.save(out, format="JPEG", quality=85, optimize=True)
    else:
        pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()
