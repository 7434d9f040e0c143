"""The demo's visits: four years of 元旦春节 and 八一 campaigns for the elderly, built through the
services on a small demo county (the registry and accounts of load-demo), and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

import pytest
from django.db.models import Count
from pytest_django import DjangoDbBlocker

from youfu.audit.verify import verify_chain
from youfu.demo import care_visits
from youfu.demo.care_staff import CareStaff
from youfu.demo.tests.helpers import small_demo
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget

PERSONS = 1000
TODAY = date(2026, 12, 2)  # the first days of the 2027 元旦春节 campaign


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS) as staff:
        yield care_visits.fill(staff, TODAY, random.Random("demo-visits"))  # noqa: S311


pytestmark = pytest.mark.django_db


def test_four_years_of_spring_festival_and_army_day_campaigns(demo: dict[str, int]) -> None:
    names = list(VisitCampaign.objects.order_by("starts_on").values_list("name", flat=True))  # scope: test
    assert names == [
        "2023年八一建军节走访慰问",
        "2024年元旦春节走访慰问",
        "2024年八一建军节走访慰问",
        "2025年元旦春节走访慰问",
        "2025年八一建军节走访慰问",
        "2026年元旦春节走访慰问",
        "2026年八一建军节走访慰问",
        "2027年元旦春节走访慰问",
    ]
    assert demo["campaigns"] == 8
    assert demo["targets"] == VisitTarget.objects.count()  # scope: test
    assert demo["visits"] == Visit.objects.count()  # scope: test
    assert all(
        c.min_age == 80 and c.region_id == "341199000000" for c in VisitCampaign.objects.all()
    )  # scope: test


def test_ended_campaigns_are_nearly_done_and_the_running_one_partly(demo: dict[str, int]) -> None:
    rows = (
        VisitTarget.objects.values("campaign__name", "campaign__ends_on")  # scope: test
        .annotate(targets=Count("pk"), visited=Count("visit"))
        .order_by("campaign__starts_on")
    )
    for row in rows:
        share = row["visited"] / row["targets"]
        if row["campaign__ends_on"] < TODAY:
            assert 0.85 <= share <= 0.97, row
        else:
            assert 0.1 <= share <= 0.4, row  # the running campaign: people still to visit
    # ~400 elderly a year at the seed county's scale (14,000 people): ~29 per 1,000.
    per_year = (
        Visit.objects.filter(visited_on__year=2025).values("target__beneficiary").distinct().count()
    )  # scope: test
    assert 15 <= per_year <= 45


def test_visits_have_staff_money_goods_and_dates_in_the_campaign(demo: dict[str, int]) -> None:
    visit = Visit.objects.select_related("target__campaign").order_by("pk").first()  # scope: test
    assert visit is not None
    campaign = visit.target.campaign
    assert campaign.starts_on <= visit.visited_on <= min(campaign.ends_on, TODAY)
    assert visit.money_fen in (50000, 80000, 100000) and visit.goods
    assert "、" in visit.visitors
    assert not Visit.objects.filter(visited_on__gt=TODAY).exists()  # scope: test
    township = Visit.objects.filter(target__beneficiary__township_id="341199100000")  # scope: test
    assert township.exists() and all(v.visitors == "李乡干、周协理" for v in township)
    assert verify_chain().ok


def test_a_second_run_adds_nothing(demo: dict[str, int]) -> None:
    counts = (VisitCampaign.objects.count(), Visit.objects.count())  # scope: test
    again = care_visits.fill(CareStaff.load(), TODAY, random.Random("again"))  # noqa: S311
    assert again == {"campaigns": 0, "targets": 0, "visits": 0}
    assert (VisitCampaign.objects.count(), Visit.objects.count()) == counts  # scope: test
