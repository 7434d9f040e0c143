"""Test data for 应享未享: people and facts, built through the real services where there are
services (registration, premiums, surveys, cases, deaths); households by a plain write, as the
registry import makes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from youfu.accounts.models import User
from youfu.core.idnumber import IdNumber
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Household, LifeEvent, LifeEventKind
from youfu.registry.services import Payee, do_add_qualification, do_record_life_event, do_register_beneficiary
from youfu.registry.tests.factories import id_number_for, person_data, qualification_data
from youfu.relief.discoveries.models import Discovery
from youfu.relief.housing.models import HousingCase, HousingSurvey
from youfu.relief.housing.services import do_open_case, do_record_survey, do_refuse_budget
from youfu.relief.medical.models import MedicalPremium
from youfu.relief.medical.services.yearly import do_record_premium

YEAR = 2026
PAYEE_ID_NUMBER = id_number_for(date(1980, 1, 1), male=False)


def person(
    clerk: User,
    region: Region,
    *categories: Category,
    born: date = date(1960, 5, 1),
    residence: str = "rural",
    name: str = "张三",
    details: dict[Category, dict[str, Any]] | None = None,
    id_number: str | None = None,
) -> Beneficiary:
    """A registered person holding ``categories`` (``details`` overrides a qualification's fields)."""
    quals = [qualification_data(c, **(details or {}).get(c, {})) for c in categories]
    data = person_data(region, birth_date=born, residence=residence, name=name, id_number=id_number)
    return do_register_beneficiary(data, quals, acting_user=clerk)


def veteran(clerk: User, region: Region, **kwargs: Any) -> Beneficiary:
    """A rural other veteran (no regular benefit), 60 or over in 2026 unless ``born`` says otherwise."""
    return person(clerk, region, Category.OTHER_VETERAN, **kwargs)


def disabled(clerk: User, region: Region, level: int = 5, **kwargs: Any) -> Beneficiary:
    details = {Category.DISABLED_VETERAN: {"disability_cause": "combat", "disability_level": level}}
    return person(clerk, region, Category.DISABLED_VETERAN, details=details, **kwargs)


def premium(clerk: User, who: Beneficiary, year: int = YEAR) -> MedicalPremium:
    return do_record_premium(who, year, 36000, acting_user=clerk)


def survey(clerk: User, who: Beneficiary, grade: str = "D", on: date = date(2026, 3, 2)) -> HousingSurvey:
    return do_record_survey(who, grade=grade, surveyed_on=on, note="墙体开裂", acting_user=clerk)


def case(clerk: User, who: Beneficiary) -> HousingCase:
    return do_open_case(who, kind="repair", budget_fen=2_000_000, acting_user=clerk)


def refuse(leader: User, housing_case: HousingCase) -> HousingCase:
    return do_refuse_budget(housing_case, reason="不符合条件", acting_user=leader)


def household(*members: Beneficiary) -> Household:
    home = Household.objects.create(region_id=members[0].region_id, address="柳湾村1号")
    Beneficiary.objects.filter(pk__in=[m.pk for m in members]).update(household=home)
    for member in members:
        member.refresh_from_db()
    return home


def death(clerk: User, who: Beneficiary, on: date = date(2026, 4, 3), *, payee: bool = False) -> LifeEvent:
    named = None
    if payee:
        named = Payee(
            name="张秀兰",
            id_number=IdNumber(PAYEE_ID_NUMBER),
            bank_name="农村商业银行",
            bank_account="6230000000000000002",
        )
    return do_record_life_event(who, LifeEventKind.DEATH, on, acting_user=clerk, payee=named, note="家属来报")


def survivor_qualification(
    clerk: User, who: Beneficiary, category: Category = Category.ILLNESS_DEATH_SURVIVOR
) -> Any:
    return do_add_qualification(
        who, qualification_data(category, approved_on=date(2026, 5, 1)), acting_user=clerk
    )


def findings(**filters: Any) -> list[tuple[str, int, int, str]]:
    """(rule, person, fact, state) of every finding, in a stable order."""
    return list(
        Discovery.objects.filter(**filters)  # scope: a test's view of everything
        .order_by("rule", "beneficiary_id", "fact_key")
        .values_list("rule", "beneficiary_id", "fact_key", "state")
    )
