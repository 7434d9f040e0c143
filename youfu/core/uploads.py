"""Uploaded documents checked by their content, not their name: a JPEG, PNG or PDF by its first
bytes (and a name that agrees), at most 10 MB. Petitions' attachments and relief's documents use
this one check."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.messages import Message

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
_EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
}


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _invalid(field_name: str, msgid: str, name: str, code: str) -> InvalidInput:
    message = Message(msgid, {"name": name})
    return InvalidInput(message, code=code, fields={field_name: message})


def check_upload(upload: UploadedFile, field_name: str = "file") -> tuple[str, str, bytes]:
    """(content type, sha256, bytes) of an acceptable file: a JPEG, PNG or PDF by its first
    bytes (not only its name), at most 10 MB."""
    name = upload.name or ""
    too_large = gettext_noop("%(name)s is larger than 10 MB.")
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise _invalid(field_name, too_large, name, "attachment_too_large")
    upload.seek(0)
    content = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise _invalid(field_name, too_large, name, "attachment_too_large")
    content_type = sniff_content_type(content[:16])
    if content_type is None or not name.lower().endswith(_EXTENSIONS[content_type]):
        not_a_document = gettext_noop("%(name)s is not a JPEG or PNG image or a PDF file.")
        raise _invalid(field_name, not_a_document, name, "attachment_type")
    return content_type, hashlib.sha256(content).hexdigest(), content
