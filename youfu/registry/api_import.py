"""POST /api/v1/registry/imports and the template, for scripts.

No ``from __future__ import annotations`` here: django-ninja reads the annotations.
"""

import io
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_noop
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.importing import MAX_UPLOAD_BYTES, import_registry
from youfu.registry.template import CONTENT_TYPE, FILENAME, registry_template

router = Router(tags=["registry"])

_TRUE = {"1", "true", "yes", "on"}


class RowNoteOut(Schema):
    row: int
    column: str
    message: str
    message_zh: str
    message_en: str


class RegistryImportOut(Schema):
    ok: bool
    dry_run: bool
    rows: int
    persons_created: int
    qualifications_created: int
    persons_updated: int
    errors: list[RowNoteOut]
    warnings: list[RowNoteOut]


def _flag(request: HttpRequest, name: str, query_value: bool) -> bool:
    return query_value or str(request.POST.get(name, "")).strip().lower() in _TRUE


@router.post("/imports", response=RegistryImportOut)
def import_registry_file(
    request: HttpRequest, file: File[UploadedFile], dry_run: bool = False, update: bool = False
) -> dict[str, Any]:
    """Upload an .xlsx or .csv (multipart ``file``); ``dry_run`` and ``update`` as query or form
    fields. All or nothing: 400 ``import_rejected`` with every bad row in ``error.rows``."""
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            Message(gettext_noop("The file is larger than 64 MB; split it.")), code="too_large"
        )
    result = import_registry(
        file.read(),
        file.name or "",
        acting_user=acting_user(request),
        dry_run=_flag(request, "dry_run", dry_run),
        update=_flag(request, "update", update),
    )
    return result.as_dict()


@router.get("/imports/template")
def import_template(request: HttpRequest) -> FileResponse:
    """The .xlsx template: the canonical columns, text-formatted ID and account columns, lists."""
    require(acting_user(request), Capability.WRITE_REGISTRY)
    townships = (
        regions_for(acting_user(request)).filter(level=RegionLevel.TOWNSHIP).values_list("name", flat=True)
    )
    content = registry_template(list(townships))
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=FILENAME, content_type=CONTENT_TYPE)
