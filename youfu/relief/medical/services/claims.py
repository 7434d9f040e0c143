"""Medical claims: entered by a clerk with the subsidy computed at once, decided by a leader
who did not enter it, paid through the next monthly batch.

The yearly cap is taken in the order claims are entered: a claim takes what its own rule
gives, up to what the person's earlier pending, approved and paid claims of the same year
(the year of discharge) left. Entering locks the person's row, so two claims entered at
once for one person cannot both take the same share. A refusal frees the claim's share for
claims entered after it; claims already entered keep their amounts (an amount a leader may
already have approved never changes behind their back): the person's next claim gets the
freed share.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.models import OneOffKind
from youfu.benefits.money import money, yuan
from youfu.benefits.services import do_schedule_one_off
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.registry.models import Beneficiary, Qualification
from youfu.registry.selectors import payable_in_month
from youfu.relief.medical.models import ClaimState, MedicalClaim
from youfu.relief.medical.rules import Computation, compute
from youfu.relief.medical.selectors import cap_used_fen
from youfu.relief.medical.services.settings import RuleSettings, county_code, settings_in_force
from youfu.relief.medical.services.transitions import Action, move
from youfu.relief.medical.validation import ClaimInput, clean_claim

if TYPE_CHECKING:
    from youfu.accounts.models import User

ONE_OFF_KIND = OneOffKind.MEDICAL.value
REFUSAL_MAX = 500


def reference_of(claim: MedicalClaim | int) -> str:
    """The one-off payment's reference: how the batch names the claim it pays."""
    return f"medical:{claim if isinstance(claim, int) else claim.pk}"


# --- who may claim ------------------------------------------------------------------------


def holds_eligible_benefit(beneficiary: Beneficiary, on: date, categories: tuple[str, ...]) -> bool:
    """Whether the person holds a regular benefit of an eligible category, payable in the
    month of ``on`` (the month of discharge)."""
    return (
        Qualification.objects.filter(beneficiary=beneficiary, category__in=categories)
        .filter(payable_in_month(on))
        .exists()
    )


def check_eligible(beneficiary: Beneficiary, on: date, rule: RuleSettings) -> None:
    if not holds_eligible_benefit(beneficiary, on, rule.categories):
        raise InvalidInput(
            Message(
                gettext_noop(
                    "%(name)s holds no regular benefit of the categories that may claim (%(categories)s) "
                    "in the month of discharge."
                ),
                {"name": beneficiary.name, "categories": "、".join(rule.category_labels())},
            ),
            code="not_eligible",
            fields={"beneficiary": gettext_noop("not eligible")},
        )


# --- the figures before saving ------------------------------------------------------------


def preview_claim(
    beneficiary: Beneficiary, data: ClaimInput, rule: RuleSettings | None = None
) -> Computation:
    """What the claim would take if it were entered now (the form shows it before saving)."""
    rule = rule or settings_in_force(county_code(beneficiary.region_id))
    return compute(
        target_bp=rule.target_bp,
        year_cap_fen=rule.year_cap_fen,
        used_fen=cap_used_fen(beneficiary.pk, data.year),
        total_fen=data.total_cost_fen,
        insurance_fen=data.insurance_paid_fen,
        serious_fen=data.serious_illness_paid_fen,
        other_fen=data.other_paid_fen,
    )


def _same_stay(beneficiary: Beneficiary, data: ClaimInput) -> Conflict:
    return Conflict(
        Message(
            gettext_noop(
                "This hospital stay (%(hospital)s, admitted %(date)s) is already claimed for this person."
            ),
            {"hospital": data.hospital, "date": data.admitted_on.isoformat()},
        ),
        code="same_stay",
        fields={"admitted_on": gettext_noop("already claimed")},
    )


# --- writes -------------------------------------------------------------------------------


def do_enter_claim(beneficiary: Beneficiary, data: ClaimInput, *, acting_user: User) -> MedicalClaim:
    """A clerk enters a claim for a person in their region; it waits for a leader."""
    require(acting_user, Capability.WRITE_RECORDS)
    if not Beneficiary.objects.visible_to(acting_user).filter(pk=beneficiary.pk).exists():
        raise PermissionDenied()
    # The checks again, so that no caller can skip them.
    data = clean_claim(
        hospital=data.hospital,
        admitted_on=data.admitted_on,
        discharged_on=data.discharged_on,
        total_cost=yuan(data.total_cost_fen),
        insurance_paid=yuan(data.insurance_paid_fen),
        serious_illness_paid=yuan(data.serious_illness_paid_fen),
        other_paid=yuan(data.other_paid_fen),
    )
    with transaction.atomic():
        # The person's row is the lock of their yearly cap: a second claim entered at the
        # same moment waits here and then sees the first one's share.
        person = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        rule = settings_in_force(county_code(person.region_id))
        check_eligible(person, data.discharged_on, rule)
        if (
            MedicalClaim.objects.filter(
                beneficiary=person, hospital=data.hospital, admitted_on=data.admitted_on
            )
            .exclude(state=ClaimState.REFUSED)
            .exists()
        ):
            raise _same_stay(person, data)
        figures = preview_claim(person, data, rule)
        try:
            with transaction.atomic():
                claim = MedicalClaim.objects.create(
                    beneficiary=person,
                    hospital=data.hospital,
                    admitted_on=data.admitted_on,
                    discharged_on=data.discharged_on,
                    year=data.year,
                    total_cost_fen=data.total_cost_fen,
                    insurance_paid_fen=data.insurance_paid_fen,
                    serious_illness_paid_fen=data.serious_illness_paid_fen,
                    other_paid_fen=data.other_paid_fen,
                    rule_settings=rule.row,
                    target_bp=figures.target_bp,
                    year_cap_fen=figures.year_cap_fen,
                    computed_fen=figures.computed_fen,
                    cap_left_fen=figures.cap_left_fen,
                    subsidy_fen=figures.subsidy_fen,
                    entered_by=acting_user,
                )
        except IntegrityError:
            raise _same_stay(person, data) from None
        record_event(
            EventType.MEDICAL_CLAIM_ENTERED,
            actor=acting_user,
            region=person.region_id,
            obj=claim,
            new=_audited(claim),
        )
    return claim


def _require_decider(claim: MedicalClaim, user: User) -> None:
    require(user, Capability.APPROVE)
    if not MedicalClaim.objects.visible_to(user).filter(pk=claim.pk).exists():
        raise PermissionDenied()
    if claim.entered_by_id == user.pk:
        raise PermissionDenied(
            Message(
                gettext_noop("You entered this claim yourself: a leader who did not enter it decides on it.")
            ),
            code="own_entry",
        )


def do_approve_claim(claim: MedicalClaim, *, acting_user: User) -> MedicalClaim:
    """A leader approves a pending claim; its subsidy is paid through the next monthly batch
    (a zero subsidy is approved with nothing to pay)."""
    _require_decider(claim, acting_user)
    with transaction.atomic():
        now = timezone.now()
        transition = move(claim, Action.APPROVE, decided_at=now, decided_by=acting_user)
        if claim.subsidy_fen > 0:
            one_off = do_schedule_one_off(
                claim.beneficiary,
                kind=OneOffKind.MEDICAL,
                amount_fen=claim.subsidy_fen,
                reference=reference_of(claim),
                acting_user=acting_user,
            )
            MedicalClaim.objects.filter(pk=claim.pk).update(one_off=one_off)  # scope: fetched in scope above
            claim.one_off = one_off
        assert transition.event is not None
        record_event(
            transition.event,
            actor=acting_user,
            region=claim.beneficiary.region_id,
            obj=claim,
            old={"state": ClaimState.PENDING.value},
            new={"state": claim.state, "subsidy": money(claim.subsidy_fen)},
        )
    return claim


def clean_refusal_reason(reason: object) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise InvalidInput(
            Message(gettext_noop("Give the reason for refusing: the clerk reads it to tell the person.")),
            code="reason_required",
            fields={"reason": gettext_noop("required")},
        )
    if len(text) > REFUSAL_MAX:
        raise InvalidInput(
            Message(gettext_noop("The reason is at most 500 characters.")),
            fields={"reason": gettext_noop("at most 500 characters")},
        )
    return text


def do_refuse_claim(claim: MedicalClaim, *, acting_user: User, reason: str) -> MedicalClaim:
    """A leader refuses a pending claim with a reason; its share of the yearly cap is freed
    for the person's next claim."""
    _require_decider(claim, acting_user)
    text = clean_refusal_reason(reason)
    with transaction.atomic():
        # The same lock as entering: a claim entered now sees the share freed or not, never half.
        Beneficiary.objects.select_for_update().filter(pk=claim.beneficiary_id).first()
        transition = move(
            claim, Action.REFUSE, decided_at=timezone.now(), decided_by=acting_user, refusal_reason=text
        )
        assert transition.event is not None
        record_event(
            transition.event,
            actor=acting_user,
            region=claim.beneficiary.region_id,
            obj=claim,
            old={"state": ClaimState.PENDING.value},
            new={"state": claim.state, "reason": text},
        )
    return claim


def mark_claims_paid(one_off_ids: list[int]) -> int:
    """The batch's bank returns confirmed these one-off payments (of every kind): the claims
    they paid move ``approved → paid`` (a compare-and-set, so a repeated confirmation changes
    nothing). Runs inside the import's transaction."""
    if not one_off_ids:
        return 0
    # scope: the batch's own confirmation, county-wide
    return MedicalClaim.objects.filter(one_off_id__in=one_off_ids, state=ClaimState.APPROVED).update(
        state=ClaimState.PAID, paid_at=timezone.now()
    )


def _audited(claim: MedicalClaim) -> dict[str, Any]:
    return {
        "beneficiary_id": claim.beneficiary_id,
        "admitted_on": claim.admitted_on,
        "discharged_on": claim.discharged_on,
        "total_cost": money(claim.total_cost_fen),
        "insurance_paid": money(claim.insurance_paid_fen),
        "serious_illness_paid": money(claim.serious_illness_paid_fen),
        "other_paid": money(claim.other_paid_fen),
        "target": f"{claim.target_percent:.2f}",
        "year_cap": money(claim.year_cap_fen),
        "computed": money(claim.computed_fen),
        "cap_left": money(claim.cap_left_fen),
        "subsidy": money(claim.subsidy_fen),
        "state": claim.state,
    }
