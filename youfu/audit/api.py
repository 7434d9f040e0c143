from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from youfu.api.pagination import PageNumberPagination
from youfu.audit.models import AuditEvent
from youfu.audit.selectors import AuditFilter, audit_events_for

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    event_type: int
    created_at: datetime
    actor: str = Field(alias="actor_name")
    region: str | None = Field(None, alias="region_id")
    object_type: str
    object_id: str
    old: Any
    new: Any
    extra: Any
    ip: str | None
    channel: str


class AuditQuery(Schema):
    event_type: int | None = None
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


@router.get("/events", response=list[AuditEventOut])
@paginate(PageNumberPagination)
def list_events(request: HttpRequest, filters: Query[AuditQuery]) -> QuerySet[AuditEvent]:
    """The audit log, newest first; auditors only."""
    return audit_events_for(request.user, AuditFilter(**filters.dict()))
