"""A county's 2026 for the appraisal, made through the areas' services and factories (dates set
on the rows afterwards where a service takes "today"), and an oracle that computes every
measure's (done, due) per township in plain Python, from the definitions as
``youfu/reports/appraisal.py`` states them. The appraisal is asked on 1 March 2027 (``TODAY``):
every deadline of 2026 has passed.

Township A (城关镇) has petitions of every kind (on time, late, undecided past the deadline,
declined, forwarded, a repeat, one referred by a higher level, rated three ways), review items,
findings, a campaign and C/D homes; township B (东岭镇) a few of each, differently, so that a
count that leaks across townships shows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from youfu.outreach.needs.models import Finding, FindingState
from youfu.outreach.tests import factories_needs, factories_visits
from youfu.outreach.visits.models import VisitTarget
from youfu.petitions.models import Petition, Satisfaction
from youfu.petitions.tests import factories as petitions
from youfu.regions.models import Region
from youfu.registry.models import ReviewItem, ReviewStatus
from youfu.registry.reviews import do_open_annual_review
from youfu.relief.housing import selectors as housing_selectors
from youfu.relief.housing.models import HousingSurvey
from youfu.relief.tests import factories_housing
from youfu.testing import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)
YEAR = 2026


def travel() -> Any:
    return time_machine.travel(TODAY, tick=False)


def petition(w: World, region: Region, **fields: Any) -> Petition:
    """A petition of ``region`` received in 2026, its dates then set as given (test data)."""
    received = fields.pop("received_on", date(2026, 5, 4))
    repeat_of = fields.pop("repeat_of", None)
    referred_by = fields.pop("referred_by", "")
    clerks = {w.township_a: w.township_clerk, w.township_b: w.other_township_clerk}
    clerk = fields.pop("clerk", None) or clerks.get(region, w.county_clerk)
    made = petitions.register(
        clerk, region, received_on=received, repeat_of=repeat_of, referred_by=referred_by
    )
    if fields:
        Petition.objects.filter(pk=made.pk).update(**fields)  # scope: test data
    made.refresh_from_db()
    return made


def rated(on: date) -> datetime:
    return datetime(on.year, on.month, on.day, 12, tzinfo=SHANGHAI)


def build(w: World) -> None:
    a, b = w.township_a, w.township_b
    d = date
    # --- petitions ---------------------------------------------------------------------------
    # A: acceptance due in 2026: 1 accepted on time, 1 accepted late, 1 declined on time,
    # 1 forwarded late, 1 undecided (past due); 1 due in 2025 (not counted).
    petition(
        w,
        a,
        accept_due=d(2026, 3, 20),
        accepted_on=d(2026, 3, 18),
        handle_due=d(2026, 5, 18),
        replied_on=d(2026, 5, 10),
        satisfaction=Satisfaction.SATISFIED,
        rated_at=rated(d(2026, 6, 1)),
    )
    petition(
        w,
        a,
        accept_due=d(2026, 4, 20),
        accepted_on=d(2026, 4, 25),
        handle_due=d(2026, 6, 24),
        replied_on=d(2026, 7, 1),
        satisfaction=Satisfaction.DISSATISFIED,
        rated_at=rated(d(2026, 7, 5)),
    )
    petition(w, a, accept_due=d(2026, 6, 1), declined_on=d(2026, 5, 30), state="declined")
    petition(w, a, accept_due=d(2026, 7, 1), forwarded_on=d(2026, 7, 3), state="forwarded")
    petition(w, a, accept_due=d(2026, 12, 20), state="registered")
    first = petition(
        w,
        a,
        received_on=d(2025, 12, 1),
        accept_due=d(2025, 12, 16),
        accepted_on=d(2025, 12, 10),
        handle_due=d(2026, 2, 8),
        replied_on=None,
    )  # conclusion due in 2026, never replied
    # A repeat of the first (handled in the original case: its own acceptance deadline passes
    # undecided, and must count nowhere), and one passed down by a higher level, handled in time.
    repeat = petition(w, a, repeat_of=first, accept_due=d(2026, 9, 1))
    assert repeat.state == "repeat"
    petition(
        w,
        a,
        accept_due=d(2026, 9, 1),
        accepted_on=d(2026, 8, 30),
        handle_due=d(2026, 10, 29),
        replied_on=d(2026, 10, 1),
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
        rated_at=rated(d(2026, 10, 9)),
    )
    petition(
        w,
        a,
        referred_by="市信访局交办",
        accept_due=d(2026, 11, 1),
        accepted_on=d(2026, 10, 30),
        handle_due=d(2027, 1, 5),
        replied_on=d(2026, 12, 1),
    )  # conclusion due in 2027
    # B: one accepted on time and replied in time, rated in 2027 (not counted).
    petition(
        w,
        b,
        accept_due=d(2026, 2, 1),
        accepted_on=d(2026, 1, 30),
        handle_due=d(2026, 4, 1),
        replied_on=d(2026, 3, 1),
        satisfaction=Satisfaction.DISSATISFIED,
        rated_at=rated(d(2027, 1, 3)),
    )
    # A county-wide matter (no township): never counted for a township.
    petition(w, w.county, accept_due=d(2026, 2, 1), accepted_on=d(2026, 2, 5))

    # --- the annual confirmation -----------------------------------------------------------
    people_a = [factories_visits.person(w, w.village_a, name=f"甲{i}") for i in range(3)]
    people_b = [factories_visits.person(w, w.village_b, name=f"乙{i}") for i in range(2)]
    review = do_open_annual_review(YEAR, acting_user=w.county_clerk)
    items = list(ReviewItem.objects.filter(review=review).order_by("pk"))  # scope: test data
    a_items = [i for i in items if i.qualification.beneficiary.region_id.startswith(a.code[:9])]
    ReviewItem.objects.filter(pk=a_items[0].pk).update(status=ReviewStatus.CONFIRMED)  # scope: test data
    ReviewItem.objects.filter(pk=a_items[1].pk).update(status=ReviewStatus.SUSPENDED)  # scope: test data

    # --- findings ----------------------------------------------------------------------------
    _home_a, in_a = factories_needs.household(w, w.village_a, name="甲家")
    _home_b, in_b = factories_needs.household(w, w.village_b, name="乙家")
    round_ = factories_needs.open_round(w, due_on=d(2027, 3, 31))
    for who, due, solved in (
        (in_a, d(2026, 6, 30), d(2026, 6, 1)),  # in time
        (in_a, d(2026, 8, 31), d(2026, 9, 10)),  # late
        (in_a, d(2026, 10, 31), None),  # open past due
        (in_a, d(2027, 2, 1), None),  # due in 2027
        (in_b, d(2026, 5, 31), d(2026, 5, 2)),  # in time
    ):
        found = factories_needs.finding(
            w, round_, who, due_on=d(2027, 3, 20), by=w.county_clerk, owner=w.county_clerk
        )
        change: dict[str, Any] = {"found_on": d(2026, 1, 10), "due_on": due}
        if solved:
            change.update(state=FindingState.SOLVED, solution="已解决", solved_on=solved)
        Finding.objects.filter(pk=found.pk).update(**change)  # scope: test data

    # --- visits: a campaign that ended in 2026, and one that ends in 2027 ------------------
    ended = factories_visits.campaign(w, starts_on=d(2026, 1, 5), ends_on=d(2026, 2, 10), name="春节走访")
    factories_visits.campaign(w, starts_on=d(2027, 1, 5), ends_on=d(2027, 2, 10), name="2027春节走访")
    for who in (people_a[0], people_a[1], people_b[0]):
        factories_visits.visit(w, ended, who, visited_on=d(2026, 1, 20))

    # --- housing: A has a C home served, a D home unserved, a B home (sound); B a C home ----
    served = factories_housing.person(w, name="甲房一")
    factories_housing.survey(w, served, "C")
    factories_housing.case(w, served)
    factories_housing.survey(w, factories_housing.person(w, name="甲房二"), "D")
    factories_housing.survey(w, factories_housing.person(w, name="甲房三"), "B")
    factories_housing.survey(w, factories_housing.person(w, w.village_b, name="乙房一"), "C")


def expected(w: World) -> dict[str, dict[str, tuple[int, int]]]:
    """(done, due) per township code and measure, counted in Python from every row."""
    cutoff = date(YEAR + 1, 1, 1)
    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def township(code: str) -> str | None:
        t = code[:9] + "000"
        return t if t in (w.township_a.code, w.township_b.code) else None

    def add(code: str, measure: str, done: bool) -> None:
        t = township(code)
        if t is not None:
            found[t][measure][1] += 1
            found[t][measure][0] += int(done)

    for p in Petition.objects.exclude(state="repeat"):  # scope: test oracle
        if p.accept_due and first <= p.accept_due <= last:
            decisions = [x for x in (p.accepted_on, p.declined_on, p.forwarded_on) if x]
            if decisions or p.accept_due < cutoff:
                add(p.region_id, "accepted_on_time", any(x <= p.accept_due for x in decisions))
        concluded_due = p.accepted_on and p.handle_due and first <= p.handle_due <= last
        if concluded_due and (p.replied_on or p.handle_due < cutoff):
            add(p.region_id, "concluded_on_time", bool(p.replied_on and p.replied_on <= p.handle_due))
        if p.rated_at and p.satisfaction and p.rated_at.astimezone(SHANGHAI).year == YEAR:
            add(p.region_id, "satisfaction", p.satisfaction != Satisfaction.DISSATISFIED)
    for item in ReviewItem.objects.filter(review__year=YEAR).select_related(  # scope: test oracle
        "qualification__beneficiary"
    ):
        add(
            item.qualification.beneficiary.region_id,
            "annual_confirmation",
            item.status != ReviewStatus.PENDING,
        )
    for f in Finding.objects.select_related("beneficiary"):  # scope: test oracle
        if first <= f.due_on <= last and (f.solved_on or f.due_on < cutoff):
            add(f.beneficiary.region_id, "findings_on_time", bool(f.solved_on and f.solved_on <= f.due_on))
    for t in VisitTarget.objects.select_related("campaign", "beneficiary"):  # scope: test oracle
        visited = hasattr(t, "visit")
        if first <= t.campaign.ends_on <= last and (visited or t.campaign.ends_on < cutoff):
            add(t.beneficiary.region_id, "visit_coverage", visited)
    unserved = set(housing_selectors.unserved_surveys().values_list("pk", flat=True))
    for s in housing_selectors.latest_surveys().select_related("beneficiary"):
        if s.grade in ("C", "D") and s.beneficiary.status == "alive" and s.surveyed_on <= last:
            # Every case of the scenario was opened before the end of 2026.
            add(s.beneficiary.region_id, "housing_served", s.pk not in unserved)
    assert HousingSurvey.objects.exists()  # scope: test oracle
    return {t: {m: (v[0], v[1]) for m, v in measures.items()} for t, measures in found.items()}


def one_day_before(day: date) -> date:
    return day - timedelta(days=1)
