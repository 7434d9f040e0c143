from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import (
    Batch,
    BatchState,
    LocalTopUp,
    PendingLumpSum,
    Recovery,
    Standard,
    StandardImport,
)
from youfu.benefits.services import do_create_batch, do_update_benefit_settings
from youfu.benefits.tests.helpers import (
    BASE_STANDARDS,
    at,
    csv_bytes,
    m,
    pay_month,
    person,
    returns_for,
    setup_county,
    standards_in_force,
)
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 11, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 10, 1))
        person(world, WAR, name="甲", region=world.village_a)
        person(world, WAR, name="丙", region=world.village_b, bank_account="6230000000000000002")
        yield world


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_batch_pages_through_a_month(county: World, client: Client) -> None:
    log_in(client, county.county_clerk)
    assert client.get("/benefits/").status_code == 200
    response = client.post("/benefits/", {"period": "2026-11"})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/batches/{batch.pk}/"
    page = text(client.get(f"/benefits/batches/{batch.pk}/"))
    assert "城关镇" in page and "东岭镇" in page and "甲" in page and "丙" in page
    assert 'data-testid="approve"' not in page  # a clerk does not approve
    client.logout()
    log_in(client, county.leader)
    assert 'data-testid="approve"' in text(client.get(f"/benefits/batches/{batch.pk}/"))
    client.post(f"/benefits/batches/{batch.pk}/approve/")
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    # The bank file is the sending clerk's, not the approving leader's (issue 10, item 8).
    assert client.post(f"/benefits/batches/{batch.pk}/export/", {"format": "xlsx"}).status_code == 403
    client.logout()
    log_in(client, county.county_clerk)
    download = client.post(f"/benefits/batches/{batch.pk}/export/", {"format": "xlsx"})
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.xlsx"')
    batch.refresh_from_db()
    upload = io.BytesIO(returns_for(batch, county.county_clerk))
    upload.name = "returns.csv"
    client.post(f"/benefits/batches/{batch.pk}/returns/", {"file": upload})
    client.post(f"/benefits/batches/{batch.pk}/close/")
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    history = text(client.get(f"/benefits/batches/{batch.pk}/"))
    assert "leader" in history and "clerk" in history


def test_a_township_clerk_sees_only_their_township_in_a_batch(county: World, client: Client) -> None:
    with time_machine.travel(at(2026, 11, 20), tick=False):
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
    log_in(client, county.other_township_clerk)
    page = text(client.get(f"/benefits/batches/{batch.pk}/"))
    assert "丙" in page and "东岭镇" in page
    assert "甲" not in page and "城关镇" not in page
    assert client.post("/benefits/", {"period": "2026-12"}).status_code == 302
    assert Batch.objects.count() == 1


def test_approving_ones_own_batch_on_the_page_is_refused_with_a_message(
    county: World, client: Client
) -> None:
    batch = Batch.objects.create(
        county=county.county, period=m("2026-11"), created_by=county.leader, payments_start=m("2026-10")
    )
    log_in(client, county.leader)
    response = client.post(f"/benefits/batches/{batch.pk}/approve/", follow=True)
    assert response.status_code == 200 and 'data-testid="approve"' not in text(response)
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT


def test_the_clerk_enters_standards_and_the_top_up_and_the_leader_approves_them(
    world: World, client: Client
) -> None:
    log_in(client, world.county_clerk)
    assert client.get("/benefits/standards/").status_code == 200
    upload = io.BytesIO(csv_bytes(BASE_STANDARDS))
    upload.name = "标准.csv"
    client.post("/benefits/standards/import/", {"file": upload})
    assert Standard.objects.count() == len(BASE_STANDARDS)
    client.post("/benefits/standards/topup/", {"percent": "8", "effective_on": "2026-01-01"})
    client.post("/benefits/standards/topup/", {"percent": "150", "effective_on": "2026-02-01"})
    assert list(LocalTopUp.objects.values_list("effective_on", "state")) == [(date(2026, 1, 1), "pending")]
    bad = io.BytesIO(csv_bytes([["参战退役人员", "", "", "", "x", "2027-01-01", ""]]))
    bad.name = "bad.csv"
    response = client.post("/benefits/standards/import/", {"file": bad}, follow=True)
    rejected = text(response)
    assert 'data-testid="import-errors"' in rejected and "<td>2</td><td>年标准(元)</td>" in rejected
    client.logout()
    log_in(client, world.leader)
    version = StandardImport.objects.get()
    topup = LocalTopUp.objects.get()
    client.post(f"/benefits/standards/{version.pk}/approve/")
    client.post(f"/benefits/standards/topup/{topup.pk}/approve/")
    assert StandardImport.objects.get().state == "approved" and LocalTopUp.objects.get().state == "approved"
    page = text(client.get("/benefits/standards/"))
    history = page.split('data-testid="standards-history"')[1].split("</table>")[0]
    assert "参战退役人员" in history and "8.00%" in page
    client.logout()
    log_in(client, world.admin)
    assert client.get("/benefits/").status_code == 403  # the admin reads no payments


def test_recoveries_lump_sums_person_and_reconciliation_pages(county: World, client: Client) -> None:
    pay_month(county, "2026-10")
    with time_machine.travel(at(2026, 11, 20), tick=False):
        standards_in_force(county, csv_bytes([["参战退役人员", "", "", "", "4800", "2026-10-01", ""]]))
        jia = Beneficiary.objects.get(name="甲")
        do_record_life_event(jia, LifeEventKind.DEATH, date(2026, 11, 18), acting_user=county.county_clerk)
    pay_month(county, "2026-11")
    pay_month(county, "2026-12")
    log_in(client, county.county_clerk)
    page = text(client.get("/benefits/recoveries/"))
    assert "甲" in page and "108.00" in page
    export = client.get("/benefits/recoveries/export/")
    assert export.status_code == 200 and "甲" in export.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).exists()
    recovery = Recovery.objects.get(beneficiary=jia)
    client.post(f"/benefits/recoveries/{recovery.pk}/settle/", {"outcome": "recovered", "note": "退回"})
    recovery.refresh_from_db()
    assert recovery.status == "recovered"
    pending = PendingLumpSum.objects.get(beneficiary=jia)
    assert "甲" in text(client.get("/benefits/lump-sums/"))
    response = client.post(
        f"/benefits/lump-sums/{pending.pk}/payee/",
        {"name": "家属", "id_number": "123", "bank_name": "农商银行", "bank_account": "6230000000000000777"},
    )
    assert response.status_code == 200  # the ID number is refused
    pending.refresh_from_db()
    assert pending.named_at is None
    person_page = text(client.get(f"/benefits/beneficiaries/{jia.pk}/?from=2026-09&to=2026-12"))
    assert "4,800.00" in person_page and "432.00" in person_page
    report = client.get("/benefits/reconciliation/")
    assert report.status_code == 200 and 'data-testid="by-benefit"' in text(report)
