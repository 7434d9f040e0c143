"""Files attached to a petition: JPEG, PNG or PDF by their first bytes, at most 10 MB."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.petitions.models import (
    Attachment,
    Petition,
)
from youfu.petitions.services._common import (
    _require_casework,
    _require_visible,
)
from youfu.petitions.validation import invalid

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_PUBLIC_ATTACHMENTS = 5
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


def check_upload(upload: UploadedFile, field_name: str = "file") -> tuple[str, str, bytes]:
    """(content type, sha256, bytes) of an acceptable file: a JPEG, PNG or PDF by its first
    bytes (not only its name), at most 10 MB."""
    name = upload.name or ""
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise invalid(
            field_name,
            gettext_noop("%(name)s is larger than 10 MB."),
            {"name": name},
            code="attachment_too_large",
        )
    upload.seek(0)
    content = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise invalid(
            field_name,
            gettext_noop("%(name)s is larger than 10 MB."),
            {"name": name},
            code="attachment_too_large",
        )
    content_type = sniff_content_type(content[:16])
    if content_type is None or not name.lower().endswith(_EXTENSIONS[content_type]):
        raise invalid(
            field_name,
            gettext_noop("%(name)s is not a JPEG or PNG image or a PDF file."),
            {"name": name},
            code="attachment_type",
        )
    return content_type, hashlib.sha256(content).hexdigest(), content


def _store_attachment(
    petition: Petition,
    upload: UploadedFile,
    content_type: str,
    digest: str,
    content: bytes,
    acting_user: User | None,
) -> Attachment:
    attachment = Attachment(
        petition=petition,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=acting_user,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def do_add_attachment(petition: Petition, upload: UploadedFile, *, acting_user: User) -> Attachment:
    _require_casework(acting_user)
    _require_visible(petition, acting_user)
    content_type, digest, content = check_upload(upload)
    stored: list[str] = []
    try:
        with transaction.atomic():
            attachment = _store_attachment(petition, upload, content_type, digest, content, acting_user)
            stored.append(attachment.file.name)
            record_event(
                EventType.PETITION_ATTACHMENT_ADDED,
                actor=acting_user,
                region=petition.region_id,
                obj=petition,
                new={"attachment": attachment.pk, "content_type": content_type, "size": attachment.size},
            )
    except BaseException:
        _delete_files(stored)
        raise
    return attachment
