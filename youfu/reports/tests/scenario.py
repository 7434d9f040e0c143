"""A county's November and December 2026, made through the areas' own services and factories, and
an oracle that computes every summary figure from the records in plain Python (a loop over rows,
the definitions as the selectors' docstring states them), for the tests to compare with the SQL.

Township A (城关镇): 甲一 (disabled veteran, level 6: 3,240.00 a month) gets a 1,000.00 relief
grant approved on 3 November and paid by November's batch, and a housing repair paid 20,000.00 on
1 December and completed on 6 December (and 5,000.00 paid in April 2025); 甲二 (war participant,
540.00 a month) whose November transfer fails and is paid again in December as arrears, paired
with 县民政局 (500.00 in November, a policy visit in 2025), visited on 1 December, and a medical
claim approved on 8 December (900.00, paid in January); 甲三 with a household and a needs-check
finding found on 15 November and solved on 1 December; 甲四 an active-duty family added on
10 November. A petition received on 10 November, accepted on the 12th, replied on 1 December and
concluded on the 5th, rated satisfied. 甲五, an active-duty family, leaves the registry on
15 December.

Township B (东岭镇): 乙一 (war participant, 56 years old) paired with 县交通运输局 (300.00), visited on
2 December; 乙二 who dies on 20 December; 乙三 with a household and an open finding; 乙四 a disabled
veteran with a relief grant of 800.00 approved on 8 December (paid in January); a petition received
on 20 November and not yet accepted. January 2027's batch pays the December approvals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from youfu.accounts.models import Department
from youfu.benefits.models import Batch, BatchItem, BatchLine, Recovery
from youfu.benefits.services import do_update_benefit_settings
from youfu.benefits.tests.helpers import at, pay_month, setup_county
from youfu.outreach.needs.models import Finding
from youfu.outreach.needs.services import do_solve_finding
from youfu.outreach.pairing.models import PairingActivity
from youfu.outreach.tests import factories_needs, factories_pairing, factories_visits
from youfu.outreach.visits.models import Visit, VisitTarget
from youfu.petitions.models import Petition
from youfu.petitions.tests import factories as petitions
from youfu.regions.models import Region
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.relief.grants.models import ReliefGrant
from youfu.relief.housing import services as housing
from youfu.relief.housing.models import HousingCase, HousingDisbursement
from youfu.relief.medical.models import MedicalClaim
from youfu.relief.medical.services.claims import do_approve_claim
from youfu.relief.tests import factories_grants, factories_housing, factories_medical
from youfu.testing import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
NOV_DEC = (date(2026, 11, 1), date(2026, 12, 31))
JAN = (date(2027, 1, 1), date(2027, 1, 31))
FOUR_YEARS = (date(2023, 1, 1), date(2026, 12, 31))


@dataclass
class County:
    world: World
    people: dict[str, Beneficiary]


def _person(
    world: World, region: Region, name: str, category: Category, born: date = date(1950, 3, 1), **q: Any
) -> Beneficiary:
    return do_register_beneficiary(
        person_data(region, name=name, birth_date=born),
        [qualification_data(category, **q)],
        acting_user=world.county_clerk,
    )


def build(world: World) -> County:
    w = world
    with time_machine.travel(at(2026, 11, 3), tick=False):
        setup_county(w)
        do_update_benefit_settings(acting_user=w.admin, payments_start=date(2026, 11, 1))
        people = {
            "甲一": _person(w, w.village_a, "甲一", Category.DISABLED_VETERAN),
            "甲二": _person(w, w.village_a, "甲二", Category.WAR_PARTICIPANT),
            "乙一": _person(w, w.village_b, "乙一", Category.WAR_PARTICIPANT, born=date(1970, 5, 1)),
            "乙二": _person(w, w.village_b, "乙二", Category.WAR_PARTICIPANT),
            "乙四": _person(w, w.village_b, "乙四", Category.DISABLED_VETERAN),
            "甲五": _person(w, w.village_a, "甲五", Category.ACTIVE_DUTY_FAMILY),
        }
        _home_a, people["甲三"] = factories_needs.household(
            w, w.village_a, Category.WAR_PARTICIPANT, name="甲三"
        )
        _home_b, people["乙三"] = factories_needs.household(
            w, w.village_b, Category.WAR_PARTICIPANT, name="乙三"
        )
        factories_grants.approve_all(w, factories_grants.apply(w, people["甲一"], "1000.00"))
    pay_month(w, "2026-11", failed={people["甲二"].pk: "账号有误"})

    with time_machine.travel(at(2026, 11, 10), tick=False):
        people["甲四"] = _person(
            w, w.village_a, "甲四", Category.ACTIVE_DUTY_FAMILY, approved_on=date(2026, 11, 10)
        )
    with time_machine.travel(at(2026, 11, 15), tick=False):
        petition_a = petitions.accepted(
            w, received_on=date(2026, 11, 10), accepted_on=date(2026, 11, 12), subject="甲二抚恤金"
        )
        round_ = factories_needs.open_round(w, due_on=date(2026, 12, 31))
        finding_a = factories_needs.finding(w, round_, people["甲三"], due_on=date(2026, 12, 15))
        factories_needs.finding(
            w, round_, people["乙三"], by=w.county_clerk, owner=w.county_clerk, due_on=date(2026, 12, 15)
        )
    with time_machine.travel(at(2026, 11, 20), tick=False):
        petitions.register(w.other_township_clerk, w.township_b, received_on=date(2026, 11, 20))
        paired_a = factories_pairing.pairing(w, of=people["甲二"])
        factories_pairing.activity(w, paired_a, done_on=date(2026, 11, 20), amount="500.00")
        factories_pairing.activity(
            w, paired_a, kind="policy", done_on=date(2025, 6, 1), amount=None, count=2, note="讲解政策"
        )
        transport = factories_pairing.department(w)
        paired_b = factories_pairing.pairing(w, of=people["乙一"], unit=transport)
        factories_pairing.activity(w, paired_b, done_on=date(2026, 11, 20), amount="300.00")
    with time_machine.travel(at(2026, 11, 25), tick=False):
        campaign = factories_visits.campaign(
            w, starts_on=date(2026, 11, 25), ends_on=date(2026, 12, 25), name="2027年春节走访"
        )
    pay_month(w, "2026-12")

    with time_machine.travel(at(2026, 12, 8), tick=False):
        claim = factories_medical.claim(w, people["甲二"])
        do_approve_claim(claim, acting_user=w.leader)
        factories_grants.approve_all(
            w, factories_grants.apply(w, people["乙四"], "800.00", by=w.other_township_clerk)
        )
        factories_visits.visit(w, campaign, people["甲二"], visited_on=date(2026, 12, 1))
        factories_visits.visit(w, campaign, people["乙一"], visited_on=date(2026, 12, 2))
        factories_housing.survey(w, people["甲一"], grade="D")
        case = factories_housing.approved_case(w, people["甲一"], budget_fen=3_000_000)
        housing.do_disburse(case, amount_fen=500_000, paid_on=date(2025, 4, 1), acting_user=w.county_clerk)
        housing.do_disburse(case, amount_fen=2_000_000, paid_on=date(2026, 12, 1), acting_user=w.county_clerk)
        housing.do_complete(case, completed_on=date(2026, 12, 6), acting_user=w.county_clerk)
        do_solve_finding(
            finding_a, solution="已修缮", solved_on=date(2026, 12, 1), acting_user=w.township_clerk
        )
    pay_month(w, "2027-01")  # pays 乙四's relief and 甲二's medical top-up, both approved in December
    # Claims back (追缴) as the engine and the settling service leave them: November's claim on
    # 乙一 superseded by December's, 甲二's recovered and 甲三's waived in December.
    november, december = (Batch.objects.get(period=date(2026, m, 1)) for m in (11, 12))  # scope: test data
    settled = datetime(2026, 12, 10, 9, tzinfo=SHANGHAI)
    for batch, who, fen, extra in (
        (november, "乙一", 54_000, {"status": "superseded", "superseded_by": december}),
        (december, "乙一", 54_000, {}),
        (
            november,
            "甲二",
            10_000,
            {"status": "recovered", "settled_at": settled, "settled_by": w.county_clerk},
        ),
        (december, "甲三", 5_000, {"status": "waived", "settled_at": settled, "settled_by": w.county_clerk}),
    ):
        Recovery.objects.create(  # scope: test data
            batch=batch,
            beneficiary=people[who],
            benefit="living_subsidy",
            month=202611,
            due_fen=0,
            paid_fen=fen,
            amount_fen=fen,
            **extra,
        )
    # The petition's reply, conclusion and rating as the petitions tests leave them.
    Petition.objects.filter(pk=petition_a.pk).update(  # scope: test data
        state="concluded",
        replied_on=date(2026, 12, 1),
        concluded_on=date(2026, 12, 5),
        satisfaction="satisfied",
        rated_at=datetime(2026, 12, 6, 9, tzinfo=SHANGHAI),
    )
    Beneficiary.objects.filter(pk=people["乙二"].pk).update(  # scope: test data
        status="deceased", death_date=date(2026, 12, 20)
    )
    Qualification.objects.filter(beneficiary=people["甲五"]).update(  # scope: test data
        status="ended", ended_on=date(2026, 12, 15), end_reason="子女退役"
    )
    return County(w, people)


# --- the oracle: the definitions, row by row ------------------------------------------------------


def _inside(code: str, region: Region) -> bool:
    return code.startswith(region.scope_prefix)


def _between(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(SHANGHAI).date()


def _in_force(q: Qualification, day: date) -> bool:
    return q.approved_on <= day and (q.ended_on is None or q.ended_on > day)


def expected(region: Region, start: date, end: date) -> dict[str, Any]:
    """Every figure of the summary, as the API shows it, from the rows in Python."""
    people = [p for p in Beneficiary.objects.all() if _inside(p.region_id, region)]  # scope: test oracle
    quals = {p.pk: list(Qualification.objects.filter(beneficiary=p)) for p in people}  # scope: test oracle

    def alive(p: Beneficiary, day: date) -> bool:
        return p.death_date is None or p.death_date > day

    def on_registry(p: Beneficiary, day: date) -> bool:
        return alive(p, day) and any(_in_force(q, day) for q in quals[p.pk])

    categories: Counter[str] = Counter()
    for p in people:
        if alive(p, end):
            categories.update(q.category for q in quals[p.pk] if _in_force(q, end))
    ended = 0
    for p in people:
        death = p.death_date
        died = _between(death, start, end) and any(
            q.approved_on <= death and (q.ended_on is None or q.ended_on >= death)  # type: ignore[operator]
            for q in quals[p.pk]
        )
        left = (
            alive(p, end)
            and not on_registry(p, end)
            and any(_between(q.ended_on, start, end) for q in quals[p.pk])
        )
        ended += died or left
    registry = {
        "persons": sum(on_registry(p, end) for p in people),
        "by_category": dict(sorted(categories.items())),
        "added": sum(
            _between(min(q.approved_on for q in quals[p.pk]), start, end) for p in people if quals[p.pk]
        ),
        "ended": ended,
    }

    lines = [
        line
        for line in BatchLine.objects.select_related("batch")  # scope: test oracle
        if _inside(line.beneficiary.region_id, region)
        and _between(line.batch.period, start, end)
        and line.batch.state != "discarded"
    ]
    paid_lines = {(line.batch_id, line.beneficiary_id) for line in lines if line.status == "paid"}
    kinds = {"regular": 0, "lump_sum": 0, "relief": 0, "medical": 0}
    by_benefit: Counter[str] = Counter()
    for item in BatchItem.objects.all():  # scope: test oracle
        if (item.batch_id, item.beneficiary_id) in paid_lines:
            by_benefit[item.benefit] += item.amount_fen
            kind = (
                item.benefit
                if item.benefit in ("relief", "medical")
                else ("lump_sum" if item.benefit.startswith("lump_sum") else "regular")
            )
            kinds[kind] += item.amount_fen
    settled_from = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    settled_to = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    recoveries = [
        r
        for r in Recovery.objects.select_related("batch")  # scope: test oracle
        if _inside(r.beneficiary.region_id, region)
    ]
    payments = {
        "paid_total": _money(sum(line.amount_fen for line in lines if line.status == "paid")),
        "by_kind": {k: _money(v) for k, v in kinds.items()},
        "by_benefit": {k: _money(v) for k, v in sorted(by_benefit.items())},
        "persons_paid": len({line.beneficiary_id for line in lines if line.status == "paid"}),
        "arrears_total": _money(sum(line.arrears_fen for line in lines if line.status == "paid")),
        "recoveries_raised": _money(
            sum(
                r.amount_fen
                for r in recoveries
                if _between(r.batch.period, start, end)
                and (r.superseded_by is None or r.superseded_by.period > end)
            )
        ),
        "recoveries_settled": _money(
            sum(
                r.amount_fen
                for r in recoveries
                if r.status == "recovered" and r.settled_at and settled_from <= r.settled_at < settled_to
            )
        ),
        "recoveries_waived": _money(
            sum(
                r.amount_fen
                for r in recoveries
                if r.status == "waived" and r.settled_at and settled_from <= r.settled_at < settled_to
            )
        ),
        "failed_lines": sum(line.status in ("failed", "held") for line in lines),
    }

    grants = [
        g
        for g in ReliefGrant.objects.all()  # scope: test oracle
        if _inside(g.region_id, region)
        and _between(g.approved_on, start, end)
        and g.state in ("approved", "paid")
    ]
    claims = [
        c
        for c in MedicalClaim.objects.all()  # scope: test oracle
        if _inside(c.beneficiary.region_id, region)
        and _between(_local_day(c.decided_at), start, end)
        and c.state in ("approved", "paid")
    ]
    cases = [
        c
        for c in HousingCase.objects.all()  # scope: test oracle
        if _inside(c.beneficiary.region_id, region)
        and c.state == "completed"
        and _between(c.completed_on, start, end)
    ]
    spent = sum(
        d.amount_fen
        for d in HousingDisbursement.objects.all()  # scope: test oracle
        if _inside(d.case.beneficiary.region_id, region) and _between(d.paid_on, start, end)
    )
    activities = [
        a
        for a in PairingActivity.objects.select_related("pairing")  # scope: test oracle
        if _inside(a.pairing.beneficiary.region_id, region) and _between(a.done_on, start, end)
    ]
    visits = [
        v
        for v in Visit.objects.all()  # scope: test oracle
        if _inside(v.target.beneficiary.region_id, region) and _between(v.visited_on, start, end)
    ]
    targets = [
        t
        for t in VisitTarget.objects.select_related("campaign")  # scope: test oracle
        if _inside(t.beneficiary.region_id, region)
        and t.campaign.starts_on <= end
        and t.campaign.ends_on >= start
    ]
    petitions_ = [p for p in Petition.objects.all() if _inside(p.region_id, region)]  # scope: test oracle

    def count(test: Any) -> int:
        return sum(1 for p in petitions_ if test(p))

    def rated(p: Petition, how: str) -> bool:
        return p.satisfaction == how and _between(_local_day(p.rated_at), start, end)

    findings = [
        f for f in Finding.objects.all() if _inside(f.beneficiary.region_id, region)
    ]  # scope: test oracle
    return {
        "registry": registry,
        "payments": payments,
        "relief": {"grants": len(grants), "amount": _money(sum(g.amount_fen for g in grants))},
        "medical": {"claims": len(claims), "subsidy": _money(sum(c.subsidy_fen for c in claims))},
        "housing": {
            "cases_completed": len(cases),
            "households": len({c.beneficiary_id for c in cases}),
            "amount": _money(spent),
        },
        "pairing": {
            "activities": len(activities),
            "amount": _money(sum(a.amount_fen or 0 for a in activities)),
            "departments": len({a.pairing.department_id for a in activities}),
            "households": len({a.pairing.beneficiary_id for a in activities}),
        },
        "visits": {
            "visited": len(visits),
            "elderly": sum(_age_on(v.target.beneficiary.birth_date, v.visited_on) >= 60 for v in visits),
            "targets": len(targets),
        },
        "petitions": {
            "received": count(lambda p: _between(p.received_on, start, end)),
            "accepted": count(lambda p: _between(p.accepted_on, start, end)),
            "accepted_on_time": count(
                lambda p: _between(p.accepted_on, start, end) and p.accepted_on <= p.accept_due
            ),
            "replied": count(lambda p: _between(p.replied_on, start, end)),
            "concluded": count(lambda p: _between(p.concluded_on, start, end)),
            "concluded_on_time": count(
                lambda p: (
                    _between(p.concluded_on, start, end)
                    and p.replied_on is not None
                    and p.handle_due is not None
                    and p.replied_on <= p.handle_due
                )
            ),
            "extended": count(lambda p: _between(p.extended_on, start, end)),
            "satisfied": count(lambda p: rated(p, "satisfied")),
            "basically_satisfied": count(lambda p: rated(p, "basically_satisfied")),
            "dissatisfied": count(lambda p: rated(p, "dissatisfied")),
        },
        "needs_checks": {
            "found": sum(_between(f.found_on, start, end) for f in findings),
            "solved": sum(_between(f.solved_on, start, end) for f in findings),
            "open": sum(f.found_on <= end and (f.solved_on is None or f.solved_on > end) for f in findings),
        },
    }


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _money(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


__all__ = ["FOUR_YEARS", "JAN", "NOV", "NOV_DEC", "County", "Department", "build", "expected"]
