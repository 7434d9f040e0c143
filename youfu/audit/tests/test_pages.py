from __future__ import annotations

import pytest
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.services import record_event
from youfu.testing import World, log_in


@pytest.fixture
def events(world: World) -> None:
    record_event(EventType.USER_CHANGED, actor=world.admin, obj=world.county_clerk, new={"role": "leader"})
    record_event(EventType.LOGIN_SUCCEEDED, actor=world.county_clerk, obj=world.county_clerk)
    record_event(EventType.LOGIN_SUCCEEDED, actor=world.other_township_clerk, obj=world.other_township_clerk)


@pytest.mark.django_db
@pytest.mark.usefixtures("events")
class TestAuditSearch:
    def test_only_auditors_read_the_log(self, world: World, client: Client) -> None:
        for persona in (world.admin, world.county_clerk, world.leader):
            log_in(client, persona)
            assert client.get("/audit/").status_code == 403
            assert client.get("/audit/export.csv").status_code == 403

    def test_it_filters_by_type_and_actor(self, world: World, client: Client) -> None:
        log_in(client, world.auditor)
        page = client.get("/audit/", {"event_type": int(EventType.LOGIN_SUCCEEDED), "actor": "clerk"})
        rows = page.context["page"].object_list
        assert [(e.event_type, e.actor_name) for e in rows] == [(EventType.LOGIN_SUCCEEDED, "clerk")]

    def test_the_export_is_csv_and_is_itself_audited(self, world: World, client: Client) -> None:
        log_in(client, world.auditor)
        response = client.get("/audit/export.csv", {"actor": "admin"})
        body = b"".join(response.streaming_content).decode("utf-8")
        assert body.startswith("\ufeffseq,time,type")
        assert len(body.strip().splitlines()) == 2  # header + the one admin event
        exported = AuditEvent.objects.get(event_type=EventType.AUDIT_EXPORTED)
        assert exported.actor_name == "auditor" and exported.extra["count"] == 1

    def test_the_api_lists_events_for_auditors_only(self, world: World, client: Client) -> None:
        log_in(client, world.auditor)
        body = client.get("/api/v1/audit/events?page_size=2").json()
        assert body["count"] == 3 and len(body["results"]) == 2
        assert body["results"][0]["seq"] == 3
        log_in(client, world.county_clerk)
        assert client.get("/api/v1/audit/events").status_code == 403
