"""Every benefits page reads in Chinese first, with English available, and words that
mean different things in different places ("Due", "Name") read right in each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from youfu.benefits.models import Batch, PendingLumpSum
from youfu.benefits.services import (
    do_create_batch,
    do_import_standards,
    do_refuse_topup,
    do_set_topup,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import at, csv_bytes, m, pay_month, person, setup_county, standards_in_force
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, LifeEventKind
from youfu.registry.services import do_record_life_event
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
# Latin words that are data or names of formats, not untranslated text.
NOT_ENGLISH = {"CSV", "csv", "UTF", "GBK", "Excel", "xlsx", "XLSX", "clerk", "leader", "admin"}


class _VisibleText(HTMLParser):
    """The text a reader sees (and that screen readers read), except code (masked
    numbers), the English column of a rejected file's report and the page's <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("head", "script", "style", "code") or values.get("lang") == "en":
            self._skip.append(tag)
        elif not self._skip:
            self.texts += [v for k, v in attrs if k in ("placeholder", "aria-label", "title") and v]

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def english_left(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [t for t in parser.texts if set(re.findall(r"[A-Za-z]{2,}", t)) - NOT_ENGLISH]


@pytest.fixture
def county(world: World) -> Iterator[World]:
    """Three paid months, a lowered standard (recoveries), a death without a payee (a
    lump sum waiting) and a draft batch."""
    with time_machine.travel(at(2026, 9, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 9, 1))
        person(world, WAR, name="甲", region=world.village_a)
        person(world, WAR, name="丙", region=world.village_b, bank_account="6230000000000000002")
    for period in ("2026-09", "2026-10"):
        pay_month(world, period)
    with time_machine.travel(at(2026, 11, 3), tick=False):
        standards_in_force(world, csv_bytes([["参战退役人员", "", "", "", "4800", "2026-10-01", ""]]))
        do_record_life_event(
            Beneficiary.objects.get(name="甲"),
            LifeEventKind.DEATH,
            date(2026, 10, 30),
            acting_user=world.county_clerk,
        )
    pay_month(world, "2026-11")
    with time_machine.travel(at(2026, 12, 5), tick=False):
        do_create_batch(m("2026-12"), acting_user=world.county_clerk)
        # Standards and top-ups waiting for a leader, and a refused one, on the standards page.
        do_import_standards(
            csv_bytes([["参战退役人员", "", "", "", "5000", "2027-01-01", ""]]),
            acting_user=world.county_clerk,
        )
        do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=world.county_clerk)
        wrong = do_set_topup(Decimal("90"), date(2027, 2, 1), acting_user=world.county_clerk)
        do_refuse_topup(wrong, acting_user=world.leader, reason="多了一个零")
        yield world


def pages(world: World) -> list[str]:
    jia = Beneficiary.objects.get(name="甲")
    batches = [f"/benefits/batches/{b.pk}/" for b in Batch.objects.all()]
    pending = PendingLumpSum.objects.get()
    return [
        "/benefits/",
        *batches,
        "/benefits/standards/",
        "/benefits/recoveries/",
        "/benefits/lump-sums/",
        f"/benefits/lump-sums/{pending.pk}/payee/",
        "/benefits/reconciliation/",
        f"/benefits/beneficiaries/{jia.pk}/",
        f"/benefits/beneficiaries/{jia.pk}/section/",
    ]


@pytest.mark.parametrize("who", ["county_clerk", "township_clerk", "leader", "admin"])
def test_every_page_reads_in_chinese_without_english_left(county: World, client: Client, who: str) -> None:
    user = getattr(county, who)
    log_in(client, user)
    seen = 0
    for url in pages(county):
        response = client.get(url)
        if response.status_code == 403:  # the admin reads only the standards
            continue
        assert response.status_code == 200, url
        assert english_left(response.content.decode()) == [], url
        seen += 1
    assert seen >= (1 if who == "admin" else 9)


def test_every_page_is_available_in_english(county: World, client: Client) -> None:
    log_in(client, county.county_clerk)
    for url in pages(county):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="en">' in page or "<section" in page[:200], url
        assert not re.search(r"发放批次|追缴|对账|应发|差额|起始日期", page.split("</nav>")[-1]), url


def test_due_is_money_on_the_benefits_pages_and_a_date_on_the_petitions_list(
    county: World, client: Client
) -> None:
    log_in(client, county.county_clerk)
    jia = Beneficiary.objects.get(name="甲")
    for url in ("/benefits/recoveries/", f"/benefits/beneficiaries/{jia.pk}/"):
        assert "<th>应发</th>" in client.get(url).content.decode()
        assert "<th>Due</th>" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("zh-hans"):
        petitions = render_to_string("petitions/_rows.html", {"rows": []})
    assert "<th>办理期限</th>" in petitions and "应发" not in petitions
    with translation.override("en"):
        assert "<th>Due</th>" in render_to_string("petitions/_rows.html", {"rows": []})


def test_a_persons_name_reads_as_a_persons_name(county: World, client: Client) -> None:
    log_in(client, county.county_clerk)
    for url in ("/benefits/recoveries/", "/benefits/lump-sums/", "/benefits/reconciliation/"):
        page = client.get(url).content.decode()
        assert "<th>姓名</th>" in page and "<th>名称</th>" not in page, url
