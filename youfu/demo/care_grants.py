"""The demo's temporary relief (临时救助, see youfu/demo/care.py).

- ``before_batch``: the applications of the month before each batch of the demo's payment
  history, entered and taken up the whole approval chain through the relief services — about
  12 a month (~150 a year) at the seed county's scale (14,000 people), reasons mixed. Most are
  entered by the county clerks for people all over the county; some by the first township's
  clerk and its first village's assistant for their own people. A few are returned and
  resubmitted, a few are above the leader line (the leader approves them too), one or two a
  year are cancelled before the batch. The approved ones are paid by that batch. Relief is
  paid through the batches, so it starts with them: the payment history's four years
  (``bureau.BATCH_MONTHS``), as long as the other care records (``CARE_YEARS``).
- ``fill``: this month's applications, waiting at every step (the township clerk, a county
  clerk, the second county clerk for the first's own entries, the leader) and one returned
  to the village assistant, so every role finds something on its home work list.

Only the timestamps are backdated afterwards. Each month is skipped when it has applications,
so a second run adds nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from youfu.accounts.models import User
from youfu.benefits.money import add_months
from youfu.core.errors import YoufuError
from youfu.demo.care_staff import CareStaff
from youfu.registry.models import Beneficiary, PersonStatus, Qualification, QualificationStatus
from youfu.relief.grants import services
from youfu.relief.grants.models import (
    ChainStep,
    GrantState,
    ReliefGrant,
    ReliefReason,
    ReliefSettings,
    ReliefStep,
)

SCOPE_TRUSTED = "the demo builds the whole county's records as its staff would"

SEED_PEOPLE = 14_000
GRANTS_PER_MONTH = 12
RETURNED_SHARE = 0.08  # returned at a step, corrected and resubmitted
CANCELLED_SHARE = 0.012  # one or two a year: cancelled before the batch
TOWNSHIP_SHARE = 0.2  # entered by the first township's clerk (its own people)
VILLAGE_SHARE = 0.1  # entered by its first village's assistant (the village's people)
REASONS = [
    (ReliefReason.ILLNESS, 0.45),
    (ReliefReason.DISASTER, 0.15),
    (ReliefReason.ACCIDENT, 0.15),
    (ReliefReason.SCHOOLING, 0.15),
    (ReliefReason.OTHER, 0.10),
]
NOTES = {
    ReliefReason.ILLNESS: ["住院治疗，自付费用较高", "慢性病长期服药，家庭困难", "突发重病，医疗支出大"],
    ReliefReason.DISASTER: ["暴雨致房屋受损", "冰雹毁坏农作物", "洪涝灾害，财产损失"],
    ReliefReason.ACCIDENT: ["交通事故受伤", "家中失火", "务工受伤，暂无收入"],
    ReliefReason.SCHOOLING: ["子女考上大学，学费困难", "子女就读高中，生活费困难"],
    ReliefReason.OTHER: ["家庭主要劳动力去世", "突发变故，生活困难"],
}
RETURN_REASONS = ["缺少医院费用清单，请补齐", "请补充受灾情况证明", "金额与票据不符，请核实"]
CANCEL_REASONS = ["申请人已获其他渠道全额救助", "申请人要求撤回"]


def _scale() -> float:
    return Beneficiary.objects.count() / SEED_PEOPLE


def _how_many(expected: float, rng: random.Random) -> int:
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def _at(on: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(hour, 10)))


def _rule(staff: CareStaff) -> ReliefSettings:
    return services.settings_in_force(services.county_code(staff.clerk.region_id or ""))


def _eligible(staff: CareStaff) -> list[Beneficiary]:
    """The living people of an eligible category with a bank account on record, in a stable order
    (a grant to someone without one is held by the batch until an account is given: not the demo's
    story)."""
    rule = _rule(staff)
    held = Qualification.objects.filter(category__in=rule.categories).exclude(
        status=QualificationStatus.ENDED
    )
    people = Beneficiary.objects.filter(pk__in=held.values("beneficiary_id"), status=PersonStatus.ALIVE)
    return list(people.exclude(bank_account_encrypted="").order_by("pk"))


def _submitter(staff: CareStaff, people: list[Beneficiary], rng: random.Random) -> tuple[User, Beneficiary]:
    draw = rng.random()
    village = [p for p in people if p.region_id == staff.village.region_id]
    township = [p for p in people if p.township_id == staff.township.region_id]
    if draw < VILLAGE_SHARE and village:
        return staff.village, rng.choice(village)
    if draw < VILLAGE_SHARE + TOWNSHIP_SHARE and township:
        return staff.township, rng.choice(township)
    return (staff.clerk if rng.random() < 0.7 else staff.clerk2), rng.choice(people)


def _amount_fen(rng: random.Random, reason: str, leader_above_fen: int, case_cap_fen: int) -> int:
    if rng.random() < 0.15:  # above the leader line
        return rng.randrange(leader_above_fen + 10_000, case_cap_fen + 1, 10_000)
    low, high = (
        (50_000, 300_000) if reason in (ReliefReason.ILLNESS, ReliefReason.DISASTER) else (30_000, 200_000)
    )
    return rng.randrange(low, min(high, leader_above_fen) + 1, 10_000)


def _approver(staff: CareStaff, grant: ReliefGrant) -> User:
    step = grant.next_step
    if step == ChainStep.TOWNSHIP:
        return staff.township
    if step == ChainStep.LEADER:
        return staff.leader
    return staff.clerk2 if grant.submitted_by_id == staff.clerk.pk else staff.clerk


class _Clock:
    """The times of one grant's steps, a few hours to days apart, within ``last``."""

    def __init__(self, start: date, last: date, rng: random.Random) -> None:
        self.on, self.last, self.rng = start, last, rng
        self.times: list[datetime] = []

    def tick(self) -> None:
        self.on = min(self.on + timedelta(days=self.rng.randint(0, 3)), self.last)
        self.times.append(_at(self.on, 9 + len(self.times) % 8))


def _backdate(grant: ReliefGrant, clock: _Clock) -> None:
    steps = list(ReliefStep.objects.filter(grant=grant).order_by("at", "pk").values_list("pk", flat=True))
    for pk, when in zip(steps, clock.times, strict=False):
        ReliefStep.objects.filter(pk=pk).update(at=when)
    changes: dict[str, object] = {"created_at": clock.times[0], "updated_at": clock.times[-1]}
    grant.refresh_from_db(fields=["state", "approved_on"])
    if grant.approved_on is not None:
        changes["approved_on"] = clock.on
    ReliefGrant.objects.filter(pk=grant.pk).update(**changes)


def _apply(
    staff: CareStaff, people: list[Beneficiary], applied_on: date, rng: random.Random, clock: _Clock
) -> ReliefGrant | None:
    rule = _rule(staff)
    submitter, person = _submitter(staff, people, rng)
    reason = rng.choices([r for r, _w in REASONS], [w for _r, w in REASONS])[0]
    data = services.Application(
        reason=reason,
        amount_fen=_amount_fen(rng, reason, rule.leader_above_fen, rule.case_cap_fen),
        applied_on=applied_on,
        note=rng.choice(NOTES[ReliefReason(reason)]),
    )
    try:
        grant = services.do_apply(person, data, acting_user=submitter)
    except YoufuError:  # the yearly cap reached
        return None
    clock.tick()
    return grant


def _climb(
    staff: CareStaff,
    grant: ReliefGrant,
    clock: _Clock,
    rng: random.Random,
    *,
    stop_at: str = "",
    may_return: bool = True,
) -> ReliefGrant:
    """Approve step after step (returning once, then resubmitting, for a few) until approved or
    until the step ``stop_at`` is reached."""
    returned = may_return and rng.random() < RETURNED_SHARE
    while grant.state == GrantState.PENDING and grant.next_step != stop_at:
        approver = _approver(staff, grant)
        if returned and grant.round == 1:
            grant = services.do_return(grant, reason=rng.choice(RETURN_REASONS), acting_user=approver)
            clock.tick()
            lower = max(10_000, grant.amount_fen - rng.randrange(0, 50_001, 10_000))
            corrected = services.Application(
                reason=grant.reason,
                amount_fen=lower,
                applied_on=grant.applied_on,
                note=grant.note + "（已补齐材料）",
            )
            grant = services.do_resubmit(
                grant, corrected, acting_user=User.objects.get(pk=grant.submitted_by_id)
            )
            clock.tick()
            continue
        grant = services.do_approve(
            grant, note=rng.choice(["", "情况属实，同意", "同意"]), acting_user=approver
        )
        clock.tick()
    return grant


def before_batch(staff: CareStaff, period: date, rng: random.Random) -> None:
    """The applications of the month before ``period``, through the whole chain before its batch."""
    month = add_months(period, -1)
    month_end = add_months(month, 1) - timedelta(days=1)
    if (
        month_end >= timezone.localdate()
        or ReliefGrant.objects.filter(applied_on__gte=month, applied_on__lte=month_end).exists()
    ):
        return
    people = _eligible(staff)
    if not people:
        return
    last = period - timedelta(days=1)
    for _ in range(_how_many(GRANTS_PER_MONTH * _scale(), rng)):
        applied_on = month + timedelta(days=rng.randint(0, (month_end - month).days - 3))
        clock = _Clock(applied_on, last, rng)
        grant = _apply(staff, people, applied_on, rng, clock)
        if grant is None:
            continue
        grant = _climb(staff, grant, clock, rng)
        if grant.state == GrantState.APPROVED and rng.random() < CANCELLED_SHARE:
            grant = services.do_cancel(grant, reason=rng.choice(CANCEL_REASONS), acting_user=staff.clerk)
            clock.tick()
        _backdate(grant, clock)


def _paid_dates(today: date) -> None:
    """The batches ran in one go: a paid grant is dated the 8th of the month whose batch paid it."""
    months = (
        ReliefGrant.objects.filter(state=GrantState.PAID).values_list("one_off__month", flat=True).distinct()
    )
    for month in {m for m in months if m is not None}:
        ReliefGrant.objects.filter(state=GrantState.PAID, one_off__month=month).update(
            paid_on=min(month + timedelta(days=7), today)
        )


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    """This month's applications, then what the county's relief looks like: grants by state."""
    made = _this_month(staff, today, rng)
    states = Counter(ReliefGrant.objects.values_list("state", flat=True))
    return {"grants": sum(states.values()), **{str(k): n for k, n in sorted(states.items())}, **made}


def _this_month(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    """This month's applications, waiting at each step: something for every role to approve."""
    today = min(today, timezone.localdate())
    first = today.replace(day=1)
    made = {"waiting": 0, "returned": 0}
    _paid_dates(today)
    if ReliefGrant.objects.filter(applied_on__gte=first).exists():
        return made
    people = _eligible(staff)
    village = [p for p in people if p.region_id == staff.village.region_id]
    township = [p for p in people if p.township_id == staff.township.region_id]
    if not people:
        return made
    rule = _rule(staff)
    # (submitter, people, above the leader line, stop at this step)
    plan: list[tuple[User, list[Beneficiary], bool, str]] = [
        (staff.village, village, False, ChainStep.TOWNSHIP),
        (staff.village, village, True, ChainStep.TOWNSHIP),
        (staff.township, township, False, ChainStep.COUNTY),
        (staff.township, township, True, ChainStep.COUNTY),
        (staff.clerk, people, False, ChainStep.COUNTY),  # waits for clerk2
        (staff.clerk, people, True, ChainStep.LEADER),
        (staff.clerk2, people, True, ChainStep.LEADER),
        (staff.village, village, False, "returned"),
    ]
    for submitter, pool, high, stop_at in plan:
        if not pool:
            continue
        person = rng.choice(pool)
        applied_on = first + timedelta(days=rng.randint(0, max(0, (today - first).days - 1)))
        clock = _Clock(applied_on, today, rng)
        reason = rng.choice([r for r, _w in REASONS])
        amount = (
            rng.randrange(rule.leader_above_fen + 10_000, rule.case_cap_fen + 1, 10_000)
            if high
            else rng.randrange(50_000, rule.leader_above_fen + 1, 10_000)
        )
        data = services.Application(
            reason=reason,
            amount_fen=amount,
            applied_on=applied_on,
            note=rng.choice(NOTES[ReliefReason(reason)]),
        )
        try:
            grant = services.do_apply(person, data, acting_user=submitter)
        except YoufuError:
            continue
        clock.tick()
        if stop_at == "returned":
            grant = services.do_return(grant, reason=rng.choice(RETURN_REASONS), acting_user=staff.township)
            clock.tick()
            made["returned"] += 1
        else:
            grant = _climb(staff, grant, clock, rng, stop_at=stop_at, may_return=False)
            made["waiting"] += 1
        _backdate(grant, clock)
    return made
