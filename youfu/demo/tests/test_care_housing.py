"""The demo's housing: four years of surveys and cases built through the services on a small demo
county (the registry and accounts of load-demo), at the seed county's scale, and only once."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db.models import Count, Sum
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from youfu.audit.verify import verify_chain
from youfu.demo import care_housing
from youfu.demo.care_staff import CareStaff
from youfu.demo.tests.helpers import small_demo
from youfu.relief.housing.models import HousingCase, HousingDisbursement, HousingPhoto, HousingSurvey
from youfu.relief.housing.selectors import unserved_surveys

PERSONS = 1000
TODAY = date(2026, 12, 2)
MEDIA = Path(tempfile.mkdtemp(prefix="demo-housing-"))


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, int]]:
    with small_demo(django_db_blocker, PERSONS, override_settings(MEDIA_ROOT=MEDIA)) as staff:
        yield care_housing.fill(staff, TODAY, random.Random("demo-housing"))  # noqa: S311


pytestmark = pytest.mark.django_db


def test_hundreds_of_homes_at_the_seed_countys_scale(demo: dict[str, int]) -> None:
    # 1,000 people of the seed county's 14,000: ~57 homes and ~16 cases.
    assert demo["surveys"] == HousingSurvey.objects.count()  # scope: test
    homes = HousingSurvey.objects.values("beneficiary").distinct().count()  # scope: test
    assert 50 <= homes <= 65
    grades = dict(HousingSurvey.objects.values_list("grade").annotate(n=Count("pk")))  # scope: test
    assert grades.get("A", 0) + grades.get("B", 0) > grades.get("C", 0) + grades.get("D", 0) > 0
    assert demo["cases"] == HousingCase.objects.count() == 16  # scope: test
    kinds = set(HousingCase.objects.values_list("kind", flat=True))  # scope: test
    assert kinds == {"new", "repair"}


def test_cases_are_approved_paid_and_mostly_completed(demo: dict[str, int]) -> None:
    cases = HousingCase.objects.all()  # scope: test
    completed = cases.filter(state="completed")
    assert completed.count() == demo["completed"] >= cases.count() * 0.6
    for case in completed:
        assert case.paid_fen == case.budget_fen > 0
        assert (
            case.approved_on is not None and case.opened_on <= case.approved_on <= case.completed_on <= TODAY
        )
        assert case.budgets.filter(state="approved").exclude(decided_by__username="leader").count() == 0
    assert not HousingDisbursement.objects.filter(paid_on__gt=TODAY).exists()  # scope: test
    paid = HousingDisbursement.objects.aggregate(total=Sum("amount_fen"))["total"]  # scope: test
    assert paid == cases.aggregate(total=Sum("paid_fen"))["total"]
    for case in cases.exclude(state="completed"):
        assert case.paid_fen <= case.budget_fen


def test_some_homes_are_still_unserved_and_a_couple_have_photos(demo: dict[str, int]) -> None:
    assert unserved_surveys().count() == demo["unserved"] > 0
    photos = HousingPhoto.objects.all()  # scope: test
    assert photos.count() == demo["photos"] == 2
    # Stored under the MEDIA_ROOT of the test that built the module's demo (each test gets its own).
    stored = list(MEDIA.rglob("*.jpg"))
    assert {p.file.name.rsplit("/", 1)[-1] for p in photos} <= {f.name for f in stored}
    assert all(f.read_bytes().startswith(b"\xff\xd8") for f in stored)
    assert verify_chain().ok


def test_a_second_run_adds_nothing(demo: dict[str, int]) -> None:
    counts = (HousingSurvey.objects.count(), HousingCase.objects.count())  # scope: test
    again = care_housing.fill(CareStaff.load(), TODAY, random.Random("again"))  # noqa: S311
    assert set(again.values()) == {0}
    assert (HousingSurvey.objects.count(), HousingCase.objects.count()) == counts  # scope: test
