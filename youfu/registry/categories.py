"""The categories of entitlement (优抚类别) and what each is paid (DESIGN.md §2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from youfu.core.messages import Message


class Category(models.TextChoices):
    DISABLED_VETERAN = "disabled_veteran", _("disabled veteran")
    MARTYR_SURVIVOR = "martyr_survivor", _("martyr's survivor")
    DUTY_DEATH_SURVIVOR = "duty_death_survivor", _("survivor of a service death")
    ILLNESS_DEATH_SURVIVOR = "illness_death_survivor", _("survivor of a death from illness in service")
    DEMOBILIZED_VETERAN = "demobilized_veteran", _("demobilized veteran in the countryside")
    RETURNED_ILL_VETERAN = "returned_ill_veteran", _("veteran returned home with illness")
    WAR_PARTICIPANT = "war_participant", _("war participant")
    NUCLEAR_TEST_PARTICIPANT = "nuclear_test_participant", _("nuclear test participant")
    ELDERLY_MARTYR_CHILD = "elderly_martyr_child", _("martyr's child over 60")
    ELDERLY_RURAL_VETERAN = "elderly_rural_veteran", _("rural veteran over 60")
    CONSCRIPT_FAMILY = "conscript_family", _("conscript's family")
    ACTIVE_DUTY_FAMILY = "active_duty_family", _("active-duty family")
    OTHER_VETERAN = "other_veteran", _("other veteran")


# The names on paper and in spreadsheets: import and export use exactly these.
CHINESE_NAMES: dict[Category, str] = {
    Category.DISABLED_VETERAN: "残疾军人",
    Category.MARTYR_SURVIVOR: "烈士遗属",
    Category.DUTY_DEATH_SURVIVOR: "因公牺牲军人遗属",
    Category.ILLNESS_DEATH_SURVIVOR: "病故军人遗属",
    Category.DEMOBILIZED_VETERAN: "在乡复员军人",
    Category.RETURNED_ILL_VETERAN: "带病回乡退伍军人",
    Category.WAR_PARTICIPANT: "参战退役人员",
    Category.NUCLEAR_TEST_PARTICIPANT: "参试退役人员",
    Category.ELDERLY_MARTYR_CHILD: "烈士子女",
    Category.ELDERLY_RURAL_VETERAN: "农村籍退役士兵",
    Category.CONSCRIPT_FAMILY: "义务兵家属",
    Category.ACTIVE_DUTY_FAMILY: "现役军人家属",
    Category.OTHER_VETERAN: "其他退役军人",
}
CATEGORY_BY_CHINESE_NAME = {name: category for category, name in CHINESE_NAMES.items()}


class Benefit(models.TextChoices):
    DISABILITY_PENSION = "disability_pension", _("disability pension")
    SURVIVOR_PENSION = "survivor_pension", _("survivor pension")
    LIVING_SUBSIDY = "living_subsidy", _("living subsidy")
    CONSCRIPT_FAMILY_ALLOWANCE = "conscript_family_allowance", _("conscript family allowance")


BENEFIT_OF: dict[Category, Benefit] = {
    Category.DISABLED_VETERAN: Benefit.DISABILITY_PENSION,
    Category.MARTYR_SURVIVOR: Benefit.SURVIVOR_PENSION,
    Category.DUTY_DEATH_SURVIVOR: Benefit.SURVIVOR_PENSION,
    Category.ILLNESS_DEATH_SURVIVOR: Benefit.SURVIVOR_PENSION,
    Category.DEMOBILIZED_VETERAN: Benefit.LIVING_SUBSIDY,
    Category.RETURNED_ILL_VETERAN: Benefit.LIVING_SUBSIDY,
    Category.WAR_PARTICIPANT: Benefit.LIVING_SUBSIDY,
    Category.NUCLEAR_TEST_PARTICIPANT: Benefit.LIVING_SUBSIDY,
    Category.ELDERLY_MARTYR_CHILD: Benefit.LIVING_SUBSIDY,
    Category.ELDERLY_RURAL_VETERAN: Benefit.LIVING_SUBSIDY,
    Category.CONSCRIPT_FAMILY: Benefit.CONSCRIPT_FAMILY_ALLOWANCE,
}
MONTHLY_BENEFITS = frozenset({Benefit.DISABILITY_PENSION, Benefit.SURVIVOR_PENSION, Benefit.LIVING_SUBSIDY})
# 重点优抚对象: the categories paid a regular monthly benefit.
PRIORITY_CATEGORIES = frozenset(c for c, b in BENEFIT_OF.items() if b in MONTHLY_BENEFITS)


class DisabilityCause(models.TextChoices):
    COMBAT = "combat", _("in combat")
    DUTY = "duty", _("on duty")
    ILLNESS = "illness", _("from illness")


CAUSE_BY_CHINESE_NAME = {
    "因战": DisabilityCause.COMBAT,
    "因公": DisabilityCause.DUTY,
    "因病": DisabilityCause.ILLNESS,
}
CHINESE_CAUSE = {v: k for k, v in CAUSE_BY_CHINESE_NAME.items()}
# 因病 disability is recognised for levels 1–6 only; in combat or on duty, 1–10. This is the
# one place of that rule: the registry import, the person forms and the API (through
# ``registry.validation``), the level-change service and the standards import ask
# ``level_refusal``, and the standards table offers a row per level up to ``MAX_LEVEL``.
LEVELS = range(1, 11)
MAX_LEVEL = {DisabilityCause.COMBAT: 10, DisabilityCause.DUTY: 10, DisabilityCause.ILLNESS: 6}


def level_refusal(cause: str | None, level: int) -> Message | None:
    """Why ``level`` cannot be a disability level for ``cause`` (any cause when it is not
    known yet), or None when it can."""
    if level not in LEVELS:
        return Message(gettext_noop("A disability level is 1 to 10, not %(value)s."), {"value": level})
    if cause and level > MAX_LEVEL[DisabilityCause(cause)]:
        return Message(gettext_noop("Disability from illness is recognised at levels 1 to 6 only."))
    return None
