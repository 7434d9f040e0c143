"""The leader who approves a batch sees whose bank account or payee changed since the batch
before (each such change is one clerk's act; the approval is the second pair of eyes): on the
batch's page and at GET /api/v1/batches/{id}/payee-changes, only the lines the user may see."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import Batch
from youfu.benefits.selectors import payee_changes
from youfu.benefits.services import do_create_batch
from youfu.benefits.tests.helpers import at, paid_from_november, pay_month, person
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event, do_update_beneficiary
from youfu.testing import World, bearer, log_in, run_command

ACCOUNT = "6228480012345678901"
NEW_ACCOUNT = "6228480098765432109"


def _section(html: str) -> str:
    start = html.index('data-testid="payee-changes"')
    return html[start : html.index("</section>", start)]


def _december(world: World) -> Batch:
    with time_machine.travel(at(2026, 12, 5), tick=False):
        batch = do_create_batch(date(2026, 12, 1), acting_user=world.county_clerk)
    return batch


@pytest.fixture
def county(world: World) -> World:
    with paid_from_november(world):
        world.moved = person(world, name="柳湾改户", bank_name="农业银行", bank_account=ACCOUNT)  # type: ignore[attr-defined]
        world.same = person(world, name="柳湾照旧", bank_name="农业银行", bank_account="6228480011112222333")  # type: ignore[attr-defined]
        world.elsewhere = person(  # type: ignore[attr-defined]
            world, name="外乡改户", region=world.village_b, bank_name="农业银行", bank_account=ACCOUNT
        )
    pay_month(world, "2026-11")
    with time_machine.travel(at(2026, 11, 20), tick=False):
        for who in (world.moved, world.elsewhere):  # type: ignore[attr-defined]
            do_update_beneficiary(who, acting_user=world.county_clerk, bank_account=NEW_ACCOUNT)
        do_update_beneficiary(world.same, acting_user=world.county_clerk, phone="13900001111")  # type: ignore[attr-defined]
    return world


@pytest.mark.django_db
def test_the_leader_sees_the_accounts_changed_since_the_batch_before(county: World) -> None:
    batch = _december(county)
    found = payee_changes(batch, county.leader)
    assert found.since is not None and found.since.period == date(2026, 11, 1)
    assert sorted((c.line.beneficiary.name, c.what) for c in found.rows) == [
        ("外乡改户", "account"),
        ("柳湾改户", "account"),
    ]
    change = next(c for c in found.rows if c.line.beneficiary.name == "柳湾改户")
    assert change.before.endswith("8901") and change.after.endswith("2109")
    assert ACCOUNT not in change.before and NEW_ACCOUNT not in change.after  # masked
    assert change.by == str(county.county_clerk)

    client = Client()
    log_in(client, county.leader)
    section = _section(client.get(reverse("benefits:batch", args=[batch.pk])).content.decode())
    assert "柳湾改户" in section and "外乡改户" in section and "柳湾照旧" not in section
    assert "8901" in section and "2109" in section

    body = Client().get(f"/api/v1/batches/{batch.pk}/payee-changes", **bearer(county.leader)).json()
    assert (body["since_period"], body["count"]) == ("2026-11", 2)
    assert {c["name"] for c in body["changes"]} == {"柳湾改户", "外乡改户"}


@pytest.mark.django_db
def test_a_township_clerk_sees_only_their_township(county: World) -> None:
    batch = _december(county)
    assert [c.line.beneficiary.name for c in payee_changes(batch, county.township_clerk).rows] == ["柳湾改户"]
    body = Client().get(f"/api/v1/batches/{batch.pk}/payee-changes", **bearer(county.township_clerk)).json()
    assert [c["name"] for c in body["changes"]] == ["柳湾改户"]


@pytest.mark.django_db
def test_a_change_after_this_batch_was_computed_is_the_next_ones(county: World) -> None:
    batch = _december(county)
    with time_machine.travel(at(2026, 12, 6), tick=False):
        do_update_beneficiary(
            county.same, acting_user=county.county_clerk, bank_account="6228480000000000001"
        )  # type: ignore[attr-defined]
    assert "柳湾照旧" not in {c.line.beneficiary.name for c in payee_changes(batch, county.leader).rows}


@pytest.mark.django_db
def test_the_first_batch_has_nothing_before_it(world: World) -> None:
    with paid_from_november(world):
        person(world, name="柳湾首付", bank_name="农业银行", bank_account=ACCOUNT)
        batch = do_create_batch(date(2026, 11, 1), acting_user=world.county_clerk)
    found = payee_changes(batch, world.leader)
    assert (found.since, found.count) == (None, 0)
    client = Client()
    log_in(client, world.leader)
    assert (
        'data-testid="payee-changes"'
        not in client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    )


@pytest.mark.django_db
def test_no_change_says_so(world: World) -> None:
    with paid_from_november(world):
        person(world, name="柳湾照旧", bank_name="农业银行", bank_account=ACCOUNT)
    pay_month(world, "2026-11")
    batch = _december(world)
    assert payee_changes(batch, world.leader).count == 0
    client = Client()
    log_in(client, world.leader)
    html = client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    assert "<table>" not in _section(html) and "2026-11" in _section(html)


@pytest.mark.django_db
def test_another_townships_batch_lines_stay_hidden_from_an_outsider(county: World) -> None:
    batch = _december(county)
    body = (
        Client()
        .get(f"/api/v1/batches/{batch.pk}/payee-changes", **bearer(county.other_township_clerk))
        .json()
    )
    assert [c["name"] for c in body["changes"]] == ["外乡改户"]


@pytest.mark.django_db
def test_an_account_changed_as_a_life_event_is_listed(county: World) -> None:
    """The person page and the API change an account through a bank_change life event."""
    with time_machine.travel(at(2026, 11, 21), tick=False):
        do_record_life_event(
            county.same,  # type: ignore[attr-defined]
            LifeEventKind.BANK_CHANGE,
            date(2026, 11, 21),
            acting_user=county.township_clerk,
            bank_name="农业银行",
            bank_account="6228480055556666777",
        )
    batch = _december(county)
    [change] = [c for c in payee_changes(batch, county.leader).rows if c.line.beneficiary.name == "柳湾照旧"]
    assert change.what == "account" and change.by == str(county.township_clerk)
    assert change.before.endswith("2333") and change.after.endswith("6777")
    assert "6228480055556666777" not in change.after  # masked


def _approval(batch: Batch) -> AuditEvent:
    return AuditEvent.objects.get(event_type=EventType.BATCH_APPROVED, object_id=str(batch.pk))


@pytest.mark.django_db
def test_the_page_approves_listed_changes_only_with_the_leaders_tick(county: World) -> None:
    batch = _december(county)
    client = Client()
    log_in(client, county.leader)
    page = client.get(reverse("benefits:batch", args=[batch.pk])).content.decode()
    tick = page[page.index('data-testid="changes-checked"') :]
    assert 'name="changes_checked"' in tick[:200] and "required" in tick[:200]
    # Unticked (a form sent without the browser's check): nothing approved, and why.
    refused = client.post(reverse("benefits:approve", args=[batch.pk]), follow=True)
    assert "changes_checked" not in refused.request.get("QUERY_STRING", "")
    assert Batch.objects.get(pk=batch.pk).state == "draft"
    assert "请先勾选已对照材料核对下列变更" in refused.content.decode()
    assert not AuditEvent.objects.filter(
        event_type=EventType.BATCH_APPROVED, object_id=str(batch.pk)
    ).exists()
    # Ticked: approved, and the record says what it covered.
    client.post(reverse("benefits:approve", args=[batch.pk]), {"changes_checked": "on"})
    assert Batch.objects.get(pk=batch.pk).state == "approved"
    assert _approval(batch).extra == {
        "changes_listed": {"payees": 2, "entitlements": 0, "back_dated": 0},
        "changes_checked": True,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("checked", [True, False])
def test_the_api_records_whether_the_leader_checked_the_changes(county: World, checked: bool) -> None:
    # The API's approval stays as it was (other programs rely on it); the record says whether the
    # leader said they checked what the page lists.
    batch = _december(county)
    url = f"/api/v1/batches/{batch.pk}/approve" + ("?changes_checked=true" if checked else "")
    answer = Client().post(url, content_type="application/json", **bearer(county.leader))
    assert answer.status_code == 200 and answer.json()["state"] == "approved"
    assert _approval(batch).extra == {
        "changes_listed": {"payees": 2, "entitlements": 0, "back_dated": 0},
        "changes_checked": checked,
    }


@pytest.mark.django_db
def test_the_command_records_its_flag_and_a_batch_without_changes_needs_no_tick(county: World) -> None:
    batch = _december(county)
    code, out, _ = run_command(
        "approve-batch", str(batch.pk), "--changes-checked", "--json", "--as", "leader"
    )
    assert code == 0
    said = json.loads(out)
    assert said["changes_listed"] == {"payees": 2, "entitlements": 0, "back_dated": 0}
    assert said["changes_checked"] is True and _approval(batch).extra["changes_checked"] is True


@pytest.mark.django_db
def test_a_batch_with_nothing_listed_needs_no_tick(world: World) -> None:
    with paid_from_november(world):
        person(world, name="柳湾照旧", bank_name="农业银行", bank_account=ACCOUNT)
        first = do_create_batch(date(2026, 11, 1), acting_user=world.county_clerk)
    client = Client()
    log_in(client, world.leader)
    page = client.get(reverse("benefits:batch", args=[first.pk])).content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="changes-checked"' not in page
    client.post(reverse("benefits:approve", args=[first.pk]))
    assert Batch.objects.get(pk=first.pk).state == "approved"
    assert _approval(first).extra == {
        "changes_listed": {"payees": 0, "entitlements": 0, "back_dated": 0},
        "changes_checked": False,
    }
