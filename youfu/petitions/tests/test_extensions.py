"""Extensions need a leader's approval (信访工作条例 Art. 34: 经本机关负责人批准; issue 10, item 9).

Today is Monday 16 June 2025 (conftest). A matter accepted on 2 June is due on 1 August
(60 days); with 20 more days on 21 August.
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.petitions.models import Extension, ExtensionState, Petition, PetitionEvent, State
from youfu.petitions.services import (
    do_approve_extension,
    do_refuse_extension,
    do_reply_petition,
    do_request_extension,
)
from youfu.petitions.services import extensions as extension_services
from youfu.petitions.tests.factories import accepted
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

DUE = date(2025, 8, 1)
EXTENDED_DUE = date(2025, 8, 21)


def _matter(world: World) -> Petition:
    p = accepted(world, received_on=date(2025, 6, 2))
    assert p.handle_due == DUE
    return p


def _fresh(p: Petition) -> Petition:
    return Petition.objects.get(pk=p.pk)


def _actions(p: Petition) -> list[str]:
    return list(
        PetitionEvent.objects.filter(petition=p).order_by("at", "pk").values_list("action", flat=True)
    )


def _audited(p: Petition, event_type: EventType) -> int:
    return AuditEvent.objects.filter(event_type=event_type, object_id=str(p.pk)).count()


class TestTheRequest:
    def test_a_clerks_request_waits_and_changes_no_deadline(self, world: World) -> None:
        p = _matter(world)
        extension = do_request_extension(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        assert extension.state == ExtensionState.PENDING and extension.requested_by == world.township_clerk
        stored = _fresh(p)
        assert stored.handle_due == DUE and stored.state == State.ASSIGNED and stored.extension_days is None
        assert _actions(p)[-1] == "extension_request"
        assert _audited(p, EventType.PETITION_EXTENSION_REQUESTED) == 1
        assert _audited(p, EventType.PETITION_EXTENDED) == 0

    def test_the_bounds_are_checked_when_it_is_made(self, world: World) -> None:
        p = _matter(world)
        with pytest.raises(InvalidInput) as too_long:
            do_request_extension(p, days=31, reason="复杂", acting_user=world.township_clerk)
        assert too_long.value.code == "extension_too_long"
        with pytest.raises(InvalidInput):
            do_request_extension(p, days=10, reason="  ", acting_user=world.township_clerk)
        assert not Extension.objects.exists()

    def test_one_request_at_a_time_and_one_extension(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需调档", acting_user=world.township_clerk)
        with pytest.raises(Conflict) as waiting:
            do_request_extension(p, days=5, reason="再要", acting_user=world.liaison)
        assert waiting.value.code == "extension_pending"
        do_approve_extension(p, acting_user=world.leader)
        with pytest.raises(Conflict) as used:
            do_request_extension(p, days=5, reason="再要", acting_user=world.township_clerk)
        assert used.value.code == "already_extended"
        with pytest.raises(Conflict):
            do_request_extension(p, days=5, reason="再要", acting_user=world.leader)
        assert Extension.objects.filter(petition=p).count() == 1

    def test_no_request_once_the_deadline_passed(self, world: World) -> None:
        p = accepted(world, received_on=date(2025, 3, 3))  # due 6 May
        with pytest.raises(InvalidInput) as exc:
            do_request_extension(p, days=10, reason="x", acting_user=world.township_clerk)
        assert exc.value.code == "deadline_passed"

    def test_the_auditor_may_not_ask(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            do_request_extension(_matter(world), days=10, reason="x", acting_user=world.auditor)


class TestTheLeadersDecision:
    def test_approval_moves_the_deadline(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        extension = do_approve_extension(p, acting_user=world.leader)
        assert extension.state == ExtensionState.APPROVED and extension.decided_by == world.leader
        assert extension.decided_on == date(2025, 6, 16)
        stored = _fresh(p)
        assert stored.handle_due == EXTENDED_DUE and stored.state == State.EXTENDED
        assert stored.extension_days == 20 and stored.extension_reason == "需到省厅调档"
        assert _actions(p)[-2:] == ["extension_request", "extend"]
        assert _audited(p, EventType.PETITION_EXTENDED) == 1

    def test_refusal_keeps_the_deadline_and_does_not_use_up_the_extension(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=30, reason="复杂", acting_user=world.township_clerk)
        with pytest.raises(InvalidInput):
            do_refuse_extension(p, reason="", acting_user=world.leader)
        refused = do_refuse_extension(p, reason="材料已齐，按期办结", acting_user=world.leader)
        assert refused.state == ExtensionState.REFUSED and refused.refusal_reason == "材料已齐，按期办结"
        stored = _fresh(p)
        assert stored.handle_due == DUE and stored.state == State.ASSIGNED and stored.extension_days is None
        assert _actions(p)[-1] == "extension_refuse"
        assert _audited(p, EventType.PETITION_EXTENSION_REFUSED) == 1
        # A new request may follow, and be approved.
        do_request_extension(p, days=10, reason="需补充调查", acting_user=world.township_clerk)
        do_approve_extension(p, acting_user=world.leader)
        assert _fresh(p).handle_due == date(2025, 8, 11)

    def test_a_leaders_own_extension_is_approved_at_once(self, world: World) -> None:
        p = _matter(world)
        extension = do_request_extension(p, days=20, reason="情况复杂", acting_user=world.leader)
        assert extension.state == ExtensionState.APPROVED and extension.decided_by == world.leader
        assert _fresh(p).handle_due == EXTENDED_DUE
        assert _actions(p)[-1] == "extend"

    def test_only_a_leader_decides(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="调档", acting_user=world.township_clerk)
        for user in (world.township_clerk, world.county_clerk, world.liaison):
            with pytest.raises(PermissionDenied):
                do_approve_extension(p, acting_user=user)
            with pytest.raises(PermissionDenied):
                do_refuse_extension(p, reason="不行", acting_user=user)
        assert _fresh(p).handle_due == DUE

    def test_nothing_to_decide_is_a_conflict(self, world: World) -> None:
        p = _matter(world)
        with pytest.raises(Conflict) as exc:
            do_approve_extension(p, acting_user=world.leader)
        assert exc.value.code == "no_pending_extension"

    def test_a_matter_replied_meanwhile_is_not_extended(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="调档", acting_user=world.township_clerk)
        do_reply_petition(p, replied_on=date(2025, 6, 16), text="答复", acting_user=world.township_clerk)
        with pytest.raises(Conflict):
            do_approve_extension(p, acting_user=world.leader)
        assert Extension.objects.get(petition=p).state == ExtensionState.PENDING
        do_refuse_extension(p, reason="已答复", acting_user=world.leader)  # the request can still be closed
        assert _fresh(p).state == State.REPLIED

    def test_a_decision_made_meanwhile_wins(self, world: World) -> None:
        p = _matter(world)
        extension = do_request_extension(p, days=20, reason="调档", acting_user=world.township_clerk)
        Extension.objects.filter(pk=extension.pk).update(state=ExtensionState.REFUSED)  # another leader
        with pytest.raises(Conflict):
            extension_services._decide_extension(
                extension, ExtensionState.PENDING, {"state": ExtensionState.APPROVED}
            )
        assert Extension.objects.get(pk=extension.pk).state == ExtensionState.REFUSED

    def test_the_outsider_cannot_see_it(self, world: World) -> None:
        from youfu.core.errors import NotFound

        p = _matter(world)
        with pytest.raises(NotFound):
            do_request_extension(p, days=20, reason="调档", acting_user=world.other_township_clerk)


class TestTheMigration:
    def test_petitions_already_extended_become_approved(self, world: World) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="旧的延期", acting_user=world.leader)
        Extension.objects.all().delete()  # as before the change: only the petition's columns
        PetitionEvent.objects.filter(petition=p, action="extend").update(actor=world.township_clerk)
        migration = importlib.import_module("youfu.petitions.migrations.0003_extension_approval")
        migration.extended_as_approved(apps, None)
        extension = Extension.objects.get(petition=p)
        assert extension.state == ExtensionState.APPROVED and extension.days == 20
        assert extension.reason == "旧的延期" and extension.requested_by == world.township_clerk
        assert extension.requested_on == extension.decided_on == date(2025, 6, 16)
        with pytest.raises(Conflict):
            do_request_extension(p, days=5, reason="再要", acting_user=world.township_clerk)


def _api(client: Client, user: User, url: str, body: dict[str, Any] | None = None) -> Any:
    key, _token = do_issue_token(user, acting_user=user)
    return client.post(url, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


class TestTheApi:
    def test_request_approve_with_the_extension_in_the_json(self, world: World, client: Client) -> None:
        p = _matter(world)
        url = f"/api/v1/petitions/{p.pk}/extend"
        key, _token = do_issue_token(world.township_clerk, acting_user=world.township_clerk)
        before = client.get(f"/api/v1/petitions/{p.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
        assert before["extension"] is None
        asked = _api(client, world.township_clerk, url, {"days": 20, "reason": "调档"})
        assert asked.status_code == 200, asked.content
        body = asked.json()
        assert body["handle_due"] == DUE.isoformat() and body["state"] == "assigned"
        assert body["extension"] == {
            "state": "pending",
            "days": 20,
            "reason": "调档",
            "requested_on": "2025-06-16",
            "decided_by": None,
            "decided_on": None,
        }
        assert _api(client, world.township_clerk, f"{url}/approve").status_code == 403
        approved = _api(client, world.leader, f"{url}/approve")
        assert approved.status_code == 200
        body = approved.json()
        assert body["handle_due"] == EXTENDED_DUE.isoformat() and body["state"] == "extended"
        assert body["extension"]["state"] == "approved" and body["extension"]["decided_by"] == "leader"
        assert body["extension"]["decided_on"] == "2025-06-16"
        assert _api(client, world.leader, f"{url}/approve").status_code == 409

    def test_refuse(self, world: World, client: Client) -> None:
        p = _matter(world)
        url = f"/api/v1/petitions/{p.pk}/extend"
        _api(client, world.township_clerk, url, {"days": 20, "reason": "调档"})
        assert _api(client, world.leader, f"{url}/refuse", {"reason": ""}).status_code == 400
        refused = _api(client, world.leader, f"{url}/refuse", {"reason": "按期办结"})
        assert refused.status_code == 200
        body = refused.json()
        assert body["extension"]["state"] == "refused" and body["handle_due"] == DUE.isoformat()
        assert _api(client, world.leader, f"{url}/refuse", {"reason": "x"}).status_code == 409
        again = _api(client, world.township_clerk, url, {"days": 5, "reason": "再调档"})
        assert again.status_code == 200 and again.json()["extension"]["state"] == "pending"

    def test_a_leader_calling_extend_approves_at_once(self, world: World, client: Client) -> None:
        p = _matter(world)
        body = _api(client, world.leader, f"/api/v1/petitions/{p.pk}/extend", {"days": 20, "reason": "复杂"})
        assert body.status_code == 200
        assert body.json()["extension"]["state"] == "approved"
        assert body.json()["handle_due"] == EXTENDED_DUE.isoformat()

    def test_bad_days_are_400_and_change_nothing(self, world: World, client: Client) -> None:
        p = _matter(world)
        response = _api(
            client, world.township_clerk, f"/api/v1/petitions/{p.pk}/extend", {"days": 31, "reason": "x"}
        )
        assert response.status_code == 400
        assert not Extension.objects.exists()


class TestThePublicPage:
    def test_only_an_approved_extension_is_shown(self, world: World, client: Client) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        url = f"/api/v1/public/petitions/{p.receipt_code}?phone_tail=1234"
        pending = client.get(url).json()
        assert pending["extension_days"] is None and pending["extension_reason"] == ""
        assert pending["handle_due"] == DUE.isoformat()
        client.post("/p/lookup/", {"receipt_code": p.receipt_code_display, "phone_tail": "1234"})
        assert "需到省厅调档" not in client.get("/p/status/").content.decode()
        do_approve_extension(p, acting_user=world.leader)
        approved = client.get(url).json()
        assert approved["extension_days"] == 20 and approved["extension_reason"] == "需到省厅调档"
        assert "需到省厅调档" in client.get("/p/status/").content.decode()

    def test_a_refused_extension_is_not_shown(self, world: World, client: Client) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需到省厅调档", acting_user=world.township_clerk)
        do_refuse_extension(p, reason="不批", acting_user=world.leader)
        body = client.get(f"/api/v1/public/petitions/{p.receipt_code}?phone_tail=1234").json()
        assert body["extension_days"] is None and "不批" not in str(body)


class TestThePages:
    def test_the_clerk_requests_from_the_petition_page(self, world: World, client: Client) -> None:
        p = _matter(world)
        log_in(client, world.township_clerk)
        page = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-action="extend"' in page and 'data-action="extension_approve"' not in page
        response = client.post(
            f"/petitions/{p.pk}/", {"action": "extend", "extend-days": "20", "extend-reason": "需调档"}
        )
        assert response.status_code == 302
        assert Extension.objects.get(petition=p).state == ExtensionState.PENDING
        page = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-testid="extension"' in page and 'data-action="extend"' not in page
        assert "城关经办员" in page  # who asked, by name

    def test_the_leader_approves_from_the_petition_page(self, world: World, client: Client) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需调档", acting_user=world.township_clerk)
        log_in(client, world.leader)
        page = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-action="extension_approve"' in page and 'data-action="extension_refuse"' in page
        assert 'data-action="accept"' not in page and 'data-action="reply"' not in page
        assert client.post(f"/petitions/{p.pk}/", {"action": "extension_approve"}).status_code == 302
        assert _fresh(p).handle_due == EXTENDED_DUE

    def test_the_leader_refuses_from_the_petition_page(self, world: World, client: Client) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="需调档", acting_user=world.township_clerk)
        log_in(client, world.leader)
        blank = client.post(
            f"/petitions/{p.pk}/", {"action": "extension_refuse", "extension_refuse-reason": ""}
        )
        assert blank.status_code == 200 and Extension.objects.get().state == ExtensionState.PENDING
        client.post(f"/petitions/{p.pk}/", {"action": "extension_refuse", "extension_refuse-reason": "不批"})
        assert Extension.objects.get().state == ExtensionState.REFUSED
        timeline = client.get(f"/petitions/{p.pk}/").content.decode()
        assert "不批" in timeline

    def test_the_leaders_list(self, world: World, client: Client) -> None:
        first = _matter(world)
        second = _matter(world)
        do_request_extension(first, days=20, reason="调档一", acting_user=world.township_clerk)
        do_request_extension(second, days=10, reason="调档二", acting_user=world.township_clerk)
        log_in(client, world.leader)
        page = client.get("/petitions/extensions/").content.decode()
        assert "调档一" in page and "调档二" in page
        client.post("/petitions/extensions/", {"petition": first.pk, "decision": "approve"})
        client.post("/petitions/extensions/", {"petition": second.pk, "decision": "refuse", "reason": "不批"})
        assert _fresh(first).handle_due == EXTENDED_DUE and _fresh(second).handle_due == DUE
        assert Extension.objects.get(petition=second).state == ExtensionState.REFUSED
        page = client.get("/petitions/extensions/").content.decode()
        assert "调档一" not in page and "调档二" not in page

    def test_a_refusal_without_a_reason_changes_nothing(self, world: World, client: Client) -> None:
        p = _matter(world)
        do_request_extension(p, days=20, reason="调档", acting_user=world.township_clerk)
        log_in(client, world.leader)
        client.post("/petitions/extensions/", {"petition": p.pk, "decision": "refuse", "reason": ""})
        assert Extension.objects.get().state == ExtensionState.PENDING

    def test_the_list_is_the_leaders(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        assert client.get("/petitions/extensions/").status_code == 403
