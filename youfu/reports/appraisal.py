"""The township appraisal (考评) of a year: how well each township served, never how many
petitions it had.

Every measure is a share in [0, 1] of work that fell due, and each township's score is the
weighted mean of its applicable measures, on a scale of 100. A measure with nothing to measure
(no petition due for an answer, no finding due, no campaign target …) is *not applicable*: it
has no value and no points, and its weight is spread over the township's other measures in
proportion to their weights, so it neither rewards nor penalises. A township with nothing
applicable has no score.

Why no measure can reward fewer petitions: no measure counts petitions, repeats, petitions taken
to a higher level or petitions passed down from one; the petition measures are shares of the
matters *due* that were answered in time, and a matter that was never answered counts as late
once its deadline has passed, so leaving a matter undecided never helps. Adding a matter
answered in time moves a share towards 1 and never lowers it; a township whose petition measures
are all 1 scores at least what it would score with none (the other measures' weighted mean can
only rise when a share of 1 joins it). ``tests/test_appraisal_property.py`` proves both.

The measures, for township T and year Y (``cutoff`` is the day after Y's last day, or today
while Y is the current year; "due" means the deadline falls in Y):

Petitions are T's matters but repeats: a petition linked as a repeat (state ``repeat``) is
handled in its original case, which is counted once; a petition passed down by a higher level
(``referred_by``) or forwarded to another authority counts as any other.

- ``accepted_on_time``: petitions of T whose acceptance decision (Art. 23, ``accept_due``) was
  due in Y, and that were decided (accepted, declined or forwarded) or whose deadline is past
  (``accept_due < cutoff``); on time: decided on or before ``accept_due``.
- ``concluded_on_time``: accepted petitions of T whose conclusion deadline (Art. 34, extension
  included, ``handle_due``) was due in Y, and that were replied to or whose deadline is past; on
  time: replied on or before ``handle_due`` (as the petitions statistics count 办结按期).
- ``satisfaction``: petitions of T rated in Y; satisfied or basically satisfied.
- ``annual_confirmation``: the items of Y's annual confirmation (年审) of T's people; confirmed or
  decided (suspended by a clerk), i.e. no longer pending.
- ``findings_on_time``: needs-check findings of T's people due in Y (``due_on``, set when the
  finding is recorded from the county's needs settings) that were solved or whose due day is
  past; solved on or before ``due_on``.
- ``visit_coverage``: visit targets (T's people) of the campaigns that end in Y, counted once
  their campaign has ended or they were visited; visited.
- ``housing_served``: the homes of T's people graded C or D by their latest survey, made by the
  end of Y (the person alive), as housing's own lists find them; served: a pending, approved or
  completed case of the home opened by the end of Y (1 − unserved / C-and-D homes). A case
  refused since, or a survey after Y, moves a past year's figure: the housing records keep no
  history of a home's grade.

A township's records are those whose region code (the one the scope uses) lies under it.
Every measure is one grouped query over the region asked for: the number of queries does not
grow with the townships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.core.bounds import EARLIEST_DATE
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.outreach.needs.models import Finding
from youfu.outreach.visits.models import VisitTarget
from youfu.petitions.models import Petition, Satisfaction, State
from youfu.regions.models import Region, RegionLevel
from youfu.registry.models import PersonStatus, ReviewItem, ReviewStatus
from youfu.relief.housing.models import NEEDS_WORK, SERVING_STATES, HousingCase
from youfu.relief.housing.selectors import latest_surveys, served_home
from youfu.reports import selectors
from youfu.reports.appraisal_models import AppraisalWeights
from youfu.reports.readable import require_every_area

TOWNSHIP_DIGITS = 9  # a township's code: its first nine digits, then 000
SCALE = 100  # a score is out of 100


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    explanation: str | Promise  # what is counted, shown on the township's page
    not_applicable: str | Promise  # why a township may have nothing to measure
    default_weight: int


MEASURES: tuple[Measure, ...] = (
    Measure(
        "accepted_on_time",
        _("Petitions answered on acceptance in time"),
        _(
            "Of the petitions whose acceptance decision (15 days, Art. 23) fell due in the year,"
            " the share decided (accepted, declined or forwarded) by the deadline. A matter not"
            " decided counts as late once its deadline has passed."
        ),
        _("No petition's acceptance decision fell due in the year."),
        15,
    ),
    Measure(
        "concluded_on_time",
        _("Petitions concluded in time"),
        _(
            "Of the accepted petitions whose conclusion deadline (60 days, or as extended,"
            " Art. 34) fell due in the year, the share replied to by the deadline. A matter not"
            " replied to counts as late once its deadline has passed."
        ),
        _("No accepted petition's conclusion deadline fell due in the year."),
        15,
    ),
    Measure(
        "satisfaction",
        _("Petitioners satisfied"),
        _("Of the petitions rated in the year, the share rated satisfied or basically satisfied."),
        _("No petition was rated in the year."),
        15,
    ),
    Measure(
        "annual_confirmation",
        _("Annual confirmation done"),
        _("Of the year's annual confirmation items, the share confirmed or decided by a clerk."),
        _("No annual confirmation items for the year."),
        15,
    ),
    Measure(
        "findings_on_time",
        _("Difficulties solved in time"),
        _(
            "Of the needs-check findings due in the year, the share solved by their due day."
            " A finding still open counts as late once its due day has passed."
        ),
        _("No needs-check finding fell due in the year."),
        15,
    ),
    Measure(
        "visit_coverage",
        _("Visit coverage"),
        _(
            "Of the people to visit in the campaigns that end in the year, the share visited"
            " (a campaign still running counts the people already visited)."
        ),
        _("No visit campaign with people to visit ended in the year."),
        15,
    ),
    Measure(
        "housing_served",
        _("C and D homes served"),
        _(
            "Of the homes graded C or D by their latest survey made by the end of the year, the"
            " share served by a housing case (pending, approved or completed) opened by then."
        ),
        _("No home was graded C or D by the end of the year."),
        10,
    ),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
DEFAULT_WEIGHTS: dict[str, int] = {m.key: m.default_weight for m in MEASURES}
MAX_WEIGHT = 100


# --- the year --------------------------------------------------------------------------------


def parse_year(raw: str | None) -> int:
    """The year asked for: four digits, from the earliest date youfu keeps to the current year."""
    text = (raw or "").strip()
    latest = timezone.localdate().year
    if not (
        len(text) == 4 and text.isascii() and text.isdigit() and EARLIEST_DATE.year <= int(text) <= latest
    ):
        message = Message(
            gettext_noop("Give the year as YYYY, from %(earliest)d to %(latest)d."),
            {"earliest": EARLIEST_DATE.year, "latest": latest},
        )
        raise InvalidInput(message, code="invalid_year", fields={"year": message})
    return int(text)


def _cutoff(year: int) -> date:
    """The first day not yet past: deadlines before it have passed."""
    return min(timezone.localdate(), date(year + 1, 1, 1))


# --- who reads it ----------------------------------------------------------------------------

VILLAGE = Message(gettext_noop("The appraisal compares townships: a village has none of its own."))


def require_appraisal_reader(user: User) -> None:
    """The roles that read the appraisal and its weights: those that read personal data in
    every area of a county or a township. A liaison reads only the department's matters, and a
    township's score from them would be a wrong score, not a partial one; a village assistant's
    region has no township of its own to compare."""
    selectors.require_reader(user)
    require_every_area(user)
    if user.region is None or user.region.level == RegionLevel.VILLAGE:
        raise PermissionDenied(VILLAGE)


# --- weights ---------------------------------------------------------------------------------


def county_of(region: Region) -> str:
    return region.code[:6] + "000000"


def weights_in_force(county_code: str) -> AppraisalWeights:
    """The county's newest weights, or the defaults (not stored: reading never writes)."""
    found = AppraisalWeights.objects.filter(county_id=county_code).order_by("-number").first()
    if found is not None:
        # A measure added after the version was set takes its default weight.
        found.weights = {
            **DEFAULT_WEIGHTS,
            **{k: v for k, v in found.weights.items() if k in DEFAULT_WEIGHTS},
        }
        return found
    return AppraisalWeights(county_id=county_code, number=0, weights=dict(DEFAULT_WEIGHTS))


# --- counting ----------------------------------------------------------------------------------

Counts = dict[str, tuple[int, int]]  # township prefix → (on time / done, due)


def _grouped(qs: models.QuerySet[Any], code_path: str, prefix: str, done: Q, due: Q) -> Counts:
    rows = (
        qs.filter(**{f"{code_path}__startswith": prefix})
        .filter(due)
        .annotate(t=Substr(code_path, 1, TOWNSHIP_DIGITS))
        .order_by()
        .values("t")
        .annotate(done=Count("pk", filter=done), due=Count("pk"))
    )
    return {r["t"]: (int(r["done"]), int(r["due"])) for r in rows}


def _passed(field: str, year: int) -> Q:
    return Q(**{f"{field}__lt": _cutoff(year)})


def _petitions(user: User) -> models.QuerySet[Petition]:
    """The township's matters. A repeat (state ``repeat``) is handled in its original case and
    counted there, once: counted apart it could only add a second, unanswerable deadline."""
    return Petition.objects.visible_to(user).exclude(state=State.REPEAT)


def _accepted_on_time(user: User, prefix: str, year: int) -> Counts:
    in_year = (date(year, 1, 1), date(year, 12, 31))
    decided = Q(accepted_on__isnull=False) | Q(declined_on__isnull=False) | Q(forwarded_on__isnull=False)
    in_time = (
        Q(accepted_on__lte=F("accept_due"))
        | Q(declined_on__lte=F("accept_due"))
        | Q(forwarded_on__lte=F("accept_due"))
    )
    due = Q(accept_due__range=in_year) & (decided | _passed("accept_due", year))
    return _grouped(_petitions(user), "region__code", prefix, in_time, due)


def _concluded_on_time(user: User, prefix: str, year: int) -> Counts:
    in_year = (date(year, 1, 1), date(year, 12, 31))
    due = Q(accepted_on__isnull=False, handle_due__range=in_year) & (
        Q(replied_on__isnull=False) | _passed("handle_due", year)
    )
    in_time = Q(replied_on__isnull=False, replied_on__lte=F("handle_due"))
    return _grouped(_petitions(user), "region__code", prefix, in_time, due)


def _satisfaction(user: User, prefix: str, year: int) -> Counts:
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime.combine(date(year, 1, 1), time.min, tzinfo=zone)
    after = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone)
    rated = Satisfaction.values
    due = Q(rated_at__gte=first, rated_at__lt=after, satisfaction__in=rated)
    content = Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
    return _grouped(_petitions(user), "region__code", prefix, content, due)


def _annual_confirmation(user: User, prefix: str, year: int) -> Counts:
    return _grouped(
        ReviewItem.objects.visible_to(user),
        "qualification__beneficiary__region__code",
        prefix,
        ~Q(status=ReviewStatus.PENDING),
        Q(review__year=year),
    )


def _findings_on_time(user: User, prefix: str, year: int) -> Counts:
    due = Q(due_on__range=(date(year, 1, 1), date(year, 12, 31))) & (
        Q(solved_on__isnull=False) | _passed("due_on", year)
    )
    in_time = Q(solved_on__isnull=False, solved_on__lte=F("due_on"))
    return _grouped(Finding.objects.visible_to(user), "beneficiary__region__code", prefix, in_time, due)


def _visit_coverage(user: User, prefix: str, year: int) -> Counts:
    visited = Q(visit__isnull=False)
    due = Q(campaign__ends_on__range=(date(year, 1, 1), date(year, 12, 31))) & (
        visited | _passed("campaign__ends_on", year)
    )
    return _grouped(VisitTarget.objects.visible_to(user), "beneficiary__region__code", prefix, visited, due)


def _housing_served(user: User, prefix: str, year: int) -> Counts:
    last = date(year, 12, 31)
    # A case serves a home when it is for anyone who lives there (housing's own rule of a home,
    # ``served_home``): the same person, or a member of the household.
    served = served_home(
        HousingCase.objects.filter(  # scope: a subquery of the homes below, read in scope
            state__in=SERVING_STATES, opened_on__lte=last
        )
    )
    homes = latest_surveys().visible_to(user)  # type: ignore[attr-defined]
    due = Q(grade__in=NEEDS_WORK, beneficiary__status=PersonStatus.ALIVE, surveyed_on__lte=last)
    return _grouped(homes, "beneficiary__region__code", prefix, served, due)


COUNTERS: dict[str, Callable[[User, str, int], Counts]] = {
    "accepted_on_time": _accepted_on_time,
    "concluded_on_time": _concluded_on_time,
    "satisfaction": _satisfaction,
    "annual_confirmation": _annual_confirmation,
    "findings_on_time": _findings_on_time,
    "visit_coverage": _visit_coverage,
    "housing_served": _housing_served,
}


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    measure: Measure
    done: int
    due: int
    weight: int
    value: Fraction | None  # None: not applicable
    effective_weight: Fraction | None  # the weight after spreading, out of 100
    points: Fraction | None

    @property
    def applicable(self) -> bool:
        return self.value is not None

    @property
    def value_text(self) -> str | None:
        return decimal(self.value, 4)

    @property
    def points_text(self) -> str | None:
        return decimal(self.points, 2)

    @property
    def effective_weight_text(self) -> str | None:
        return decimal(self.effective_weight, 2)

    @property
    def reason(self) -> str | Promise:
        if self.due == 0:
            return self.measure.not_applicable
        if self.weight == 0:
            return _("The county gives this measure no weight.")
        return ""


@dataclass(frozen=True)
class TownshipScore:
    region: Region
    parts: list[Part]
    score: Fraction | None
    reason: str | Promise  # why there is no score

    @property
    def score_text(self) -> str | None:
        return decimal(self.score, 2)

    @property
    def not_applicable(self) -> list[Part]:
        return [p for p in self.parts if not p.applicable]


@dataclass(frozen=True)
class Appraisal:
    year: int
    region: Region
    weights: AppraisalWeights
    townships: list[TownshipScore]


def score_parts(
    counts: dict[str, tuple[int, int]], weights: dict[str, int]
) -> tuple[list[Part], Fraction | None]:
    """Each measure's part and the score, from (done, due) per measure: a pure function, the one
    the page, the API and the property tests share."""
    applicable_weight = sum(weights[m.key] for m in MEASURES if counts.get(m.key, (0, 0))[1] > 0)
    parts: list[Part] = []
    score: Fraction | None = Fraction(0) if applicable_weight > 0 else None
    for m in MEASURES:
        done, due = counts.get(m.key, (0, 0))
        weight = weights[m.key]
        if due == 0:
            parts.append(Part(m, 0, 0, weight, None, None, None))
            continue
        value = Fraction(done, due)
        if applicable_weight == 0:  # measured, but every applicable measure has weight 0
            parts.append(Part(m, done, due, weight, value, Fraction(0), Fraction(0)))
            continue
        effective = Fraction(SCALE * weight, applicable_weight)
        points = value * effective
        parts.append(Part(m, done, due, weight, value, effective, points))
        assert score is not None
        score += points
    return parts, score


def appraisal(user: User, year: int, region: Region | None = None) -> Appraisal:
    """The year's appraisal of every township in ``region`` (the user's own when None), in the
    user's scope. A region outside it is a 404; a village is refused: the appraisal is a township's."""
    where = selectors.report_region(user, region.code if region is not None else None)
    require_appraisal_reader(user)
    if where.level == RegionLevel.VILLAGE:
        raise PermissionDenied(VILLAGE)
    townships = list(
        Region.objects.visible_to(user)
        .filter(level=RegionLevel.TOWNSHIP, code__startswith=where.scope_prefix)
        .order_by("code")
    )
    weights = weights_in_force(county_of(where))
    counted = {key: count(user, where.scope_prefix, year) for key, count in COUNTERS.items()}
    scores = []
    for township in townships:
        prefix = township.code[:TOWNSHIP_DIGITS]
        counts = {key: found.get(prefix, (0, 0)) for key, found in counted.items()}
        parts, score = score_parts(counts, weights.weights)
        reason: str | Promise = ""
        if score is None:
            reason = _("Nothing to measure in this year: no measure applies, so the township is not scored.")
        scores.append(TownshipScore(township, parts, score, reason))
    return Appraisal(year=year, region=where, weights=weights, townships=scores)


def township_appraisal(user: User, year: int, code: str) -> TownshipScore:
    """One township's appraisal; a township outside the user's scope (or no township) is a 404."""
    found = selectors.report_region(user, code)
    if found.level != RegionLevel.TOWNSHIP:
        raise PermissionDenied(Message(gettext_noop("The appraisal is a township's.")))
    return appraisal(user, year, found).townships[0]


# --- presenting ----------------------------------------------------------------------------------


def decimal(value: Fraction | None, places: int) -> str | None:
    """``value`` as a string with ``places`` decimals, rounded half-up; None stays None."""
    if value is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def part_out(p: Part) -> dict[str, Any]:
    return {
        "measure": p.measure.key,
        "value": decimal(p.value, 4),
        "weight": p.weight,
        "points": decimal(p.points, 2),
        "effective_weight": decimal(p.effective_weight, 2),
        "done": p.done,
        "due": p.due,
        "applicable": p.applicable,
        "reason": str(p.reason),
    }


def township_out(t: TownshipScore) -> dict[str, Any]:
    return {
        "code": t.region.code,
        "name": t.region.name,
        "score": decimal(t.score, 2),
        "reason": str(t.reason),
        "parts": [part_out(p) for p in t.parts],
    }
