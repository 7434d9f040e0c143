"""The summary's figures, each against the oracle (the same definitions applied row by row in
Python to records made by the areas' services), for the county and for a township; and the few
figures the scenario fixes by hand, so that the oracle cannot agree with the SQL by being empty."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from youfu.benefits.models import (
    BENEFIT_BIT,
    SINGLE_BENEFIT_BITS,
    Batch,
    BatchItem,
    BatchLine,
    PaymentBenefit,
)
from youfu.core.errors import PermissionDenied
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import Beneficiary
from youfu.reports import selectors
from youfu.reports.api import summary_out
from youfu.reports.selectors import FEW_OUTSIDE, report_region, summary
from youfu.reports.tests.scenario import FOUR_YEARS, JAN, NOV, NOV_DEC, County, build, expected
from youfu.testing import World

pytestmark = pytest.mark.django_db

SECTIONS = (
    "registry",
    "payments",
    "relief",
    "medical",
    "housing",
    "pairing",
    "visits",
    "petitions",
    "needs_checks",
)


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def figures(user: Any, region: Region, period: tuple[date, date]) -> dict[str, Any]:
    return summary_out(summary(user, *period, region))


@pytest.mark.parametrize("period", [NOV, NOV_DEC, JAN, FOUR_YEARS, (date(2010, 1, 1), date(2010, 12, 31))])
def test_every_figure_agrees_with_the_oracle_for_the_county_and_each_township(
    county: County, period: tuple[date, date]
) -> None:
    w = county.world
    for user, region in (
        (w.county_clerk, w.county),
        (w.leader, w.county),
        (w.county_clerk, w.township_a),
        (w.township_clerk, w.township_a),
        (w.other_township_clerk, w.township_b),
        (w.village_assistant, w.village_a),
    ):
        found = figures(user, region, period)
        want = expected(region, *period)
        for section in SECTIONS:
            assert found[section] == want[section], (user.username, region.name, period, section)


def test_the_scenario_s_figures_by_hand(county: County) -> None:
    w = county.world
    nov_dec = figures(w.county_clerk, w.county, NOV_DEC)
    a = figures(w.township_clerk, w.township_a, NOV_DEC)
    # Relief: 甲一's 1,000.00 (November, paid in November's batch) and 乙四's 800.00 (December,
    # paid in January): both approved in the period, only the first paid in it.
    assert nov_dec["relief"] == {"grants": 2, "amount": "1800.00"}
    assert nov_dec["payments"]["by_kind"]["relief"] == "1000.00"
    assert a["relief"] == {"grants": 1, "amount": "1000.00"}
    # 甲二's medical claim: approved on 8 December, paid in January.
    assert nov_dec["medical"] == {"claims": 1, "subsidy": "900.00"}
    assert nov_dec["payments"]["by_kind"]["medical"] == "0.00"
    # 甲二's November transfer failed and was paid in December as arrears.
    assert nov_dec["payments"]["failed_lines"] == 1
    assert nov_dec["payments"]["arrears_total"] == "540.00"
    assert a["payments"]["arrears_total"] == "540.00"
    # What the banks confirmed: the batches' own returned totals.
    batches = Batch.objects.filter(period__range=NOV_DEC)  # scope: test
    assert nov_dec["payments"]["paid_total"] == f"{sum(b.returned_paid_fen for b in batches) / 100:.2f}"
    # Township A: 甲一 3,240.00 × 2 + 1,000.00; 甲二 540.00 × 2; 甲三 540.00 × 2.
    assert a["payments"]["paid_total"] == "9640.00"
    assert a["payments"]["persons_paid"] == 3
    assert a["registry"] == {
        "persons": 4,
        "by_category": {"active_duty_family": 1, "disabled_veteran": 1, "war_participant": 2},
        "added": 1,
        "ended": 1,  # 甲五
    }
    assert nov_dec["registry"]["ended"] == 2  # and 乙二, who died on 20 December
    assert nov_dec["registry"]["persons"] == 7
    assert nov_dec["housing"] == {"cases_completed": 1, "households": 1, "amount": "20000.00"}
    assert figures(w.county_clerk, w.county, FOUR_YEARS)["housing"]["amount"] == "25000.00"
    assert nov_dec["pairing"] == {"activities": 2, "amount": "800.00", "departments": 2, "households": 2}
    assert a["pairing"] == {"activities": 1, "amount": "500.00", "departments": 1, "households": 1}
    assert nov_dec["visits"]["visited"] == 2
    assert a["visits"]["visited"] == 1
    assert nov_dec["petitions"]["received"] == 2
    assert a["petitions"] == {
        "received": 1,
        "accepted": 1,
        "accepted_on_time": 1,
        "replied": 1,
        "concluded": 1,
        "concluded_on_time": 1,
        "extended": 0,
        "satisfied": 1,
        "basically_satisfied": 0,
        "dissatisfied": 0,
    }
    assert nov_dec["needs_checks"] == {"found": 2, "solved": 1, "open": 1}
    assert a["needs_checks"] == {"found": 1, "solved": 1, "open": 0}
    # Claims back: November's superseded by December's within the period, counted once.
    assert nov_dec["payments"]["recoveries_raised"] == "690.00"
    assert nov_dec["payments"]["recoveries_settled"] == "100.00"
    assert nov_dec["payments"]["recoveries_waived"] == "50.00"
    assert a["payments"]["recoveries_raised"] == "150.00"
    november = figures(w.county_clerk, w.county, NOV)
    assert november["payments"]["recoveries_raised"] == "640.00"
    assert november["payments"]["recoveries_settled"] == "0.00"
    # January's batch pays what December approved: counted as paid in January, as approved in December.
    january = figures(w.county_clerk, w.county, JAN)
    assert january["payments"]["by_kind"]["relief"] == "800.00"
    assert january["payments"]["by_kind"]["medical"] == "900.00"
    assert january["relief"]["grants"] == january["medical"]["claims"] == 0
    assert figures(w.township_clerk, w.township_a, JAN)["payments"]["by_kind"]["relief"] == "0.00"
    assert november["needs_checks"] == {"found": 2, "solved": 0, "open": 2}
    assert november["petitions"]["concluded"] == 0


def test_another_township_s_records_are_never_counted(county: County) -> None:
    w = county.world
    b = figures(w.other_township_clerk, w.township_b, NOV_DEC)
    a = figures(w.township_clerk, w.township_a, NOV_DEC)
    both = figures(w.county_clerk, w.county, NOV_DEC)
    assert b["relief"] == {"grants": 1, "amount": "800.00"}
    assert b["housing"]["cases_completed"] == 0
    assert b["petitions"]["accepted"] == 0
    for section in ("relief", "medical", "visits", "needs_checks"):
        for key, value in a[section].items():
            if isinstance(value, int):
                assert value + b[section][key] == both[section][key], (section, key)
    # The county clerk asking for township A gets what A's own clerk gets.
    assert figures(w.county_clerk, w.township_a, NOV_DEC) == a


def test_a_region_outside_the_scope_is_a_404(county: County) -> None:
    w = county.world
    with pytest.raises(Http404):
        report_region(w.other_township_clerk, w.township_a.code)
    with pytest.raises(Http404):
        report_region(w.township_clerk, w.county.code)
    with pytest.raises(Http404):
        summary(w.township_clerk, *NOV, w.township_b)
    with pytest.raises(Http404):
        report_region(w.county_clerk, "999999000000")
    assert report_region(w.township_clerk, None) == w.township_a


def test_roles_that_do_not_read_personal_data_are_refused(world: World) -> None:
    for user in (world.admin, world.auditor):
        with pytest.raises(PermissionDenied):
            summary(user, *NOV)


def test_the_number_of_queries_does_not_grow_with_the_townships(county: County) -> None:
    w = county.world

    def queries(user: Any = w.county_clerk, region: Region = w.county) -> int:
        with CaptureQueriesContext(connection) as captured:
            summary(user, *NOV_DEC, region)
        return len(captured)

    before = queries()
    # One Region look-up, then one aggregate per figure group: registry 2, payments 7, relief,
    # medical, housing 2, pairing, visits, petitions, needs checks (test_query_counts.py).
    assert before == 18, before
    for n in range(2, 8):
        township = Region.objects.create(
            code=f"341199{100 + n:03d}000", name=f"新镇{n}", parent=w.county, level=RegionLevel.TOWNSHIP
        )
        Region.objects.create(
            code=f"341199{100 + n:03d}201", name=f"新村{n}", parent=township, level=RegionLevel.VILLAGE
        )
    assert queries() == before
    # Its people looked up, not those outside counted; its lines summed, not the batches' sums read.
    assert queries(w.township_clerk, w.township_a) == before - 2


def test_a_period_before_any_data_is_all_zeros(county: County) -> None:
    found = figures(county.world.county_clerk, county.world.county, (date(1990, 1, 1), date(1990, 12, 31)))
    assert found["registry"]["persons"] == 0
    assert found["payments"]["paid_total"] == "0.00"
    assert found["payments"]["by_kind"] == dict.fromkeys(("regular", "lump_sum", "relief", "medical"), "0.00")
    assert found["petitions"]["received"] == 0
    assert found["summary_text"] == "1990年，青山县未发放优抚资金。截至1990年12月31日，在册优抚对象0人。"


# --- how the payments are read ---------------------------------------------------------------------


def test_the_engine_s_lines_are_their_items_summed_with_their_benefits_bits(county: County) -> None:
    """What ``payment_figures`` relies on: a line's amount is its items' (batch and person), and its
    ``benefits`` is the sum of their benefits' bits — so a single-benefit line's amount is that
    benefit's, and only lines of several benefits need their items read."""
    lines = list(BatchLine.objects.all())  # scope: test
    assert lines
    several = 0
    for line in lines:
        items = BatchItem.objects.filter(
            batch_id=line.batch_id, beneficiary_id=line.beneficiary_id
        )  # scope: test
        assert line.amount_fen == sum(i.amount_fen for i in items), line
        assert line.benefits == sum(BENEFIT_BIT[PaymentBenefit(b)] for b in {i.benefit for i in items}), line
        several += int(line.benefits not in SINGLE_BENEFIT_BITS)
    assert several  # 甲一's relief grant was paid with his pension: the items are read for it


@pytest.mark.parametrize("few_outside", [FEW_OUTSIDE, 0])
def test_a_person_who_moved_out_of_the_county_is_no_longer_counted(
    county: County, few_outside: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The county's lines are read less those of the people outside the scope; with many outside
    (``few_outside`` 0), the people in scope are looked up instead. Both agree with the oracle."""
    w = county.world
    before = figures(w.county_clerk, w.county, NOV_DEC)
    elsewhere = Region.objects.create(code="341200000000", name="邻县", level=RegionLevel.COUNTY)
    town = Region.objects.create(
        code="341200100000", name="邻镇", parent=elsewhere, level=RegionLevel.TOWNSHIP
    )
    village = Region.objects.create(code="341200100201", name="邻村", parent=town, level=RegionLevel.VILLAGE)
    moved = county.people["乙一"]
    Beneficiary.objects.filter(pk=moved.pk).update(region=village, township=town)  # scope: test
    monkeypatch.setattr(selectors, "FEW_OUTSIDE", few_outside)
    after = figures(w.county_clerk, w.county, NOV_DEC)
    assert after["payments"] == expected(w.county, *NOV_DEC)["payments"]
    assert after["payments"]["persons_paid"] == before["payments"]["persons_paid"] - 1
    assert after["payments"]["paid_total"] != before["payments"]["paid_total"]
