"""Ending a round early (结束本轮排查) and the round form that never offers what the service refuses:
while the county's round is open, a township's clerk is told why instead of being offered a round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.outreach.needs import services
from youfu.outreach.needs.models import FindingState, NeedsRound
from youfu.outreach.tests.factories_needs import (
    NOW,
    TODAY,
    check_of,
    finding,
    household,
    needs_rows,
    needs_today,  # noqa: F401
    open_round,
)
from youfu.testing import World, api_post, log_in

pytestmark = pytest.mark.django_db

LATER = TODAY + timedelta(days=10)


def _rows() -> tuple[object, ...]:
    return (*needs_rows(), AuditEvent.objects.count())


class TestTheFormOffersOnlyWhatOpens:
    def test_a_township_clerk_is_told_why_while_the_county_round_is_open(
        self, world: World, client: Client
    ) -> None:
        open_round(world, name="2026年第二季度困难排查", due_on=TODAY + timedelta(days=46))
        log_in(client, world.township_clerk)
        page = client.get("/needs-checks/new/").content.decode()
        assert 'data-testid="round-form"' not in page
        assert "2026年第二季度困难排查" in page and "2026-06-30" in page
        assert "结束" in page and 'data-testid="round-blocked"' in page
        # Posting anyway opens nothing.
        before = _rows()
        response = client.post(
            "/needs-checks/new/", {"region": world.township_a.code, "name": "x", "due_on": LATER.isoformat()}
        )
        assert response.status_code == 200 and _rows() == before

    def test_the_county_clerk_is_offered_only_the_county_while_its_round_is_open(
        self, world: World, client: Client
    ) -> None:
        open_round(world)
        log_in(client, world.county_clerk)
        page = client.get("/needs-checks/new/").content.decode()
        assert 'data-testid="round-form"' in page
        assert f'value="{world.county.code}"' in page and f'value="{world.township_a.code}"' not in page

    def test_once_the_county_round_is_closed_the_township_is_offered_a_round(
        self, world: World, client: Client
    ) -> None:
        round_ = open_round(world)
        services.do_close_round(round_, TODAY, acting_user=world.county_clerk)
        log_in(client, world.township_clerk)
        page = client.get("/needs-checks/new/").content.decode()
        assert 'data-testid="round-form"' in page and "2026年第二季度困难排查" in page
        open_round(world, world.township_a)  # the service agrees


class TestClosingARound:
    def test_it_closes_on_the_date_is_audited_and_open_findings_stay_open(self, world: World) -> None:
        home, person = household(world, world.village_a)
        household(world, world.village_b)
        round_ = open_round(world)
        found = finding(world, round_, person)
        services.do_close_round(round_, TODAY, acting_user=world.county_clerk)
        round_.refresh_from_db()
        assert not round_.is_open
        event = AuditEvent.objects.get(event_type=EventType.NEEDS_ROUND_CLOSED)
        assert event.object_id == str(round_.pk) and event.actor_id == world.county_clerk.pk
        assert event.extra == {"unchecked": 1, "open_findings": 1}
        found.refresh_from_db()
        assert found.state == FindingState.OPEN
        services.do_solve_finding(found, solution="已修缮", solved_on=TODAY, acting_user=world.township_clerk)
        assert check_of(round_, home).outcome == "findings"

    def test_an_earlier_date_is_kept(self, world: World, time_machine: TimeMachineFixture) -> None:
        round_ = open_round(world)
        time_machine.move_to(NOW + timedelta(days=5), tick=False)
        services.do_close_round(round_, TODAY + timedelta(days=2), acting_user=world.county_clerk)
        round_.refresh_from_db()
        assert round_.closed_at is not None
        from django.utils import timezone

        assert timezone.localdate(round_.closed_at) == TODAY + timedelta(days=2)

    def test_a_township_clerk_closes_their_own_round(self, world: World) -> None:
        round_ = open_round(world, world.township_a)
        services.do_close_round(round_, TODAY, acting_user=world.township_clerk)
        assert not NeedsRound.objects.get(pk=round_.pk).is_open  # scope: test

    @pytest.mark.parametrize(
        ("who", "days", "error"),
        [
            ("township_clerk", 0, PermissionDenied),  # the county's round is the county clerks'
            ("village_assistant", 0, PermissionDenied),
            ("leader", 0, PermissionDenied),
            ("county_clerk", 1, InvalidInput),  # in the future
            ("county_clerk", -1, InvalidInput),  # before the round opened
        ],
    )
    def test_each_refusal_changes_nothing(
        self, world: World, who: str, days: int, error: type[Exception]
    ) -> None:
        round_ = open_round(world)
        before = _rows()
        with pytest.raises(error):
            services.do_close_round(round_, TODAY + timedelta(days=days), acting_user=getattr(world, who))
        assert _rows() == before

    def test_it_cannot_close_before_a_check_of_it(
        self, world: World, time_machine: TimeMachineFixture
    ) -> None:
        home, _person = household(world, world.village_a)
        round_ = open_round(world)
        time_machine.move_to(NOW + timedelta(days=5), tick=False)
        services.do_check_no_difficulty(
            round_,
            [check_of(round_, home).pk],
            checked_on=TODAY + timedelta(days=4),
            acting_user=world.township_clerk,
        )
        before = _rows()
        with pytest.raises(InvalidInput) as refused:
            services.do_close_round(round_, TODAY + timedelta(days=3), acting_user=world.county_clerk)
        assert "closed_on" in refused.value.fields
        assert _rows() == before

    def test_closing_a_closed_round_is_a_409(self, world: World) -> None:
        round_ = open_round(world)
        services.do_close_round(round_, TODAY, acting_user=world.county_clerk)
        before = _rows()
        with pytest.raises(Conflict):
            services.do_close_round(round_, TODAY, acting_user=world.county_clerk)
        assert _rows() == before


class TestThePageAndTheApi:
    def test_the_round_page_closes_it(self, world: World, client: Client) -> None:
        round_ = open_round(world)
        log_in(client, world.county_clerk)
        url = f"/needs-checks/rounds/{round_.pk}/"
        assert 'data-testid="round-close"' in client.get(url).content.decode()
        response = client.post(f"{url}close/", {"close-closed_on": TODAY.isoformat()}, follow=True)
        assert response.redirect_chain[-1][0] == url
        page = response.content.decode()
        assert "本轮排查已结束" in page and 'data-testid="round-close"' not in page
        assert not NeedsRound.objects.get(pk=round_.pk).is_open  # scope: test

    def test_a_bad_date_re_renders_the_round_page_in_chinese(self, world: World, client: Client) -> None:
        round_ = open_round(world)
        log_in(client, world.county_clerk)
        before = _rows()
        response = client.post(
            f"/needs-checks/rounds/{round_.pk}/close/", {"close-closed_on": LATER.isoformat()}
        )
        assert response.status_code == 400 and "日期不能晚于今天" in response.content.decode()
        assert _rows() == before

    def test_a_township_clerk_may_not_close_the_county_round(self, world: World, client: Client) -> None:
        round_ = open_round(world)
        log_in(client, world.township_clerk)
        assert (
            'data-testid="round-close"'
            not in client.get(f"/needs-checks/rounds/{round_.pk}/").content.decode()
        )
        before = _rows()
        response = client.post(
            f"/needs-checks/rounds/{round_.pk}/close/", {"close-closed_on": TODAY.isoformat()}
        )
        assert response.status_code == 403 and _rows() == before

    def test_the_api_closes_it_and_refuses_twice(self, world: World, client: Client) -> None:
        round_ = open_round(world)
        url = f"/api/v1/needs-checks/rounds/{round_.pk}/close"
        response = api_post(client, world.county_clerk, url, {"closed_on": TODAY.isoformat()})
        assert response.status_code == 200, response.content
        assert response.json()["open"] is False and response.json()["closed_on"] == TODAY.isoformat()
        again = api_post(client, world.county_clerk, url, {})
        assert again.status_code == 409 and again.json()["error"]["code"] == "round_closed"
        refused = api_post(client, world.township_clerk, url, {})
        assert refused.status_code == 403
