"""The route walk's samples and payloads for housing's routes (see youfu/accounts/tests/walking.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from youfu.accounts.tests.walking import (
    DAY,
    STAFF,
    Access,
    Write,
    acl,
    api,
    page,
    person_a,
    upload,
)
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.relief.housing import services
from youfu.relief.housing.models import HousingCase, HousingPhoto, HousingSurvey
from youfu.relief.tests import walk_grants
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


def pending_case(world: World) -> HousingCase:
    """A repair case of another home of township A waiting for a leader: to approve or refuse."""
    person = walk_grants.walk_person(world)
    found = HousingCase.objects.filter(beneficiary=person).first()  # scope: test data
    if found is not None:
        return found
    return services.do_open_case(
        person, kind="repair", budget_fen=2_000_000, opened_on=ON, acting_user=world.township_clerk
    )


def homeless_of_a_case(world: World) -> int:
    """A person of township A whose home has no case yet: for a new case."""
    found = Beneficiary.objects.filter(name="柳湾钱七").first()  # scope: test data
    return int((found or register(world.township_clerk, world.village_a, name="柳湾钱七")).pk)


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


def waiting(world: World, action: str) -> dict[str, Any]:
    """A leader decides a waiting case; the rest act on the approved one."""
    return {"@housing_case_id": pending_case(world).pk} if action in ("approve", "refuse") else {}


WRITES: dict[tuple[str, str], Write] = {
    ("POST", "housing/cases/<int:housing_case_id>/"): page(
        lambda w: [{"action": name, **body, **waiting(w, name)} for name, body in CASE_ACTIONS.items()]
    ),
    ("POST", "housing/surveys/<int:survey_id>/photos/"): page(lambda w: {"file": upload("h.jpg", jpeg())}),
    ("POST", "api/v1/housing/surveys/<survey_id>/photos"): page(lambda w: {"file": upload("h.jpg", jpeg())}),
    ("POST", "api/v1/housing/cases/<housing_case_id>/approve"): api(lambda w: waiting(w, "approve")),
    ("POST", "api/v1/housing/cases/<housing_case_id>/refuse"): api(
        lambda w: {**CASE_ACTIONS["refuse"], **waiting(w, "refuse")}
    ),
    ("POST", "api/v1/housing/cases/<housing_case_id>/budget"): api(lambda w: CASE_ACTIONS["budget"]),
    ("POST", "api/v1/housing/cases/<housing_case_id>/disburse"): api(lambda w: CASE_ACTIONS["disburse"]),
    ("POST", "api/v1/housing/cases/<housing_case_id>/complete"): api(lambda w: CASE_ACTIONS["complete"]),
}

NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "housing/surveys/new/"): page(
        lambda w: {"beneficiary": person_a(w), "grade": "C", "surveyed_on": DAY, "note": "外乡镇"}
    ),
    ("POST", "housing/cases/new/"): page(
        lambda w: {"beneficiary": homeless_of_a_case(w), "kind": "new", "budget": "50000"}
    ),
    ("POST", "api/v1/housing/surveys"): api(
        lambda w: {"beneficiary": person_a(w), "grade": "C", "surveyed_on": DAY, "note": "外乡镇"}
    ),
    ("POST", "api/v1/housing/cases"): api(
        lambda w: {"beneficiary": homeless_of_a_case(w), "kind": "new", "budget": "50000"}
    ),
}
READ_ONLY: set[str] = set()

# Who gets through, route by route (see youfu/accounts/tests/walking.py, acl).
ACCESS: dict[str, Access] = {
    "housing/": acl(get=STAFF),
    "housing/export/": acl(get=STAFF),
    "housing/cases/new/": acl(get="ctv", post="ctv"),
    "housing/cases/<int:housing_case_id>/": acl(
        get="cltv",
        post={"approve": "l", "refuse": "l", "budget": "ctv", "disburse": "ctv", "complete": "ctv"},
    ),
    "housing/surveys/": acl(get=STAFF),
    "housing/surveys/export/": acl(get=STAFF),
    "housing/surveys/new/": acl(get="ctv", post="ctv"),
    "housing/surveys/<int:survey_id>/": acl(get="cltv"),
    "housing/surveys/<int:survey_id>/photos/": acl(post="ctv"),
    "housing/surveys/<int:survey_id>/photos/<int:photo_id>/": acl(get="cltv"),
    "housing/unserved/": acl(get=STAFF),
    "housing/unserved/export/": acl(get=STAFF),
    "api/v1/housing/surveys": acl(get=STAFF, post="ctv"),
    "api/v1/housing/surveys/<survey_id>": acl(get="cltv"),
    "api/v1/housing/surveys/<survey_id>/photos": acl(post="ctv"),
    "api/v1/housing/surveys/<survey_id>/photos/<photo_id>": acl(get="cltv"),
    "api/v1/housing/unserved": acl(get=STAFF),
    "api/v1/housing/cases": acl(get=STAFF, post="ctv"),
    "api/v1/housing/cases/<housing_case_id>": acl(get="cltv"),
    "api/v1/housing/cases/<housing_case_id>/approve": acl(post="l"),
    "api/v1/housing/cases/<housing_case_id>/refuse": acl(post="l"),
    "api/v1/housing/cases/<housing_case_id>/budget": acl(post="ctv"),
    "api/v1/housing/cases/<housing_case_id>/disburse": acl(post="ctv"),
    "api/v1/housing/cases/<housing_case_id>/complete": acl(post="ctv"),
}
