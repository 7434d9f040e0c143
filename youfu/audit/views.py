from __future__ import annotations

import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation

from youfu.audit.events import EVENT_LABELS, EventType
from youfu.audit.forms import AuditSearchForm
from youfu.audit.masking import describe_changes, mask_event_values
from youfu.audit.selectors import AuditFilter, audit_events_for
from youfu.audit.services import record_event
from youfu.core.authed import acting_user
from youfu.core.csvio import SafeCsvWriter
from youfu.core.roles import Capability
from youfu.core.views import capability_required


def _filters(form: AuditSearchForm) -> AuditFilter:
    if not form.is_valid():
        return AuditFilter()
    return AuditFilter(**form.cleaned_data)


def _label(event_type: int) -> str:
    try:
        return str(EVENT_LABELS.get(EventType(event_type), event_type))
    except ValueError:
        return str(event_type)


@capability_required(Capability.READ_AUDIT)
def audit_search_view(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    events = audit_events_for(acting_user(request), _filters(form))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page:
        event.label = _label(event.event_type)  # type: ignore[attr-defined]
        # Masked on the way out too: events written before personal values were masked at
        # the source keep their rows (the chain), never their clear values on this page.
        event.changes = describe_changes(  # type: ignore[attr-defined]
            event.event_type, event.old, event.new, event.extra
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@capability_required(Capability.READ_AUDIT)
def audit_export_view(request: HttpRequest) -> HttpResponseBase:
    """The filtered log as CSV (UTF-8 with BOM, so Excel opens it). The export is itself audited."""
    form = AuditSearchForm(request.GET or None)
    filters = _filters(form)
    events = audit_events_for(acting_user(request), filters)
    record_event(
        EventType.AUDIT_EXPORTED,
        actor=acting_user(request),
        extra={"filters": {k: v for k, v in filters.__dict__.items() if v}, "count": events.count()},
    )
    writer = SafeCsvWriter(_Echo())

    def as_json(value: object) -> str:
        return json.dumps(value, ensure_ascii=False) if value is not None else ""

    language = translation.get_language()

    def rows() -> Iterator[str]:
        # The body streams after the view returns: keep the auditor's language for the labels.
        with translation.override(language):
            yield from _rows()

    def _rows() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow(
            [
                "seq",
                "time",
                "type",
                "label",
                "actor",
                "region",
                "object_type",
                "object_id",
                "old",
                "new",
                "extra",
                "ip",
                "channel",
                "hash",
                "changes",
            ]
        )
        for e in events.iterator(chunk_size=2000):
            masked = mask_event_values(e.event_type, e.old, e.new, e.extra)
            yield writer.writerow(
                [
                    e.seq,
                    timezone.localtime(e.created_at).isoformat(),
                    e.event_type,
                    _label(e.event_type),
                    e.actor_name,
                    e.region_id or "",
                    e.object_type,
                    e.object_id,
                    as_json(masked.old),
                    as_json(masked.new),
                    as_json(masked.extra),
                    e.ip or "",
                    e.channel,
                    e.hash,
                    "; ".join(str(line) for line in describe_changes(e.event_type, e.old, e.new, e.extra)),
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
