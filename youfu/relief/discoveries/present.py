"""How a finding reads, in one place for the list page, the person card, the API and the export:
the evidence the rule found (as data and in words) and where a clerk acts on it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from youfu.relief.discoveries.models import Discovery, Rule


def evidence(finding: Discovery, year: int) -> dict[str, Any]:
    """What the rule rests on. ``finding`` comes from ``selectors.with_evidence``."""
    person = finding.beneficiary
    match finding.rule:
        case Rule.RURAL_VETERAN_60:
            return {"age": year - person.birth_date.year, "year": year, "residence": person.residence}
        case Rule.PREMIUM_MISSING:
            return {"year": finding.year, "disability_level": getattr(finding, "disability_level", None)}
        case Rule.HOUSING_UNSERVED:
            survey = finding.survey
            assert survey is not None
            return {"grade": survey.grade, "surveyed_on": survey.surveyed_on}
        case _:
            death = finding.death
            assert death is not None
            return {
                "death_date": death.effective_on,
                "household_members": int(getattr(finding, "household_others", 0) or 0),
                "payee": bool(getattr(finding, "has_payee", False)),
            }


def evidence_text(finding: Discovery, year: int) -> str:
    facts = evidence(finding, year)
    match finding.rule:
        case Rule.RURAL_VETERAN_60:
            return _("aged %(age)s in %(year)s, rural residence") % facts
        case Rule.PREMIUM_MISSING:
            if facts["disability_level"] is None:
                return _("no premium recorded for %(year)s") % facts
            return _("level %(disability_level)s, no premium recorded for %(year)s") % facts
        case Rule.HOUSING_UNSERVED:
            return _("graded %(grade)s on %(date)s, no housing case") % {
                "grade": facts["grade"],
                "date": facts["surveyed_on"].isoformat(),
            }
        case _:
            parts = [_("died on %(date)s") % {"date": facts["death_date"].isoformat()}]
            if facts["household_members"]:
                parts.append(_("%(n)s other household members") % {"n": facts["household_members"]})
            if facts["payee"]:
                parts.append(_("a payee is named"))
            return _(", ").join(parts)


def action(finding: Discovery) -> tuple[str, str]:
    """The label and address of the page where a clerk acts on the finding."""
    person = finding.beneficiary_id
    match finding.rule:
        case Rule.RURAL_VETERAN_60:
            return _("Add the qualification"), reverse("registry:add_qualification", args=[person])
        case Rule.PREMIUM_MISSING:
            # The premiums list of the year, narrowed to the missing ones of the person's township:
            # a premium is recorded on its row.
            query = urlencode(
                {"year": finding.year, "covered": "no", "township": finding.beneficiary.township_id}
            )
            return _("Record the premium"), f"{reverse('relief_medical:premiums')}?{query}"
        case Rule.HOUSING_UNSERVED:
            query = urlencode({"beneficiary": person})
            return _("Open a housing case"), f"{reverse('relief_housing:case_new')}?{query}"
        case _:
            return _("Review the household"), reverse("registry:detail", args=[person])
