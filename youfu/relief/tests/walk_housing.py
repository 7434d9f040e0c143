"""The route walk's samples and payloads for housing's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import DAY, Write, api, nothing, page, person_a, upload
from youfu.registry.models import Beneficiary
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingCase, HousingPhoto, HousingSurvey
from youfu.relief.tests.factories_housing import jpeg
from youfu.relief.tests.factories_housing import upload as photo_upload
from youfu.testing import World

ON = date(2025, 3, 3)


def walk_survey(world: World) -> HousingSurvey:
    """A grade-D survey of township A's person, with a photo."""
    person = Beneficiary.objects.get(pk=person_a(world))  # scope: test data
    existing = HousingSurvey.objects.filter(beneficiary=person).order_by("pk").first()  # scope: test data
    if existing is not None:
        return existing
    survey = services.do_record_survey(
        person, grade="D", surveyed_on=ON, note="柳湾危房", acting_user=world.township_clerk
    )
    services.do_add_photo(survey, photo_upload("walk.jpg", jpeg()), acting_user=world.township_clerk)
    return survey


def walk_photo(world: World) -> HousingPhoto:
    return HousingPhoto.objects.filter(survey=walk_survey(world)).get()  # scope: test data


def walk_case(world: World) -> HousingCase:
    """An approved repair case of township A's person."""
    walk_survey(world)
    person = Beneficiary.objects.get(pk=person_a(world))  # scope: test data
    existing = HousingCase.objects.filter(beneficiary=person).order_by("pk").first()  # scope: test data
    if existing is not None:
        return existing
    case = services.do_open_case(
        person, kind="repair", budget_fen=3_000_000, opened_on=ON, acting_user=world.township_clerk
    )
    return services.do_approve_budget(case, acting_user=world.leader, on=ON)


SAMPLES: dict[str, Callable[[World], Any]] = {
    "survey_id": lambda w: walk_survey(w).pk,
    "photo_id": lambda w: walk_photo(w).pk,
    "housing_case_id": lambda w: walk_case(w).pk,
}

CASE_ACTIONS: dict[str, dict[str, str]] = {
    "approve": {"note": "同意"},
    "refuse": {"reason": "不符合条件"},
    "budget": {"budget": "40000", "reason": "材料涨价"},
    "disburse": {"amount": "1000", "paid_on": DAY, "note": "首笔"},
    "complete": {"completed_on": DAY},
}

WRITES: dict[tuple[str, str], Write] = {
    ("POST", "housing/cases/<int:housing_case_id>/"): page(
        lambda w: [{"action": name, **body} for name, body in CASE_ACTIONS.items()]
    ),
    ("POST", "housing/surveys/<int:survey_id>/photos/"): page(lambda w: {"file": upload("h.jpg", jpeg())}),
    ("POST", "api/v1/housing/surveys/<survey_id>/photos"): page(lambda w: {"file": upload("h.jpg", jpeg())}),
    ("POST", "api/v1/housing/cases/<housing_case_id>/approve"): api(nothing),
    ("POST", "api/v1/housing/cases/<housing_case_id>/refuse"): api(lambda w: CASE_ACTIONS["refuse"]),
    ("POST", "api/v1/housing/cases/<housing_case_id>/budget"): api(lambda w: CASE_ACTIONS["budget"]),
    ("POST", "api/v1/housing/cases/<housing_case_id>/disburse"): api(lambda w: CASE_ACTIONS["disburse"]),
    ("POST", "api/v1/housing/cases/<housing_case_id>/complete"): api(lambda w: CASE_ACTIONS["complete"]),
}

NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "housing/surveys/new/"): page(
        lambda w: {"beneficiary": person_a(w), "grade": "C", "surveyed_on": DAY, "note": "外乡镇"}
    ),
    ("POST", "housing/cases/new/"): page(
        lambda w: {"beneficiary": person_a(w), "kind": "new", "budget": "50000"}
    ),
    ("POST", "api/v1/housing/surveys"): api(
        lambda w: {"beneficiary": person_a(w), "grade": "C", "surveyed_on": DAY, "note": "外乡镇"}
    ),
    ("POST", "api/v1/housing/cases"): api(
        lambda w: {"beneficiary": person_a(w), "kind": "new", "budget": "50000"}
    ),
}
READ_ONLY: set[str] = set()
