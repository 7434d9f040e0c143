"""Nobody approves what they entered (issue 15, separation of duties): a relief application and a
medical claim are refused to the user who entered them. The services refuse it
(``test_grants_chain.py``, ``test_medical_claims.py``); here the API answers 403 with the reason
and its code, and the pages show the reason and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from youfu.core.messages import Message
from youfu.relief.grants import transitions as t
from youfu.relief.grants.models import GrantState, ReliefGrant
from youfu.relief.medical.models import ClaimState, MedicalClaim
from youfu.relief.tests.factories_grants import apply, fingerprint
from youfu.relief.tests.factories_grants import eligible_person as relief_person
from youfu.relief.tests.factories_medical import claim, eligible_person
from youfu.testing import World, bearer, log_in

pytestmark = pytest.mark.django_db

OWN_CLAIM = Message("You entered this claim yourself: a leader who did not enter it decides on it.")


def same_user(grant: ReliefGrant) -> Message:
    return Message(t.SAME_USER, {"step": t.ChainStep(grant.next_step).label})


def own_grant(world: World) -> ReliefGrant:
    """A county clerk's own application: it waits at the county step, which a county clerk takes."""
    grant = apply(world, relief_person(world), "1000.00", by=world.county_clerk)
    assert grant.next_step == "county"
    return grant


def own_claim(world: World) -> MedicalClaim:
    """A claim entered by the user who is a leader now (roles change; the account stays one)."""
    entered = claim(world, eligible_person(world), by=world.county_clerk)
    MedicalClaim.objects.filter(pk=entered.pk).update(entered_by=world.leader)
    entered.refresh_from_db()
    return entered


def post_api(
    client: Client,
    user: Any,
    url: str,
    body: dict[str, Any] | None = None,
    auth: dict[str, str] | None = None,
) -> Any:
    return client.post(
        url,
        body or {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **(auth or bearer(user)),
    )


class TestTheApi:
    def test_a_relief_grant(self, world: World, client: Client) -> None:
        grant = own_grant(world)
        auth = bearer(world.county_clerk)
        before = fingerprint()
        response = post_api(
            client, world.county_clerk, f"/api/v1/relief/{grant.pk}/approve", {"note": ""}, auth
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "same_user"
        assert response.json()["error"]["message"] == same_user(grant).zh
        assert fingerprint() == before

    def test_a_medical_claim(self, world: World, client: Client) -> None:
        entered = own_claim(world)
        for action, body in (("approve", None), ("refuse", {"reason": "不符合"})):
            response = post_api(client, world.leader, f"/api/v1/medical/claims/{entered.pk}/{action}", body)
            assert response.status_code == 403
            assert response.json()["error"] == {"code": "own_entry", "message": OWN_CLAIM.zh, "fields": {}}
        entered.refresh_from_db()
        assert entered.state == ClaimState.PENDING


class TestThePages:
    def test_a_relief_grant(self, world: World, client: Client) -> None:
        grant = own_grant(world)
        log_in(client, world.county_clerk)
        page = client.get(f"/relief/{grant.pk}/").content.decode()
        assert 'value="approve"' not in page  # no button for what the table refuses
        response = client.post(
            f"/relief/{grant.pk}/", {"action": "approve", "note": "同意"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert response.status_code == 400  # the page again, with the reason at the form
        assert same_user(grant).zh in response.content.decode()
        grant.refresh_from_db()
        assert (grant.state, grant.next_step) == (GrantState.PENDING, "county")

    def test_a_medical_claim(self, world: World, client: Client) -> None:
        entered = own_claim(world)
        log_in(client, world.leader)
        page = client.get(f"/medical/claims/{entered.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'data-testid="refuse"' not in page
        response = client.post(
            f"/medical/claims/{entered.pk}/", {"action": "approve"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert OWN_CLAIM.zh in response.content.decode()
        entered.refresh_from_db()
        assert entered.state == ClaimState.PENDING
