"""因病 disability is recognised at levels 1–6 only: one rule (``categories.level_refusal``)
that every entry asks — the import, the person forms and the API, the level change (its
form, its API and its service) and the standards import."""

from __future__ import annotations

from datetime import date

import pytest

from youfu.core.errors import InvalidInput
from youfu.registry.categories import MAX_LEVEL, Category, DisabilityCause, level_refusal
from youfu.registry.forms import clean_life_event
from youfu.registry.models import Beneficiary, LifeEventKind
from youfu.registry.services import do_record_life_event, do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.testing import World

ILLNESS_ONLY_TO_SIX = "Disability from illness is recognised at levels 1 to 6 only."


@pytest.mark.parametrize(
    ("cause", "level", "refusal"),
    [
        ("illness", 1, None),
        ("illness", 6, None),
        ("illness", 7, ILLNESS_ONLY_TO_SIX),
        ("illness", 10, ILLNESS_ONLY_TO_SIX),
        ("combat", 7, None),
        ("combat", 10, None),
        ("duty", 10, None),
        ("combat", 11, "A disability level is 1 to 10, not 11."),
        ("duty", 0, "A disability level is 1 to 10, not 0."),
        (None, 10, None),
        ("", 11, "A disability level is 1 to 10, not 11."),
    ],
)
def test_the_rule(cause: str | None, level: int, refusal: str | None) -> None:
    found = level_refusal(cause, level)
    assert (found.en if found else None) == refusal


def test_the_standards_table_offers_the_levels_the_rule_allows() -> None:
    for cause in DisabilityCause:
        allowed = [n for n in range(0, 12) if level_refusal(cause, n) is None]
        assert allowed == list(range(1, MAX_LEVEL[cause] + 1))


def _ill_veteran(world: World, level: int = 5) -> Beneficiary:
    return do_register_beneficiary(
        person_data(world.village_a),
        [
            qualification_data(
                Category.DISABLED_VETERAN,
                disability_cause=DisabilityCause.ILLNESS,
                disability_level=level,
            )
        ],
        acting_user=world.county_clerk,
    )


@pytest.mark.django_db
class TestTheLevelChange:
    def test_the_service_refuses_an_illness_level_above_six(self, world: World) -> None:
        person = _ill_veteran(world)
        qualification = person.qualifications.get()
        with pytest.raises(InvalidInput) as refused:
            do_record_life_event(
                person,
                LifeEventKind.LEVEL_CHANGE,
                date(2025, 7, 1),
                acting_user=world.county_clerk,
                qualification=qualification,
                level=7,
            )
        assert refused.value.message.en == ILLNESS_ONLY_TO_SIX
        qualification.refresh_from_db()
        assert qualification.disability_level == 5
        do_record_life_event(
            person,
            LifeEventKind.LEVEL_CHANGE,
            date(2025, 7, 1),
            acting_user=world.county_clerk,
            qualification=qualification,
            level=6,
        )
        qualification.refresh_from_db()
        assert qualification.disability_level == 6

    def test_the_form_and_the_api_refuse_it_beside_the_level(self, world: World) -> None:
        person = _ill_veteran(world)
        raw = {
            "kind": LifeEventKind.LEVEL_CHANGE,
            "effective_on": "2025-07-01",
            "qualification_id": person.qualifications.get().pk,
            "level": "7",
        }
        _, errors = clean_life_event(raw, person, world.county_clerk)
        assert [(key, message.en) for key, message in errors] == [("level", ILLNESS_ONLY_TO_SIX)]
        _, errors = clean_life_event({**raw, "level": "6"}, person, world.county_clerk)
        assert errors == []
