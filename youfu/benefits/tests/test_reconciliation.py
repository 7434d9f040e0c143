from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from youfu.benefits.models import Batch, Recovery, RecoveryStatus
from youfu.benefits.selectors import reconciliation_for
from youfu.benefits.services import do_update_benefit_settings
from youfu.benefits.services.recoveries import do_settle_recovery
from youfu.benefits.tests.helpers import at, pay_month, person, setup_county
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 8, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 9, 1))
    with time_machine.travel(at(2026, 11, 25), tick=False):
        yield world


def test_the_three_checks(county: World) -> None:
    paid = person(county, WAR, name="按月")
    unpaid = person(county, WAR, name="失败", region=county.village_b, bank_account="6230000000000000002")
    late = person(county, WAR, name="迟报")
    for period in ("2026-09", "2026-10", "2026-11"):
        pay_month(county, period, failed={unpaid.pk: "户名不符"})
    do_record_life_event(late, LifeEventKind.DEATH, date(2026, 9, 20), acting_user=county.county_clerk)

    report = reconciliation_for(county.county_clerk)
    assert [b.period_label for b in report.batches] == ["2026-11", "2026-10", "2026-09"]
    assert [p.name for p in report.unpaid_holders] == ["失败"]
    # October and November were paid to a person who died in September.
    assert [(r["name"], r["month"], f"{r['amount']:.2f}") for r in report.without_qualification] == [
        ("迟报", "2026-10", "540.00"),
        ("迟报", "2026-11", "540.00"),
    ]
    for batch in report.batches:
        assert report.bank_matches[batch.pk]
        totals = {t.benefit: (t.items_fen, t.paid_fen, t.failed_fen) for t in report.by_benefit[batch.pk]}
        assert totals["living_subsidy"][1] == batch.returned_paid_fen
    assert paid.pk not in {p.pk for p in report.unpaid_holders}
    # A township clerk's report holds their own township only.
    assert reconciliation_for(county.township_clerk).unpaid_holders == []
    assert [p.name for p in reconciliation_for(county.other_township_clerk).unpaid_holders] == ["失败"]
    assert reconciliation_for(county.other_township_clerk).without_qualification == []


def test_a_month_paid_without_qualification_shows_its_claim_back_once_a_batch_raised_it(
    county: World, client: Client
) -> None:
    """Found before a batch claims it back, the row says none is raised yet; after December's batch
    it shows the claim's state, on the page too, and a recovered claim says so."""
    late = person(county, WAR, name="迟报")
    for period in ("2026-09", "2026-10"):
        pay_month(county, period)
    do_record_life_event(late, LifeEventKind.DEATH, date(2026, 9, 20), acting_user=county.county_clerk)
    assert [r["claim"] for r in reconciliation_for(county.county_clerk).without_qualification] == [None]
    pay_month(county, "2026-11")  # raises the claim for October
    (row,) = reconciliation_for(county.county_clerk).without_qualification
    assert (row["month"], row["claim"]) == ("2026-10", RecoveryStatus.OPEN)
    log_in(client, county.county_clerk)
    page = client.get(reverse("benefits:reconciliation")).content.decode()
    assert "?status=open" in page and str(RecoveryStatus.OPEN.label) in page
    claim = Recovery.objects.get(beneficiary=late)  # scope: test
    do_settle_recovery(claim, RecoveryStatus.RECOVERED, acting_user=county.county_clerk)
    (row,) = reconciliation_for(county.county_clerk).without_qualification
    assert row["claim"] == RecoveryStatus.RECOVERED


def test_a_batch_whose_lines_do_not_add_up_to_the_returns_is_flagged(county: World) -> None:
    person(county, WAR)
    batch = pay_month(county, "2026-09")
    Batch.objects.filter(pk=batch.pk).update(returned_paid_fen=batch.returned_paid_fen + 1)
    report = reconciliation_for(county.county_clerk)
    assert report.bank_matches[batch.pk] is False
