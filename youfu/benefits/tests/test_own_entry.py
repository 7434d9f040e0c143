"""Nobody approves what they entered (issue 15, separation of duties): a batch, a standards file
and a top-up are refused to the leader who made them. The services refuse it
(``test_batches.py``, ``test_maker_checker.py``); here the API answers 403 with the reason and
its code, and the pages show the reason, whatever the roles of the day (a clerk who entered it
and is a leader now is refused the same)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from youfu.benefits.models import Batch, BatchState, LocalTopUp, StandardImport
from youfu.benefits.services import do_import_standards, do_set_topup, do_update_benefit_settings
from youfu.benefits.tests.helpers import at, csv_bytes, m, setup_county
from youfu.core.messages import Message
from youfu.testing import World, bearer, log_in

pytestmark = pytest.mark.django_db

RAISE = [["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]
OWN_BATCH = Message("You created this batch: another leader must approve it.")
OWN_ENTRY = Message("You entered this yourself: a leader who did not enter it decides on it.")


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 8, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 10, 1))
    with time_machine.travel(at(2026, 11, 20), tick=False):
        yield world


def own_batch(world: World) -> Batch:
    batch: Batch = Batch.objects.create(
        county=world.county, period=m("2026-11"), created_by=world.leader, payments_start=m("2026-10")
    )
    return batch


def own_version(world: World) -> StandardImport:
    result = do_import_standards(csv_bytes(RAISE), acting_user=world.county_clerk)
    # The clerk who imported it is a leader now: the same account never both enters and approves.
    StandardImport.objects.filter(pk=result.version).update(imported_by=world.leader)
    return StandardImport.objects.get(pk=result.version)


def own_topup(world: World) -> LocalTopUp:
    topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=world.county_clerk)
    LocalTopUp.objects.filter(pk=topup.pk).update(created_by=world.leader)
    return LocalTopUp.objects.get(pk=topup.pk)


def post_api(client: Client, world: World, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        url,
        body or {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(world.leader),
    )


class TestTheApi:
    def test_a_batch(self, county: World, client: Client) -> None:
        batch = own_batch(county)
        response = post_api(client, county, f"/api/v1/batches/{batch.pk}/approve")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "own_batch"
        assert response.json()["error"]["message"] == OWN_BATCH.zh != OWN_BATCH.en
        batch.refresh_from_db()
        assert batch.state == BatchState.DRAFT

    def test_standards(self, county: World, client: Client) -> None:
        version = own_version(county)
        for action, body in (("approve", None), ("refuse", {"reason": "标准有误"})):
            response = post_api(client, county, f"/api/v1/standards/{version.pk}/{action}", body)
            assert response.status_code == 403
            assert response.json()["error"] == {"code": "own_entry", "message": OWN_ENTRY.zh, "fields": {}}
        version.refresh_from_db()
        assert version.state == "pending"

    def test_a_top_up(self, county: World, client: Client) -> None:
        topup = own_topup(county)
        for action, body in (("approve", None), ("refuse", {"reason": "比例有误"})):
            response = post_api(client, county, f"/api/v1/topups/{topup.pk}/{action}", body)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "own_entry"
            assert response.json()["error"]["message"] == OWN_ENTRY.zh
        topup.refresh_from_db()
        assert topup.state == "pending"


class TestThePages:
    def test_standards(self, county: World, client: Client) -> None:
        version = own_version(county)
        log_in(client, county.leader)
        for action in ("approve", "refuse"):
            response = client.post(
                f"/benefits/standards/{version.pk}/{action}/",
                {"reason": "标准有误"},
                follow=True,
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            )
            assert OWN_ENTRY.zh in response.content.decode()
        version.refresh_from_db()
        assert version.state == "pending"

    def test_a_top_up(self, county: World, client: Client) -> None:
        topup = own_topup(county)
        log_in(client, county.leader)
        response = client.post(
            f"/benefits/standards/topup/{topup.pk}/approve/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert OWN_ENTRY.zh in response.content.decode()
        topup.refresh_from_db()
        assert topup.state == "pending"

    def test_another_leader_does_approve(self, county: World, client: Client) -> None:
        # The refusals above are about who entered it, not about the entries.
        version = own_version(county)
        StandardImport.objects.filter(pk=version.pk).update(imported_by=county.county_clerk)
        log_in(client, county.leader)
        client.post(f"/benefits/standards/{version.pk}/approve/")
        version.refresh_from_db()
        assert version.state == "approved"
