"""Housing reads. ``unserved_surveys`` is unscoped (the caller applies ``visible_to``); the
others take the user and apply scope themselves."""

from __future__ import annotations

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When, Window
from django.db.models.functions import RowNumber

from youfu.accounts.models import User
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404
from youfu.registry.models import PersonStatus
from youfu.relief.housing.models import (
    NEEDS_WORK,
    SERVING_STATES,
    BudgetState,
    HousingBudget,
    HousingCase,
    HousingPhoto,
    HousingSurvey,
)


def served_home(cases: QuerySet[HousingCase]) -> Q:
    """Some of ``cases`` is in the outer survey's home: the same person's, or a member's of the
    same registry household (NULL never equals NULL, so a person without one is their own home).
    Two probes, each with an index (the person's cases, the household's members): one probe with
    the two joined by OR read every case once a survey, on both databases."""
    return Q(Exists(cases.filter(beneficiary_id=OuterRef("beneficiary_id")))) | Q(
        Exists(cases.filter(beneficiary__household_id=OuterRef("beneficiary__household_id")))
    )


def latest_surveys() -> QuerySet[HousingSurvey]:
    """Each home's latest survey (by date, then entry), unscoped. The homes are numbered in one
    pass (a household's members together; a person without a household alone): the latest of a
    home is its first, by date and then entry, the order the survey pages use."""
    home = Window(
        RowNumber(),
        partition_by=[
            F("beneficiary__household_id"),
            Case(When(beneficiary__household_id__isnull=True, then=F("beneficiary_id"))),
        ],
        order_by=[F("surveyed_on").desc(), F("pk").desc()],
    )
    latest = HousingSurvey.objects.annotate(nth=home).filter(nth=1).values("pk")
    return HousingSurvey.objects.filter(pk__in=latest)


def unserved_surveys() -> QuerySet[HousingSurvey]:
    """The homes graded C or D by their latest survey that no case serves (a pending, approved or
    completed case of anyone in the home; refused cases do not count): one row per home, its
    latest survey, while the person it names is alive (a case is opened for a living person: when
    they die, the home is surveyed again under a member who lives there). Unscoped: the caller
    applies ``visible_to``."""
    served = served_home(HousingCase.objects.filter(state__in=SERVING_STATES))
    return (
        latest_surveys()
        .filter(grade__in=NEEDS_WORK, beneficiary__status=PersonStatus.ALIVE)
        .exclude(served)
        .select_related("beneficiary", "beneficiary__township", "beneficiary__region")
        .order_by("-grade", "surveyed_on", "pk")
    )


def _reader(user: User) -> User:
    require(user, Capability.READ_PERSONAL_DATA)
    return user


def unserved_for(user: User, *, township: str = "") -> QuerySet[HousingSurvey]:
    qs: QuerySet[HousingSurvey] = unserved_surveys().visible_to(_reader(user))  # type: ignore[attr-defined]
    if township:
        qs = qs.filter(beneficiary__township__code=township)
    return qs


def surveys_for(
    user: User,
    *,
    grade: str = "",
    township: str = "",
    year: int | None = None,
    beneficiary: int | None = None,
) -> QuerySet[HousingSurvey]:
    qs: QuerySet[HousingSurvey] = HousingSurvey.objects.visible_to(_reader(user))
    if grade:
        qs = qs.filter(grade=grade)
    if township:
        qs = qs.filter(beneficiary__township__code=township)
    if year:
        qs = qs.filter(surveyed_on__year=year)
    if beneficiary:
        qs = qs.filter(beneficiary_id=beneficiary)
    return qs.select_related("beneficiary", "beneficiary__township", "entered_by")


def cases_for(
    user: User,
    *,
    state: str = "",
    kind: str = "",
    township: str = "",
    beneficiary: int | None = None,
    waiting: bool = False,
) -> QuerySet[HousingCase]:
    """``waiting``: cases with a budget waiting for a leader."""
    qs: QuerySet[HousingCase] = HousingCase.objects.visible_to(_reader(user))
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if township:
        qs = qs.filter(beneficiary__township__code=township)
    if beneficiary:
        qs = qs.filter(beneficiary_id=beneficiary)
    if waiting:
        qs = qs.filter(proposed_fen__isnull=False)
    return qs.select_related("beneficiary", "beneficiary__township", "entered_by")


def budgets_to_decide(user: User) -> QuerySet[HousingCase]:
    """Cases whose budget waits for ``user``'s decision: a leader, never on their own proposal."""
    if not user.can(Capability.APPROVE):
        return HousingCase.objects.none()
    own = HousingBudget.objects.filter(case=OuterRef("pk"), state=BudgetState.PENDING, proposed_by=user)
    return cases_for(user, waiting=True).filter(~Exists(own)).order_by("opened_on", "pk")


def get_survey(user: User, survey_id: int) -> HousingSurvey:
    return get_visible_or_404(surveys_for(user), user, pk=survey_id)


def get_case(user: User, case_id: int) -> HousingCase:
    return get_visible_or_404(cases_for(user), user, pk=case_id)


def get_photo(user: User, survey: HousingSurvey, photo_id: int) -> HousingPhoto:
    return get_visible_or_404(HousingPhoto.objects.filter(survey=survey), user, pk=photo_id)
