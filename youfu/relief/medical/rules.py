"""The medical top-up rule, as integer arithmetic on fen (DESIGN.md §5):

    subsidy = round_half_up(target × total_cost − insurance − serious_illness − other, fen),
    floored at 0, then capped by what is left of the person's yearly cap.

The target is in basis points (90% = 9000), so target × total_cost is an exact fraction
of 10,000ths of a fen; one half-up rounding turns it into fen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from youfu.relief.medical.models import BP_SCALE


def by_rule_fen(target_bp: int, total_fen: int, insurance_fen: int, serious_fen: int, other_fen: int) -> int:
    """round_half_up(target × total − the others' payments) in fen, floored at 0."""
    numerator = target_bp * total_fen - BP_SCALE * (insurance_fen + serious_fen + other_fen)
    # Half-up: floor((n + ½·scale) / scale); Python's // floors negative numbers too.
    rounded = (2 * numerator + BP_SCALE) // (2 * BP_SCALE)
    return max(0, rounded)


def percent_to_bp(percent: Decimal) -> int:
    return int((percent * 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Computation:
    """What the rule gives for one claim, before and after the yearly cap."""

    target_bp: int
    year_cap_fen: int
    computed_fen: int  # by the rule, before the cap
    used_fen: int  # what the person's other claims of the year already take
    cap_left_fen: int  # what was left of the cap before this claim
    subsidy_fen: int  # what this claim takes

    @property
    def capped(self) -> bool:
        return self.subsidy_fen < self.computed_fen

    @property
    def left_after_fen(self) -> int:
        return self.cap_left_fen - self.subsidy_fen


def compute(
    *,
    target_bp: int,
    year_cap_fen: int,
    used_fen: int,
    total_fen: int,
    insurance_fen: int,
    serious_fen: int,
    other_fen: int,
) -> Computation:
    computed = by_rule_fen(target_bp, total_fen, insurance_fen, serious_fen, other_fen)
    left = max(0, year_cap_fen - used_fen)
    return Computation(
        target_bp=target_bp,
        year_cap_fen=year_cap_fen,
        computed_fen=computed,
        used_fen=used_fen,
        cap_left_fen=left,
        subsidy_fen=min(computed, left),
    )
