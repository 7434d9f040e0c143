from __future__ import annotations

from datetime import date

import pytest
from stdnum.iso7064 import mod_11_2

from youfu.core.crypto import blind_index, decrypt, encrypt
from youfu.core.idnumber import InvalidIdNumber, make_id_number, mask_id_number, parse_id_number

# GB 11643 examples: the check character of 11010519491231002 is X.
VALID = "11010519491231002X"


def with_check(body: str) -> str:
    return body + mod_11_2.calc_check_digit(body)


class TestParseIdNumber:
    def test_it_accepts_a_valid_number(self) -> None:
        number = parse_id_number(VALID)
        assert number.birth_date == date(1949, 12, 31)
        assert number.sex == "female"  # 002: even
        assert number.masked == "110105********002X"

    @pytest.mark.parametrize(
        "raw",
        [
            "11010519491231002x",
            " 110105 19491231002X ",
            "１１０１０５１９４９１２３１００２Ｘ",
            "\u3000" + VALID,
        ],
    )
    def test_it_normalizes_what_people_type(self, raw: str) -> None:
        assert parse_id_number(raw).value == VALID

    def test_it_never_rejects_an_old_or_abolished_area_code(self) -> None:
        # 110103 (崇文区) was abolished in 2010; 429001 and 342101 no longer exist either.
        for area in ("110103", "429001", "342101"):
            assert parse_id_number(make_id_number(area, date(1931, 5, 4), 17)).value.startswith(area)

    def test_a_code_created_after_the_birth_year_is_valid(self) -> None:
        # 500101 (Chongqing's districts) dates from 1997; someone born in 1940 registered there.
        assert parse_id_number(make_id_number("500101", date(1940, 1, 1), 11))

    @pytest.mark.parametrize(
        ("raw", "needle"),
        [
            ("110105194912310021", "check character"),
            (with_check("11010519491331002"), "does not exist"),
            (with_check("11010520991231002"), "not possible"),
            (with_check("11010518701231002"), "not possible"),
            ("110105491231002", "15-digit"),
            ("1.10105E+17", "Excel"),
            ("11010519491231002", "Excel"),
            ("1101051949123100XX", "17 digits"),
            ("123", "18 characters"),
        ],
    )
    def test_it_says_what_is_wrong(self, raw: str, needle: str) -> None:
        with pytest.raises(InvalidIdNumber) as info:
            parse_id_number(raw, today=date(2026, 11, 29))
        assert needle in info.value.message.en
        assert info.value.message.zh != info.value.message.en

    def test_it_masks_everything_it_cannot_parse(self) -> None:
        assert mask_id_number("12345") == "*****"


class TestCrypto:
    def test_encryption_round_trips_and_is_randomized(self) -> None:
        token = encrypt(VALID)
        assert VALID not in token
        assert decrypt(token) == VALID
        assert encrypt(VALID) != token

    def test_the_blind_index_is_stable_keyed_and_purpose_bound(self, settings: object) -> None:
        first = blind_index(VALID)
        assert first == blind_index(VALID)
        assert first != blind_index(VALID, "bank_account")
        settings.YOUFU_DATA_KEY = "another-key"  # type: ignore[attr-defined]
        assert blind_index(VALID) != first
