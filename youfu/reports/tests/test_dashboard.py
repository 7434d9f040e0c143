"""The dashboard: GET /api/v1/reports/dashboard against an oracle counted row by row from the
scenario's records, its scope, roles, bad input and query count; the page for every reader, with
the vendored ECharts and no external address; the leader's home card."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from youfu.benefits.models import Batch, BatchItem, BatchLine, BatchState, LineStatus, PaidMonths
from youfu.core.workdays import WorkCalendar
from youfu.outreach.needs.models import Finding
from youfu.outreach.visits.models import VisitTarget
from youfu.petitions.models import OPEN_STATES, Petition
from youfu.petitions.selectors import SOON_WORKING_DAYS
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import Beneficiary, Qualification
from youfu.relief.grants.models import ReliefGrant
from youfu.relief.housing.models import NEEDS_WORK, SERVING_STATES, HousingCase, HousingSurvey
from youfu.relief.tests import factories_housing
from youfu.reports import selectors
from youfu.reports.dashboard import DASHBOARD_QUERIES, dashboard
from youfu.reports.selectors import FEW_OUTSIDE
from youfu.reports.tests.scenario import SHANGHAI, County, build
from youfu.testing import World, api_get, log_in, menu_urls

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/dashboard"
PAGE = "/reports/dashboard/"
ECHARTS = "/static/reports/vendor/echarts/echarts.min.js"


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def get(client: Client, user: Any, **params: str) -> Any:
    return api_get(client, user, URL, params)


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# --- the oracle: each figure from the rows, in Python -----------------------------------------------


def oracle(region: Region, year: int, today: date) -> dict[str, Any]:
    def inside(code: str) -> bool:
        return code.startswith(region.scope_prefix)

    end = date(year, 12, 31)
    batches = {
        b.pk: b.period
        for b in Batch.objects.exclude(state=BatchState.DISCARDED)  # scope: test oracle
        if b.period.year in (year - 1, year)
    }
    paid_lines = {
        (line.batch_id, line.beneficiary_id)
        for line in BatchLine.objects.select_related("beneficiary")  # scope: test oracle
        if line.status == LineStatus.PAID and line.batch_id in batches and inside(line.beneficiary.region_id)
    }
    fen: Counter[tuple[int, int]] = Counter()
    for item in BatchItem.objects.all():  # scope: test oracle
        if (item.batch_id, item.beneficiary_id) in paid_lines:
            period = batches[item.batch_id]
            fen[(period.year, period.month)] += item.amount_fen
    paid_people: dict[tuple[int, int], set[int]] = defaultdict(set)
    for batch_id, person_id in paid_lines:
        paid_people[(batches[batch_id].year, batches[batch_id].month)].add(person_id)
    months = [
        {
            "month": m,
            "paid": _money(fen[(year, m)]),
            "persons_paid": len(paid_people[(year, m)]),
            "prev_paid": _money(fen[(year - 1, m)]),
            "prev_persons_paid": len(paid_people[(year - 1, m)]),
        }
        for m in range(1, 13)
    ]

    people = [p for p in Beneficiary.objects.all() if inside(p.region_id)]  # scope: test oracle
    quals = {p.pk: list(Qualification.objects.filter(beneficiary=p)) for p in people}  # scope: test oracle

    def in_force(q: Qualification) -> bool:
        return q.approved_on <= end and (q.ended_on is None or q.ended_on > end)

    alive = [p for p in people if p.death_date is None or p.death_date > end]
    on_registry = [p for p in alive if any(in_force(q) for q in quals[p.pk])]
    categories = Counter(q.category for p in alive for q in quals[p.pk] if in_force(q))
    petitions = [p for p in Petition.objects.all() if inside(p.region_id)]  # scope: test oracle
    of_year = [p for p in petitions if p.received_on.year == year]

    places = (
        list(Region.objects.filter(parent=region).order_by("code"))  # scope: test oracle
        if region.level == RegionLevel.COUNTY
        else [region]
    )
    paid_in_year = {person for (batch_id, person) in paid_lines if batches[batch_id].year == year}
    region_of = {p.pk: p.region_id for p in people}
    townships = [
        {
            "code": t.code,
            "name": t.name,
            "persons": sum(1 for p in on_registry if t.contains(p.region_id)),
            "persons_paid": sum(1 for person in paid_in_year if t.contains(region_of[person])),
            "petitions_received": sum(1 for p in of_year if t.contains(p.region_id)),
        }
        for t in places
    ]

    horizon = WorkCalendar().add_working_days(today, SOON_WORKING_DAYS).date
    urgency = dict.fromkeys(("overdue", "soon", "later", "none"), 0)
    for p in petitions:
        if p.state not in OPEN_STATES:
            continue
        current = p.current_due()
        due = current[1] if current else None
        assert due is None or isinstance(due, date)
        key = "none" if due is None else "overdue" if due < today else "soon" if due <= horizon else "later"
        urgency[key] += 1

    targets = [
        t
        for t in VisitTarget.objects.select_related("campaign", "beneficiary")  # scope: test oracle
        if inside(t.beneficiary.region_id)
        and t.campaign.starts_on <= end
        and t.campaign.ends_on >= date(year, 1, 1)
    ]
    visited = sum(1 for t in targets if _visited(t))
    found = Finding.objects.select_related("beneficiary")  # scope: test oracle
    findings = [f for f in found if inside(f.beneficiary.region_id)]

    def home(person: Beneficiary) -> tuple[str, int]:
        return ("household", person.household_id) if person.household_id else ("person", person.pk)

    latest: dict[tuple[str, int], HousingSurvey] = {}
    surveys = HousingSurvey.objects.select_related("beneficiary")  # scope: test oracle
    for s in surveys.order_by("surveyed_on", "pk"):
        latest[home(s.beneficiary)] = s
    serving = {
        home(c.beneficiary)
        for c in HousingCase.objects.select_related("beneficiary")  # scope: test oracle
        if c.state in SERVING_STATES
    }
    cd = [
        key
        for key, s in latest.items()
        if s.grade in NEEDS_WORK and s.beneficiary.status == "alive" and inside(s.beneficiary.region_id)
    ]
    grants = [
        g
        for g in ReliefGrant.objects.all()  # scope: test oracle
        if inside(g.region_id)
        and g.approved_on
        and g.approved_on.year == year
        and g.state in ("approved", "paid")
    ]
    unserved = sum(1 for key in cd if key not in serving)
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "year": year,
        "counted_at": None,
        "months": months,
        "townships": townships,
        "by_category": dict(categories),
        "petitions_by_state": dict(Counter(p.state for p in of_year)),
        "petitions_by_urgency": urgency,
        "care": {
            "visit_targets": len(targets),
            "visited": visited,
            "findings_open": sum(
                1 for f in findings if f.found_on <= end and (f.solved_on is None or f.solved_on > end)
            ),
            "findings_solved": sum(1 for f in findings if f.solved_on and f.solved_on.year == year),
            "homes_cd": len(cd),
            "homes_served": len(cd) - unserved,
            "homes_unserved": unserved,
            "relief_grants": len(grants),
            "relief_amount": _money(sum(g.amount_fen for g in grants)),
        },
    }


def _visited(target: VisitTarget) -> bool:
    return hasattr(target, "visit")


def _today() -> date:
    return timezone.localdate()


# --- the figures -------------------------------------------------------------------------------------


def test_every_figure_of_the_county_and_of_each_township(client: Client, county: County) -> None:
    w = county.world
    # A C-grade home no case serves, so that served and unserved both count.
    factories_housing.survey(w, county.people["乙一"], grade="C")
    for user, region in (
        (w.county_clerk, w.county),
        (w.leader, w.county),
        (w.county_clerk, w.township_a),
        (w.township_clerk, w.township_a),
        (w.other_township_clerk, w.township_b),
    ):
        response = get(client, user, year="2026", region=region.code)
        assert response.status_code == 200, response.content
        assert response.json() == oracle(region, 2026, _today()), (user.username, region.code)


def test_the_county_s_figures_by_hand(client: Client, county: County) -> None:
    body = get(client, county.world.county_clerk, year="2026").json()
    assert body["region"]["name"] == "青山县"
    assert [t["name"] for t in body["townships"]] == ["城关镇", "东岭镇"]
    assert sum(t["petitions_received"] for t in body["townships"]) == 2
    assert body["petitions_by_state"] == {"concluded": 1, "registered": 1}
    assert sum(body["petitions_by_urgency"].values()) == 1
    assert body["care"]["relief_grants"] == 2
    assert body["care"]["relief_amount"] == "1800.00"
    assert (body["care"]["visit_targets"], body["care"]["visited"]) >= (2, 2)
    assert (body["care"]["findings_solved"], body["care"]["findings_open"]) == (1, 1)
    assert (body["care"]["homes_cd"], body["care"]["homes_served"]) == (1, 1)
    assert [m["month"] for m in body["months"]] == list(range(1, 13))
    assert body["months"][0]["paid"] == "0.00"
    assert body["months"][10]["paid"] != "0.00" and body["months"][11]["persons_paid"] > 0
    assert all(m["prev_paid"] == "0.00" for m in body["months"])  # the county began paying in 2026


def test_payments_against_the_year_before(client: Client, county: County) -> None:
    w = county.world
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        body = get(client, w.county_clerk, year="2027").json()
        assert body == oracle(w.county, 2027, date(2027, 3, 1))
    months = body["months"]
    assert months[0]["paid"] != "0.00"  # January 2027's batch
    assert months[10]["prev_paid"] != "0.00" and months[11]["prev_persons_paid"] > 0
    assert months[10]["paid"] == "0.00"


@pytest.mark.parametrize("few_outside", [FEW_OUTSIDE, 0])
def test_a_person_who_moved_out_of_the_county_is_no_longer_counted(
    client: Client, county: County, few_outside: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county's months are its batches' returned figures less the paid lines of the people
    outside the scope; with many outside (``few_outside`` 0), the paid lines of the people in
    scope are summed instead. Both agree with the oracle, the year before included."""
    w = county.world
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        before = get(client, w.county_clerk, year="2027").json()
        elsewhere = Region.objects.create(code="341200000000", name="邻县", level=RegionLevel.COUNTY)
        town = Region.objects.create(
            code="341200100000", name="邻镇", parent=elsewhere, level=RegionLevel.TOWNSHIP
        )
        village = Region.objects.create(
            code="341200100201", name="邻村", parent=town, level=RegionLevel.VILLAGE
        )
        moved = county.people["乙一"]
        Beneficiary.objects.filter(pk=moved.pk).update(region=village, township=town)  # scope: test
        monkeypatch.setattr(selectors, "FEW_OUTSIDE", few_outside)
        after = get(client, w.county_clerk, year="2027").json()
        assert after == oracle(w.county, 2027, date(2027, 3, 1))
    # He was paid in January 2027 and in the months of 2026 before: both years lose him.
    assert after["months"][0]["persons_paid"] == before["months"][0]["persons_paid"] - 1
    assert after["months"][11]["prev_persons_paid"] == before["months"][11]["prev_persons_paid"] - 1
    assert after["months"][0]["paid"] != before["months"][0]["paid"]


def test_each_batch_s_returned_figures_are_its_paid_lines(county: County) -> None:
    """What the county's months read instead of the lines: the bank returns' import counts them
    from the lines as it marks them, so they are equal in every batch (the oracle above counts
    the lines themselves)."""
    batches = Batch.objects.exclude(state=BatchState.DISCARDED)  # scope: test
    assert batches.filter(returned_paid__gt=0).count() >= 2
    for batch in batches:
        paid = [line for line in BatchLine.objects.filter(batch=batch) if line.status == LineStatus.PAID]
        assert (batch.returned_paid, batch.returned_paid_fen) == (
            len(paid),
            sum(line.amount_fen for line in paid),
        ), batch.period


def test_the_people_s_paid_months_are_their_paid_lines(county: County) -> None:
    """What the people paid are counted from: the bank returns' import marks them as it marks
    lines paid, so they are the paid lines' months, person by person (the oracles count the
    lines themselves)."""
    batches = {b.pk: b.period for b in Batch.objects.all()}  # scope: test
    lines: dict[tuple[int, int], int] = defaultdict(int)
    for line in BatchLine.objects.filter(status=LineStatus.PAID):  # scope: test
        period = batches[line.batch_id]
        lines[(line.beneficiary_id, period.year)] |= 1 << (period.month - 1)
    marked = {(m.beneficiary_id, m.year): m.months for m in PaidMonths.objects.all()}  # scope: test
    assert len(marked) >= 4
    assert marked == dict(lines)


def test_a_year_before_any_data_is_all_zeros(client: Client, county: County) -> None:
    body = get(client, county.world.county_clerk, year="1990").json()
    assert body == oracle(county.world.county, 1990, _today())
    assert all(m["paid"] == "0.00" and m["persons_paid"] == 0 for m in body["months"])
    assert body["by_category"] == {} and body["petitions_by_state"] == {}


# --- scope, roles and bad input ----------------------------------------------------------------------


def test_a_township_clerk_gets_their_township(client: Client, county: County) -> None:
    w = county.world
    body = get(client, w.township_clerk, year="2026").json()
    assert body["region"]["code"] == w.township_a.code
    assert [t["code"] for t in body["townships"]] == [w.township_a.code]
    assert "东岭镇" not in str(body)


def test_a_region_outside_the_scope_is_a_404(client: Client, county: County) -> None:
    w = county.world
    for user, code in ((w.township_clerk, w.township_b.code), (w.county_clerk, "999999000000")):
        response = get(client, user, year="2026", region=code)
        assert response.status_code == 404, (user.username, code)
        assert "error" in response.json()


def test_the_admin_and_the_auditor_are_refused(client: Client, world: World) -> None:
    for user in (world.admin, world.auditor):
        response = get(client, user, year="2026")
        assert response.status_code == 403
        assert response.json()["error"]["code"]


@pytest.mark.parametrize("year", ["", "20x6", "1899", "3000", "2026-01", " 99 "])
def test_bad_years_are_a_400_in_the_envelope(client: Client, world: World, year: str) -> None:
    response = get(client, world.county_clerk, year=year)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] in {"invalid_year", "invalid"}, error
    assert error["message"]


def test_an_overlong_region_is_a_400(client: Client, world: World) -> None:
    response = get(client, world.county_clerk, year="2026", region="3" * 40)
    assert response.status_code == 400
    assert "error" in response.json()


def test_the_number_of_queries_does_not_grow_with_the_townships(county: County) -> None:
    w = county.world

    def queries(user: Any = w.county_clerk, region: Region = w.county) -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard(user, 2026, region)
        return len(captured)

    before = queries()
    assert before == DASHBOARD_QUERIES, before
    for n in range(2, 8):
        township = Region.objects.create(
            code=f"341199{100 + n:03d}000", name=f"新镇{n}", parent=w.county, level=RegionLevel.TOWNSHIP
        )
        Region.objects.create(
            code=f"341199{100 + n:03d}201", name=f"新村{n}", parent=township, level=RegionLevel.VILLAGE
        )
    assert queries() == before
    assert queries(w.township_clerk, w.township_a) == before - 1  # its people looked up, not counted


# --- the page ---------------------------------------------------------------------------------------


def page(client: Client, user: Any, **params: str) -> Any:
    log_in(client, user)
    return client.get(PAGE, params)


def test_every_reader_opens_the_page(client: Client, county: County) -> None:
    w = county.world
    for user, region in (
        (w.county_clerk, "青山县"),
        (w.leader, "青山县"),
        (w.township_clerk, "城关镇"),
        (w.other_township_clerk, "东岭镇"),
        (w.village_assistant, "柳湾村"),
    ):
        response = page(client, user, year="2026")
        assert response.status_code == 200, user.username
        html = response.content.decode()
        assert f" · {region}</h1>" in html, user.username
        assert f'src="{ECHARTS}"' in html
        assert 'src="/static/reports/dashboard.js"' in html
        # Served by youfu: no script, style or image from another site, and no inline script.
        assert not re.search(r'(src|href)="(https?:)?//', html), user.username
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), user.username
        for chart in ("paid", "persons", "townships", "categories", "states", "urgency", "care"):
            assert f'data-testid="chart-{chart}"' in html
        assert 'class="chart-table"' in html


def test_the_page_shows_the_numbers_without_script(client: Client, county: County) -> None:
    w = county.world
    html = page(client, w.county_clerk, year="2026").content.decode()
    body = get(client, w.county_clerk, year="2026").json()
    assert f'data-api="{URL}?year=2026&amp;region={w.county.code}"' in html
    total = sum(int(m["paid"].replace(".", "")) for m in body["months"])
    assert f'data-testid="paid-total">{_money(total)}<' in html
    assert "1800.00" in html  # the relief amount
    assert "城关镇" in html and "东岭镇" in html


def test_the_page_s_bad_input(client: Client, county: County) -> None:
    w = county.world
    response = page(client, w.county_clerk, year="20x6")
    assert response.status_code == 400
    assert 'data-testid="year-error"' in response.content.decode()
    assert page(client, w.township_clerk, year="2026", region=w.township_b.code).status_code == 404
    assert page(client, w.county_clerk, year="2026", region="9" * 40).status_code == 404
    for user in (w.admin, w.auditor):
        assert page(client, user, year="2026").status_code == 403


def test_the_vendored_chart_library_is_there_with_its_licence() -> None:
    folder = Path(__file__).resolve().parents[1] / "static" / "reports" / "vendor" / "echarts"
    assert (folder / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "5.6.0" in (folder / "VERSION.txt").read_text()


def test_the_menu_and_the_leader_s_home(client: Client, county: County) -> None:
    w = county.world
    log_in(client, w.leader)
    html = client.get("/").content.decode()
    assert 'data-testid="work-reports_dashboard"' in html
    assert f'href="{PAGE}?year=' in html
    for user in (w.county_clerk, w.township_clerk):
        log_in(client, user)
        html = client.get("/").content.decode()
        assert PAGE in menu_urls(user), user.username  # the menu's "统计报表" group
        assert 'data-testid="work-reports_dashboard"' not in html
