"""Reception days (领导接待日) changed and cancelled: through the services, the pages and the
API. Today is Monday 16 June 2025 (conftest); a day before it is history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from youfu.core.roles import Role
from youfu.petitions.models import ReceptionDay
from youfu.petitions.selectors import reception_days_for_intake, upcoming_reception_days
from youfu.petitions.services import (
    do_cancel_reception_day,
    do_create_reception_day,
    do_update_reception_day,
)
from youfu.petitions.tests.factories import register
from youfu.petitions.tests.test_api import bearer, post
from youfu.regions.models import Region
from youfu.testing import World, log_in, make_user

pytestmark = pytest.mark.django_db


def reception_day(
    world: World, *, on: date = date(2025, 6, 20), region: Region | None = None
) -> ReceptionDay:
    return do_create_reception_day(
        region=region or world.county,
        on=on,
        time="9:00–12:00",
        place="县信访接待大厅",
        leader=world.leader,
        leader_name="张局长",
        topics="优抚待遇",
        acting_user=world.county_clerk,
    )


def change(day: ReceptionDay, user: User, **overrides: Any) -> ReceptionDay:
    values: dict[str, Any] = {
        "on": day.date,
        "time": day.time,
        "place": day.place,
        "leader": day.leader,
        "leader_name": day.leader_name,
        "leader_title": day.leader_title,
        "topics": day.topics,
    }
    values.update(overrides)
    return do_update_reception_day(day, acting_user=user, **values)


def audits(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("seq"))


class TestChanging:
    def test_it_changes_the_day_and_audits_old_and_new(self, world: World) -> None:
        day = reception_day(world)
        change(day, world.county_clerk, on=date(2025, 6, 27), place="县政府二楼会议室")
        day.refresh_from_db()
        assert (day.date, day.place, day.leader_name) == (date(2025, 6, 27), "县政府二楼会议室", "张局长")
        [event] = audits(EventType.RECEPTION_DAY_CHANGED)
        assert event.event_type == 431 and event.actor_name == world.county_clerk.username
        assert event.old == {"date": "2025-06-20", "place": "县信访接待大厅"}
        assert event.new == {"date": "2025-06-27", "place": "县政府二楼会议室"}
        assert event.region_id == world.county.code

    def test_a_change_that_changes_nothing_writes_nothing(self, world: World) -> None:
        day = reception_day(world)
        change(day, world.county_clerk)
        assert audits(EventType.RECEPTION_DAY_CHANGED) == []

    def test_a_day_in_the_past_is_refused_in_both_languages(self, world: World) -> None:
        day = reception_day(world, on=date(2025, 6, 13))
        with pytest.raises(Conflict) as refused:
            change(day, world.county_clerk, place="别处")
        assert refused.value.code == "reception_day_past" and refused.value.status == 409
        assert "2025-06-13" in refused.value.message.en and "in the past" in refused.value.message.en
        assert "已过" in refused.value.message.zh
        day.refresh_from_db()
        assert day.place == "县信访接待大厅" and audits(EventType.RECEPTION_DAY_CHANGED) == []

    def test_today_is_not_the_past(self, world: World) -> None:
        day = reception_day(world, on=date(2025, 6, 16))
        assert change(day, world.county_clerk, time="14:00–17:00").time == "14:00–17:00"

    def test_it_cannot_be_moved_into_the_past(self, world: World) -> None:
        day = reception_day(world)
        with pytest.raises(InvalidInput) as refused:
            change(day, world.county_clerk, on=date(2025, 6, 10))
        assert "date" in refused.value.fields
        day.refresh_from_db()
        assert day.date == date(2025, 6, 20)

    def test_a_new_leader_with_the_old_name_left_takes_their_own_name(self, world: World) -> None:
        deputy = make_user("deputy", Role.LEADER, world.county, full_name="李副县长")
        day = reception_day(world)
        assert change(day, world.county_clerk, leader=deputy).leader_name == "李副县长"

    def test_the_same_checks_and_scope_as_creating(self, world: World) -> None:
        day = reception_day(world, region=world.township_a)
        with pytest.raises(NotFound):
            change(day, world.other_township_clerk, place="x")
        with pytest.raises(PermissionDenied):
            change(day, world.liaison, place="x")
        with pytest.raises(PermissionDenied):
            change(day, world.leader, place="x")
        assert change(day, world.township_clerk, place="镇政府").place == "镇政府"


class TestCancelling:
    def test_it_stays_on_record_and_is_audited(self, world: World) -> None:
        day = reception_day(world)
        do_cancel_reception_day(day, reason="领导临时出差", acting_user=world.county_clerk)
        assert day.is_cancelled  # the caller's copy follows the stored row
        day = ReceptionDay.objects.get(pk=day.pk)
        assert day.is_cancelled and day.cancelled_by == world.county_clerk
        assert day.cancel_reason == "领导临时出差"
        [event] = audits(EventType.RECEPTION_DAY_CANCELLED)
        assert event.event_type == 432 and event.new["reason"] == "领导临时出差"
        assert event.extra == {"date": "2025-06-20", "petitions": 0}

    def test_petitions_registered_at_it_keep_their_link(self, world: World) -> None:
        day = reception_day(world, on=date(2025, 6, 16))
        petition = register(world.county_clerk, world.county, channel="visit", reception=day)
        do_cancel_reception_day(day, reason="改期", acting_user=world.county_clerk)
        petition.refresh_from_db()
        assert petition.reception_id == day.pk
        assert audits(EventType.RECEPTION_DAY_CANCELLED)[0].extra["petitions"] == 1

    def test_it_leaves_the_public_list_and_the_intake_choices(self, world: World) -> None:
        kept, cancelled = reception_day(world), reception_day(world, on=date(2025, 6, 27))
        do_cancel_reception_day(cancelled, reason="改期", acting_user=world.county_clerk)
        assert list(upcoming_reception_days(date(2025, 6, 16))) == [kept]
        assert list(reception_days_for_intake(world.county_clerk)) == [kept]

    def test_a_visit_cannot_be_registered_at_a_cancelled_day(self, world: World) -> None:
        day = reception_day(world)
        do_cancel_reception_day(day, reason="改期", acting_user=world.county_clerk)
        with pytest.raises(InvalidInput) as refused:
            register(world.county_clerk, world.county, channel="visit", reception=day)
        assert refused.value.code == "reception_day_cancelled" and "reception" in refused.value.fields

    def test_cancelled_is_final(self, world: World) -> None:
        day = reception_day(world)
        do_cancel_reception_day(day, reason="改期", acting_user=world.county_clerk)
        with pytest.raises(Conflict) as twice:
            do_cancel_reception_day(day, reason="再次", acting_user=world.county_clerk)
        assert twice.value.code == "reception_day_cancelled"
        with pytest.raises(Conflict):
            change(day, world.county_clerk, place="别处")
        assert len(audits(EventType.RECEPTION_DAY_CANCELLED)) == 1

    def test_a_stale_copy_cannot_cancel_again(self, world: World) -> None:
        day = reception_day(world)
        stale = ReceptionDay.objects.get(pk=day.pk)
        do_cancel_reception_day(day, reason="改期", acting_user=world.county_clerk)
        with pytest.raises(Conflict):
            do_cancel_reception_day(stale, reason="再次", acting_user=world.county_clerk)
        assert ReceptionDay.objects.get(pk=day.pk).cancel_reason == "改期"

    def test_a_past_day_is_history(self, world: World) -> None:
        day = reception_day(world, on=date(2025, 6, 13))
        with pytest.raises(Conflict) as refused:
            do_cancel_reception_day(day, reason="x", acting_user=world.county_clerk)
        assert refused.value.code == "reception_day_past"
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled

    def test_a_reason_is_required(self, world: World) -> None:
        day = reception_day(world)
        with pytest.raises(InvalidInput):
            do_cancel_reception_day(day, reason="  ", acting_user=world.county_clerk)
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled

    def test_the_same_checks_and_scope_as_creating(self, world: World) -> None:
        day = reception_day(world, region=world.township_a)
        with pytest.raises(NotFound):
            do_cancel_reception_day(day, reason="x", acting_user=world.other_township_clerk)
        with pytest.raises(PermissionDenied):
            do_cancel_reception_day(day, reason="x", acting_user=world.liaison)
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled


def edit_form(day: ReceptionDay, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": day.date.isoformat(),
        "time": day.time,
        "place": day.place,
        "leader": day.leader_id or "",
        "leader_name": day.leader_name,
        "leader_title": day.leader_title,
        "topics": day.topics,
    }
    data.update(overrides)
    return data


class TestThePages:
    def test_the_detail_page_offers_change_and_cancel_to_the_office(
        self, world: World, client: Client
    ) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/receptions/{day.pk}/").content.decode()
        assert f'action="/petitions/receptions/{day.pk}/edit/"' in html
        assert f'action="/petitions/receptions/{day.pk}/cancel/"' in html
        assert "csrfmiddlewaretoken" in html and "取消接待日" in html

    def test_no_buttons_for_a_reader_or_for_a_past_day(self, world: World, client: Client) -> None:
        day, past = reception_day(world), reception_day(world, on=date(2025, 6, 2))
        log_in(client, world.leader)
        assert 'data-action="cancel"' not in client.get(f"/petitions/receptions/{day.pk}/").content.decode()
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/receptions/{past.pk}/").content.decode()
        assert 'data-action="edit"' not in html and 'data-testid="past"' in html

    def test_a_clerk_changes_the_place(self, world: World, client: Client) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        response = client.post(f"/petitions/receptions/{day.pk}/edit/", edit_form(day, place="县政府二楼"))
        assert response.status_code == 302
        day.refresh_from_db()
        assert day.place == "县政府二楼" and day.leader == world.leader

    def test_a_form_error_keeps_the_form_open(self, world: World, client: Client) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        response = client.post(f"/petitions/receptions/{day.pk}/edit/", edit_form(day, date="2025-06-02"))
        html = response.content.decode()
        assert response.status_code == 200 and 'data-action="edit" open' in html and "errorlist" in html
        assert ReceptionDay.objects.get(pk=day.pk).date == date(2025, 6, 20)

    def test_changing_a_past_day_is_refused_in_the_pages_language(self, world: World, client: Client) -> None:
        past = reception_day(world, on=date(2025, 6, 2))
        log_in(client, world.county_clerk)
        response = client.post(
            f"/petitions/receptions/{past.pk}/edit/", edit_form(past, place="别处"), follow=True
        )
        html = response.content.decode()
        assert "2025-06-02" in html and "已过" in html and "is in the past" not in html
        assert ReceptionDay.objects.get(pk=past.pk).place == "县信访接待大厅"

    def test_cancelling_marks_it_everywhere(self, world: World, client: Client) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        response = client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": "领导临时出差"})
        assert response.status_code == 302 and ReceptionDay.objects.get(pk=day.pk).is_cancelled
        detail = client.get(f"/petitions/receptions/{day.pk}/").content.decode()
        assert 'data-testid="cancellation"' in detail and "领导临时出差" in detail
        assert 'data-action="cancel"' not in detail
        assert 'data-testid="cancelled"' in client.get("/petitions/receptions/").content.decode()
        register_page = client.get("/petitions/new/").content.decode()
        assert f'<option value="{day.pk}"' not in register_page
        assert "张局长" not in client.get("/p/receptions/").content.decode()

    def test_a_cancellation_needs_a_reason(self, world: World, client: Client) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        response = client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": ""})
        assert response.status_code == 200 and 'data-action="cancel" open' in response.content.decode()
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled

    def test_outsiders_and_readers_change_nothing(self, world: World, client: Client) -> None:
        day = reception_day(world, region=world.township_a)
        log_in(client, world.other_township_clerk)
        assert client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": "x"}).status_code == 404
        assert client.post(f"/petitions/receptions/{day.pk}/edit/", edit_form(day)).status_code == 404
        log_in(client, world.leader)
        assert client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": "x"}).status_code == 403
        log_in(client, world.liaison)
        assert client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": "x"}).status_code == 403
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled

    def test_the_forms_need_the_csrf_token(self, world: World) -> None:
        day = reception_day(world)
        client = Client(enforce_csrf_checks=True)
        log_in(client, world.county_clerk)
        assert client.post(f"/petitions/receptions/{day.pk}/cancel/", {"reason": "x"}).status_code == 403
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled

    def test_the_english_page(self, world: World, client: Client) -> None:
        day = reception_day(world)
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/receptions/{day.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Cancel this reception day" in html and "Change this reception day" in html


class TestTheApi:
    url = "/api/v1/petitions/reception-days"

    def test_patch_changes_only_what_is_sent(self, world: World, client: Client) -> None:
        day = reception_day(world)
        response = client.patch(
            f"{self.url}/{day.pk}",
            {"place": "县政府二楼", "date": "2025-06-23"},
            content_type="application/json",
            **bearer(world.county_clerk),
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["place"], body["date"], body["leader"], body["topics"]) == (
            "县政府二楼",
            "2025-06-23",
            "leader",
            "优抚待遇",
        )
        assert body["cancelled_at"] is None

    def test_a_past_day_answers_409_with_the_envelope(self, world: World, client: Client) -> None:
        past = reception_day(world, on=date(2025, 6, 2))
        response = client.patch(
            f"{self.url}/{past.pk}",
            {"place": "别处"},
            content_type="application/json",
            **bearer(world.county_clerk),
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "reception_day_past"

    def test_cancel_then_cancel_again(self, world: World, client: Client) -> None:
        day = reception_day(world)
        cancelled = post(client, world.county_clerk, f"{self.url}/{day.pk}/cancel", {"reason": "改期"})
        assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "改期"
        assert cancelled.json()["cancelled_at"] is not None
        again = post(client, world.county_clerk, f"{self.url}/{day.pk}/cancel", {"reason": "改期"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "reception_day_cancelled"
        upcoming = client.get(f"{self.url}?upcoming=true", **bearer(world.county_clerk)).json()
        assert upcoming["count"] == 0
        assert client.get(self.url, **bearer(world.county_clerk)).json()["count"] == 1

    def test_a_cancellation_without_a_reason_is_400(self, world: World, client: Client) -> None:
        day = reception_day(world)
        response = post(client, world.county_clerk, f"{self.url}/{day.pk}/cancel", {"reason": " "})
        assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]

    def test_another_township_gets_404(self, world: World, client: Client) -> None:
        day = reception_day(world, region=world.township_a)
        response = post(client, world.other_township_clerk, f"{self.url}/{day.pk}/cancel", {"reason": "x"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert not ReceptionDay.objects.get(pk=day.pk).is_cancelled
