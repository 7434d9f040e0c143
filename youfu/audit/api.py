from datetime import datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from youfu.audit.masking import mask_event_values
from youfu.audit.models import AuditEvent
from youfu.audit.selectors import AuditFilter, audit_events_for
from youfu.core.authed import acting_user
from youfu.core.bounds import BoundedDate, Identifier, Username
from youfu.core.pagination import PageNumberPagination

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

    # Masked as on the page and in the CSV: older events keep their rows, not their clear values.
    @staticmethod
    def resolve_old(obj: AuditEvent) -> Any:
        return mask_event_values(obj.event_type, obj.old, obj.new, obj.extra).old

    @staticmethod
    def resolve_new(obj: AuditEvent) -> Any:
        return mask_event_values(obj.event_type, obj.old, obj.new, obj.extra).new

    @staticmethod
    def resolve_extra(obj: AuditEvent) -> Any:
        return mask_event_values(obj.event_type, obj.old, obj.new, obj.extra).extra


class AuditQuery(Schema):
    event_type: Annotated[int, Field(ge=1, le=9999)] | None = None
    actor: Username = ""
    object_type: Identifier = ""
    object_id: Identifier = ""
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None


@router.get("/events", response=list[AuditEventOut])
@paginate(PageNumberPagination)
def list_events(request: HttpRequest, filters: Query[AuditQuery]) -> QuerySet[AuditEvent]:
    """The audit log, newest first; auditors only."""
    return audit_events_for(acting_user(request), AuditFilter(**filters.dict()))
