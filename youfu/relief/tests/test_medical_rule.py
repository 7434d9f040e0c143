"""The medical top-up rule with hand-computed amounts (DESIGN.md §5)."""

from __future__ import annotations

from youfu.relief.medical.rules import by_rule_fen, compute


def test_half_up_at_the_fen_boundary() -> None:
    # 90% × 1234.55 = 1111.095 → 1111.10 (half up, not to even)
    assert by_rule_fen(9000, 123455, 0, 0, 0) == 111110


def test_just_below_half_rounds_down() -> None:
    # 90% × 1234.54 = 1111.086 → 1111.09; 85% × 0.03 = 0.0255 → 0.03; 85% × 0.01 = 0.0085 → 0.01
    assert by_rule_fen(9000, 123454, 0, 0, 0) == 111109
    assert by_rule_fen(8500, 3, 0, 0, 0) == 3
    assert by_rule_fen(8500, 1, 0, 0, 0) == 1
    # 85% × 0.05 = 0.0425 → 0.04
    assert by_rule_fen(8500, 5, 0, 0, 0) == 4


def test_the_others_payments_are_taken_off_after_the_target() -> None:
    # 90% × 10,000.00 − 5,000.00 − 2,000.00 − 500.00 = 1,500.00
    assert by_rule_fen(9000, 1_000_000, 500_000, 200_000, 50_000) == 150_000
    # 90% × 1234.55 − 1000.00 = 111.095 → 111.10
    assert by_rule_fen(9000, 123455, 100_000, 0, 0) == 11110


def test_floored_at_zero() -> None:
    # 90% × 1000.00 − 950.00 = −50.00 → 0
    assert by_rule_fen(9000, 100_000, 95_000, 0, 0) == 0
    # 90% × 1000.00 − 900.00 = 0
    assert by_rule_fen(9000, 100_000, 90_000, 0, 0) == 0
    # −0.005 does not round up to a positive fen: 90% × 0.05 − 0.05 = −0.005 → 0
    assert by_rule_fen(9000, 5, 5, 0, 0) == 0


def test_a_negative_half_rounds_up_towards_zero_then_floors() -> None:
    # 90% × 0.15 − 0.14 = −0.005 → half up gives 0.00, never −0.01
    assert by_rule_fen(9000, 15, 14, 0, 0) == 0


def test_the_cap_takes_what_is_left() -> None:
    # cap 20,000.00, 18,000.00 taken: a 3,000.00 claim gets 2,000.00
    c = compute(
        target_bp=9000,
        year_cap_fen=2_000_000,
        used_fen=1_800_000,
        total_fen=333_333,  # 3,333.33 × 90% = 2,999.997 → 3,000.00
        insurance_fen=0,
        serious_fen=0,
        other_fen=0,
    )
    assert c.computed_fen == 300_000
    assert c.cap_left_fen == 200_000
    assert c.subsidy_fen == 200_000
    assert c.capped


def test_nothing_left_when_the_cap_was_lowered_below_what_is_taken() -> None:
    c = compute(
        target_bp=9000,
        year_cap_fen=100_000,
        used_fen=150_000,
        total_fen=10_000,
        insurance_fen=0,
        serious_fen=0,
        other_fen=0,
    )
    assert (c.computed_fen, c.cap_left_fen, c.subsidy_fen) == (9_000, 0, 0)
