"""Registry test data, built through the real services (they encrypt, index and audit)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from youfu.accounts.models import User
from youfu.core.idnumber import IdNumber, make_id_number
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_register_beneficiary
from youfu.registry.validation import PersonData, QualificationData

_sequence = itertools.count(1)


def id_number_for(born: date = date(1950, 3, 1), *, male: bool = True, area: str = "341199") -> str:
    n = next(_sequence) % 500
    return make_id_number(area, born, 2 * n + (1 if male else 0))


def person_data(region: Region, **overrides: Any) -> PersonData:
    born = overrides.pop("birth_date", date(1950, 3, 1))
    male = overrides.pop("male", True)
    number = IdNumber(overrides.pop("id_number", None) or id_number_for(born, male=male))
    township = region if region.level == RegionLevel.TOWNSHIP else region.parent
    assert township is not None
    values: dict[str, Any] = {
        "name": "张三",
        "id_number": number,
        "sex": number.sex,
        "birth_date": number.birth_date,
        "ethnicity": "汉族",
        "residence": "rural",
        "township": township,
        "village": region if region.level == RegionLevel.VILLAGE else None,
        "phone": "13800000000",
        "bank_name": "农村商业银行",  # as registered: the bank list's name
        "bank_account": "6230000000000000001",
    }
    values.update(overrides)
    return PersonData(**values)


def qualification_data(category: Category = Category.WAR_PARTICIPANT, **overrides: Any) -> QualificationData:
    values: dict[str, Any] = {"category": category, "approved_on": date(2020, 1, 1)}
    if category == Category.DISABLED_VETERAN:
        values.update(disability_cause="combat", disability_level=6)
    values.update(overrides)
    return QualificationData(**values)


def register(
    acting_user: User,
    region: Region,
    categories: tuple[Category, ...] = (Category.WAR_PARTICIPANT,),
    **person: Any,
) -> Beneficiary:
    return do_register_beneficiary(
        person_data(region, **person), [qualification_data(c) for c in categories], acting_user=acting_user
    )
