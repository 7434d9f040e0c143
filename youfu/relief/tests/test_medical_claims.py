"""Medical claims through the services: the rule with hand-computed amounts, the yearly cap
across claims, refusals, years, settings changed between claims, every bad input (each
leaving the database unchanged) and who may decide."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import OneOffPayment
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.registry.categories import Category
from youfu.relief.medical.models import ClaimState, MedicalClaim
from youfu.relief.medical.services import (
    do_approve_claim,
    do_change_medical_settings,
    do_enter_claim,
    do_refuse_claim,
    settings_in_force,
)
from youfu.relief.medical.validation import ClaimInput
from youfu.relief.tests.factories_medical import (
    claim,
    eligible_person,
    fingerprint,
    ineligible_person,
)
from youfu.testing import World

pytestmark = pytest.mark.django_db


def amounts(c: MedicalClaim) -> tuple[str, str, str]:
    """(by the rule, left of the cap before it, subsidy) in yuan."""
    return (f"{c.computed:.2f}", f"{c.cap_left:.2f}", f"{c.subsidy:.2f}")


class TestTheRule:
    def test_ninety_percent_half_up_at_the_fen(self, world: World) -> None:
        # 90% × 1234.55 = 1111.095 → 1111.10
        c = claim(world, eligible_person(world), total="1234.55")
        assert amounts(c) == ("1111.10", "20000.00", "1111.10")
        assert c.state == ClaimState.PENDING
        assert (c.target_bp, c.year_cap_fen, c.year) == (9000, 2_000_000, 2025)

    def test_the_others_payments_come_off(self, world: World) -> None:
        # 90% × 12,345.67 = 11,111.103 − 6,000.00 − 2,000.00 − 345.67 = 2,765.433 → 2,765.43
        c = claim(
            world, eligible_person(world), total="12345.67", insurance="6000", serious="2000", other="345.67"
        )
        assert amounts(c) == ("2765.43", "20000.00", "2765.43")

    def test_floored_at_zero_and_approved_without_a_payment(self, world: World) -> None:
        # 90% × 1,000.00 − 950.00 = −50.00 → 0.00
        c = claim(world, eligible_person(world), total="1000", insurance="950")
        assert amounts(c) == ("0.00", "20000.00", "0.00")
        do_approve_claim(c, acting_user=world.leader)
        c.refresh_from_db()
        assert c.state == ClaimState.APPROVED
        assert c.one_off_id is None
        assert OneOffPayment.objects.count() == 0  # scope: test


class TestTheYearlyCap:
    def test_a_later_claim_gets_the_remainder_then_nothing(self, world: World) -> None:
        who = eligible_person(world)
        # 90% × 15,000.00 = 13,500.00 of 20,000.00
        first = claim(world, who, total="15000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 20))
        # 90% × 10,000.00 = 9,000.00, but only 6,500.00 is left
        second = claim(world, who, total="10000", admitted=date(2025, 4, 1), discharged=date(2025, 4, 9))
        # 90% × 2,000.00 = 1,800.00, nothing left
        third = claim(world, who, total="2000", admitted=date(2025, 6, 1), discharged=date(2025, 6, 3))
        assert amounts(first) == ("13500.00", "20000.00", "13500.00")
        assert amounts(second) == ("9000.00", "6500.00", "6500.00")
        assert second.capped
        assert amounts(third) == ("1800.00", "0.00", "0.00")

    def test_approved_and_paid_claims_count_as_pending_ones_do(self, world: World) -> None:
        who = eligible_person(world)
        first = claim(world, who, total="20000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 20))
        do_approve_claim(first, acting_user=world.leader)
        # 18,000.00 taken: a claim of 90% × 3,000.00 = 2,700.00 gets 2,000.00
        second = claim(world, who, total="3000", admitted=date(2025, 2, 1), discharged=date(2025, 2, 2))
        assert amounts(second) == ("2700.00", "2000.00", "2000.00")

    def test_a_refusal_frees_its_share_for_the_next_claim(self, world: World) -> None:
        who = eligible_person(world)
        first = claim(world, who, total="20000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 20))
        second = claim(world, who, total="5000", admitted=date(2025, 2, 1), discharged=date(2025, 2, 2))
        assert amounts(second) == ("4500.00", "2000.00", "2000.00")
        do_refuse_claim(first, acting_user=world.leader, reason="发票不全")
        # The claim already entered keeps its amount …
        second.refresh_from_db()
        assert amounts(second) == ("4500.00", "2000.00", "2000.00")
        # … and the next one gets the freed share: 20,000.00 − 2,000.00 = 18,000.00 left.
        third = claim(world, who, total="10000", admitted=date(2025, 3, 1), discharged=date(2025, 3, 5))
        assert amounts(third) == ("9000.00", "18000.00", "9000.00")

    def test_years_are_counted_by_the_discharge_date(self, world: World) -> None:
        who = eligible_person(world)
        # Admitted in 2024, discharged in 2025: the 2025 cap.
        first = claim(world, who, total="30000", admitted=date(2024, 12, 20), discharged=date(2025, 1, 4))
        assert first.year == 2025
        assert amounts(first) == ("27000.00", "20000.00", "20000.00")
        # Discharged in 2024: the 2024 cap is untouched.
        earlier = claim(world, who, total="10000", admitted=date(2024, 6, 1), discharged=date(2024, 6, 9))
        assert earlier.year == 2024
        assert amounts(earlier) == ("9000.00", "20000.00", "9000.00")
        # Another 2025 claim: nothing left.
        later = claim(world, who, total="1000", admitted=date(2025, 5, 1), discharged=date(2025, 5, 2))
        assert amounts(later) == ("900.00", "0.00", "0.00")

    def test_the_cap_is_per_person(self, world: World) -> None:
        a = eligible_person(world)
        b = eligible_person(world, name="李四")
        claim(world, a, total="30000")
        assert amounts(claim(world, b, total="30000")) == ("27000.00", "20000.00", "20000.00")


class TestSettingsBetweenClaims:
    def test_an_old_claim_keeps_the_old_target_and_a_new_one_takes_the_new(self, world: World) -> None:
        who = eligible_person(world)
        old = claim(world, who, total="1000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 6))
        do_change_medical_settings(acting_user=world.leader, target_bp=8000, year_cap_fen=1_000_000)
        new = claim(world, who, total="1000", admitted=date(2025, 2, 5), discharged=date(2025, 2, 6))
        old.refresh_from_db()
        assert (old.target_bp, old.year_cap_fen) == (9000, 2_000_000)
        assert amounts(old) == ("900.00", "20000.00", "900.00")
        # 80% × 1,000.00 = 800.00; the cap is now 10,000.00 of which 900.00 is taken
        assert (new.target_bp, new.year_cap_fen) == (8000, 1_000_000)
        assert amounts(new) == ("800.00", "9100.00", "800.00")
        assert new.rule_settings is not None

    def test_a_lowered_cap_leaves_nothing_when_more_is_taken(self, world: World) -> None:
        who = eligible_person(world)
        claim(world, who, total="15000", admitted=date(2025, 1, 5), discharged=date(2025, 1, 6))  # 13,500.00
        do_change_medical_settings(acting_user=world.leader, year_cap_fen=1_000_000)
        later = claim(world, who, total="1000", admitted=date(2025, 2, 5), discharged=date(2025, 2, 6))
        assert amounts(later) == ("900.00", "0.00", "0.00")

    def test_settings_are_a_leaders_and_kept_as_history(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            do_change_medical_settings(acting_user=world.county_clerk, target_bp=8000)
        do_change_medical_settings(acting_user=world.leader, target_bp=8550)
        do_change_medical_settings(acting_user=world.leader, year_cap_fen=3_000_000)
        rule = settings_in_force(world.county.code)
        assert (rule.target_percent, rule.year_cap) == (Decimal("85.50"), Decimal("30000.00"))
        events = AuditEvent.objects.filter(event_type=EventType.MEDICAL_SETTINGS_CHANGED).order_by("seq")
        assert [e.new["target"] for e in events] == ["85.50", "85.50"]
        assert events[0].old["target"] == "90.00"

    def test_the_same_settings_again_write_nothing(self, world: World) -> None:
        before = fingerprint()
        do_change_medical_settings(acting_user=world.leader, target_bp=9000, year_cap_fen=2_000_000)
        assert fingerprint() == before

    def test_eligible_categories_are_configurable(self, world: World) -> None:
        who = eligible_person(world)  # a war participant
        do_change_medical_settings(acting_user=world.leader, categories=(Category.DISABLED_VETERAN.value,))
        before = fingerprint()
        with pytest.raises(InvalidInput) as refused:
            claim(world, who)
        assert refused.value.code == "not_eligible"
        assert fingerprint() == before


class TestBadInput:
    """Each refusal is a clear error and leaves every table as it was."""

    def refused(self, world: World, exc: type[Exception], **kwargs: object) -> Exception:
        who = kwargs.pop("who", None) or eligible_person(world)
        before = fingerprint()
        with pytest.raises(exc) as raised:
            claim(world, who, **kwargs)  # type: ignore[arg-type]
        assert fingerprint() == before
        return raised.value

    def test_payments_from_others_over_the_cost(self, world: World) -> None:
        error = self.refused(
            world, InvalidInput, total="1000", insurance="600", serious="300", other="100.01"
        )
        assert error.code == "payments_exceed_cost"  # type: ignore[attr-defined]

    def test_negative_amounts(self, world: World) -> None:
        for field in ("total", "insurance", "serious", "other"):
            error = self.refused(world, InvalidInput, **{field: "-1"})
            assert "not negative" in str(error.fields.values())  # type: ignore[attr-defined]

    def test_discharge_before_admission(self, world: World) -> None:
        error = self.refused(world, InvalidInput, admitted=date(2025, 3, 10), discharged=date(2025, 3, 9))
        assert "discharged_on" in error.fields  # type: ignore[attr-defined]

    def test_dates_in_the_future(self, world: World) -> None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.refused(world, InvalidInput, admitted=date(2025, 3, 1), discharged=tomorrow)

    def test_the_same_stay_twice(self, world: World) -> None:
        who = eligible_person(world)
        claim(world, who, total="1000")
        # The same person, hospital and admission date, other figures: 409.
        error = self.refused(world, Conflict, who=who, total="2000", discharged=date(2025, 3, 12))
        assert error.code == "same_stay"  # type: ignore[attr-defined]
        # Spaces do not make another hospital.
        self.refused(world, Conflict, who=who, hospital=" 县人民医院 ")

    def test_a_refused_stay_may_be_entered_again(self, world: World) -> None:
        who = eligible_person(world)
        first = claim(world, who, total="1000")
        do_refuse_claim(first, acting_user=world.leader, reason="金额有误")
        again = claim(world, who, total="1100")
        assert again.subsidy == Decimal("990.00")

    def test_the_unique_constraint_holds_without_the_service(self, world: World) -> None:
        who = eligible_person(world)
        c = claim(world, who)
        with pytest.raises(IntegrityError), transaction.atomic():
            MedicalClaim.objects.create(  # scope: test
                **{
                    f.attname: getattr(c, f.attname)
                    for f in MedicalClaim._meta.concrete_fields
                    if f.attname not in ("id",)
                }
            )

    def test_an_ineligible_person(self, world: World) -> None:
        error = self.refused(world, InvalidInput, who=ineligible_person(world))
        assert error.code == "not_eligible"  # type: ignore[attr-defined]

    def test_a_person_outside_the_clerks_region(self, world: World) -> None:
        who = eligible_person(world, region=world.village_b)
        before = fingerprint()
        with pytest.raises(PermissionDenied):
            claim(world, who, by=world.township_clerk)
        assert fingerprint() == before

    def test_a_forged_input_is_checked_again_by_the_service(self, world: World) -> None:
        who = eligible_person(world)
        forged = ClaimInput("县人民医院", date(2025, 3, 1), date(2025, 3, 2), 100_000, 200_000, 0, 0)
        before = fingerprint()
        with pytest.raises(InvalidInput):
            do_enter_claim(who, forged, acting_user=world.township_clerk)
        assert fingerprint() == before

    def test_a_leader_does_not_enter_claims(self, world: World) -> None:
        self.refused(world, PermissionDenied, by=world.leader)


class TestDecisions:
    def test_a_leader_approves_and_the_subsidy_is_scheduled_once(self, world: World) -> None:
        c = claim(world, eligible_person(world), total="1234.55")
        do_approve_claim(c, acting_user=world.leader)
        c.refresh_from_db()
        assert c.state == ClaimState.APPROVED
        assert c.decided_by == world.leader
        one_off = OneOffPayment.objects.get()  # scope: test
        assert (one_off.kind, one_off.amount_fen, one_off.reference) == ("medical", 111110, f"medical:{c.pk}")
        assert c.one_off_id == one_off.pk
        event = AuditEvent.objects.get(event_type=EventType.MEDICAL_CLAIM_APPROVED)
        assert event.new == {"state": "approved", "subsidy": "1111.10"}

    def test_only_a_leader_decides(self, world: World) -> None:
        c = claim(world, eligible_person(world))
        before = fingerprint()
        for user in (world.county_clerk, world.township_clerk, world.admin, world.auditor):
            with pytest.raises(PermissionDenied):
                do_approve_claim(c, acting_user=user)
            with pytest.raises(PermissionDenied):
                do_refuse_claim(c, acting_user=user, reason="不符合")
        assert fingerprint() == before

    def test_not_the_user_who_entered_it(self, world: World) -> None:
        # A user who entered the claim and is a leader now (roles change) still may not decide it.
        c = claim(world, eligible_person(world), by=world.county_clerk)
        world.county_clerk.role = "leader"
        world.county_clerk.save(update_fields=["role"])
        before = fingerprint()
        with pytest.raises(PermissionDenied) as refused:
            do_approve_claim(c, acting_user=world.county_clerk)
        assert refused.value.code == "own_entry"
        assert fingerprint() == before

    def test_a_decided_claim_is_not_decided_again(self, world: World) -> None:
        c = claim(world, eligible_person(world))
        do_approve_claim(c, acting_user=world.leader)
        before = fingerprint()
        stale = MedicalClaim.objects.get(pk=c.pk)  # scope: test
        with pytest.raises(Conflict):
            do_refuse_claim(stale, acting_user=world.leader, reason="重复")
        with pytest.raises(Conflict):
            do_approve_claim(stale, acting_user=world.leader)
        assert fingerprint() == before

    def test_a_stale_copy_cannot_move_it_twice(self, world: World) -> None:
        c = claim(world, eligible_person(world))
        stale = MedicalClaim.objects.get(pk=c.pk)  # scope: test
        do_refuse_claim(c, acting_user=world.leader, reason="发票不全")
        with pytest.raises(Conflict):
            do_approve_claim(stale, acting_user=world.leader)
        assert OneOffPayment.objects.count() == 0  # scope: test

    def test_a_refusal_needs_a_reason(self, world: World) -> None:
        c = claim(world, eligible_person(world))
        before = fingerprint()
        with pytest.raises(InvalidInput):
            do_refuse_claim(c, acting_user=world.leader, reason="   ")
        assert fingerprint() == before

    def test_entry_and_decisions_are_audited_without_names(self, world: World) -> None:
        c = claim(world, eligible_person(world, name="王五"), total="1000")
        do_refuse_claim(c, acting_user=world.leader, reason="王五的发票不全")
        entered = AuditEvent.objects.get(event_type=EventType.MEDICAL_CLAIM_ENTERED)
        assert entered.new["subsidy"] == "900.00"
        assert entered.region_id == world.village_a.code
        refused = AuditEvent.objects.get(event_type=EventType.MEDICAL_CLAIM_REFUSED)
        assert "王五" not in str(refused.new)
