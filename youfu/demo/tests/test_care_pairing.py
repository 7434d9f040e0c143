"""The demo's pairing support: about fifty county departments, each with two to five households,
four years of activities of the five kinds, built through the services on a small demo county
(the registry and accounts of load-demo), and only once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count
from django.test import Client
from pytest_django import DjangoDbBlocker

from youfu.accounts.models import User
from youfu.audit.verify import verify_chain
from youfu.demo import care_pairing
from youfu.demo.care_staff import CareStaff
from youfu.demo.tests.helpers import small_demo
from youfu.outreach.pairing.models import ActivityKind, Pairing, PairingActivity
from youfu.outreach.pairing.selectors import summary
from youfu.testing import log_in

PERSONS = 1000
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS, time_machine.travel(NOW, tick=False)) as staff:
        yield care_pairing.fill(staff, TODAY, random.Random("demo-pairing"))  # noqa: S311


@pytest.fixture
def today(demo: dict[str, int]) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


pytestmark = pytest.mark.django_db


def test_about_fifty_departments_each_with_two_to_five_households(demo: dict[str, int]) -> None:
    assert demo["departments in pairing"] == len(care_pairing.DEPARTMENTS) == 50
    per_department = Pairing.objects.values("department").annotate(n=Count("pk"))  # scope: test
    assert len(per_department) == 50
    still_open = Pairing.objects.filter(ended_on__isnull=True)  # scope: test
    open_per_department = still_open.values("department").annotate(n=Count("pk"))
    assert {row["n"] for row in open_per_department} <= {2, 3, 4, 5}
    assert demo["pairings"] == Pairing.objects.count()  # scope: test
    townships = Pairing.objects.values("beneficiary__township").distinct().count()  # scope: test
    assert townships >= 5
    assert 1 <= demo["ended"] < demo["pairings"] // 5


def test_four_years_of_the_five_kinds(demo: dict[str, int]) -> None:
    activities = PairingActivity.objects.all()  # scope: test
    assert demo["activities"] == activities.count() > 2000
    kinds = dict(activities.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    assert set(kinds) == set(ActivityKind.values)
    years = {d.year for d in activities.values_list("done_on", flat=True)}
    assert {2023, 2024, 2025, 2026} <= years <= {2022, 2023, 2024, 2025, 2026}  # four years to 2026-12-02
    assert not activities.filter(kind="funds", amount_fen__isnull=True).exists()
    assert not activities.filter(kind__in=["policy", "jobs"], amount_fen__isnull=False).exists()
    assert not activities.filter(done_on__gt=TODAY).exists()
    # every activity lies within its pairing's dates
    for activity in activities.select_related("pairing"):
        assert activity.pairing.started_on <= activity.done_on <= (activity.pairing.ended_on or TODAY)


def test_the_liaisons_department_has_households_and_records(demo: dict[str, int], today: None) -> None:
    liaison = User.objects.get(username="liaison")
    mine = Pairing.objects.visible_to(liaison)
    assert mine.filter(ended_on__isnull=True).count() >= 4
    assert set(mine.values_list("department__name", flat=True)) == {"县民政局"}
    assert PairingActivity.objects.filter(recorded_by=liaison).count() > 20  # scope: test
    totals = summary(liaison, 2026)
    assert [row.department.name for row in totals.departments] == ["县民政局"]
    assert totals.county.activities > 0


def test_the_liaison_pages_show_it(demo: dict[str, int], today: None, client: Client) -> None:
    liaison = User.objects.get(username="liaison")
    log_in(client, liaison)
    home = client.get("/").content.decode()
    assert 'data-testid="work-pairing"' in home
    page = client.get(f"/pairing/departments/{liaison.department_id}/")
    assert page.status_code == 200
    assert "县民政局" in page.content.decode()


def test_the_timestamps_read_like_a_history(demo: dict[str, int]) -> None:
    first = Pairing.objects.order_by("started_on").first()  # scope: test
    assert first is not None
    assert first.created_at.date() == first.started_on


def test_a_second_run_adds_nothing(demo: dict[str, int], today: None) -> None:
    again = care_pairing.fill(CareStaff.load(), TODAY, random.Random("demo-pairing"))  # noqa: S311
    assert again["departments created"] == 0
    assert again["pairings"] == 0
    assert again["activities"] == 0
    assert verify_chain().ok
