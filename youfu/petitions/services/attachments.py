"""Files attached to a petition: JPEG, PNG or PDF by their first bytes, at most 10 MB
(the check is ``youfu/core/uploads.py``, shared with relief's documents)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.uploads import MAX_ATTACHMENT_BYTES as MAX_ATTACHMENT_BYTES
from youfu.core.uploads import check_upload as check_upload
from youfu.core.uploads import sniff_content_type as sniff_content_type
from youfu.petitions.models import (
    Attachment,
    Petition,
)
from youfu.petitions.services._common import (
    _require_casework,
    _require_visible,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_PUBLIC_ATTACHMENTS = 5


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
