"""The search box: what each kind of query finds, for whom, in which order, through which index."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from youfu.core.crypto import decrypt
from youfu.core.idnumber import make_id_number
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.search import (
    SYLLABLES,
    SearchFilters,
    _after,
    _could_be_pinyin,
    search_beneficiaries,
)
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import id_number_for, register
from youfu.testing import World


def found(user: Any, query: str = "", **filters: Any) -> list[str]:
    return [p.name for p in search_beneficiaries(user, query, SearchFilters(**filters))]


@pytest.fixture
def people(world: World) -> dict[str, Beneficiary]:
    clerk = world.county_clerk
    return {
        "zhang": register(
            clerk,
            world.village_a,
            name="张三",
            phone="13912345678",
            id_number=id_number_for(date(1950, 3, 1)),
        ),
        "zhangfeng": register(clerk, world.village_a, name="张三丰", phone="13912340000"),
        "zhou": register(
            clerk, world.township_a, (Category.DISABLED_VETERAN,), name="周深", phone="13800001111"
        ),
        "zhao": register(clerk, world.village_b, name="赵华", phone="15000002222", residence="urban"),
        "li": register(clerk, world.village_b, (Category.MARTYR_SURVIVOR,), name="李张", phone="18600003333"),
    }


@pytest.mark.django_db
class TestWhatItFinds:
    def test_a_han_name_prefix(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk = world.county_clerk
        assert found(clerk, "张") == ["张三", "张三丰"]
        assert found(clerk, "张三") == ["张三", "张三丰"]
        assert found(clerk, "张三丰") == ["张三丰"]
        assert found(clerk, "三") == []  # a prefix, not a substring: 李张 is not 张…
        assert found(clerk, " 张 三 ") == ["张三", "张三丰"]

    def test_initials(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk = world.county_clerk
        # By initials (zs before zsf), then pinyin (zhangsan before zhoushen).
        assert found(clerk, "zs") == ["张三", "周深", "张三丰"]
        assert found(clerk, "zsf") == ["张三丰"]
        assert found(clerk, "ZS") == ["张三", "周深", "张三丰"]
        assert found(clerk, "ｚｓ") == ["张三", "周深", "张三丰"]  # full-width, as some input methods type
        assert found(clerk, "zx") == []

    def test_pinyin(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk = world.county_clerk
        assert found(clerk, "zhangsan") == ["张三", "张三丰"]
        assert found(clerk, "zhangsanf") == ["张三丰"]
        assert found(clerk, "zhou") == ["周深"]
        assert found(clerk, "li") == ["李张"]
        assert found(clerk, "lizhang") == ["李张"]

    def test_letters_that_may_be_either_find_both_kinds(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        clerk = world.county_clerk
        # "zh": the initials of 赵华 (zh) and the pinyin of 张三, 张三丰, 周深, 赵华 (zhang…, zhou…).
        assert sorted(found(clerk, "zh")) == ["周深", "张三", "张三丰", "赵华"]
        assert found(clerk, "zh")[0] == "赵华"  # by initials: zh before zs, zsf, zs…
        assert sorted(found(clerk, "z")) == ["周深", "张三", "张三丰", "赵华"]
        assert found(clerk, "zhang") == ["张三", "张三丰"]
        assert found(clerk, "l") == ["李张"]

    def test_a_whole_id_number(self, world: World, people: dict[str, Beneficiary]) -> None:
        number = decrypt(people["zhang"].id_number_encrypted)
        assert found(world.county_clerk, number) == ["张三"]
        assert found(world.county_clerk, number.lower() + " ") == ["张三"]
        other = id_number_for(date(1950, 3, 1))
        assert found(world.county_clerk, other) == []

    def test_the_last_four_or_six_of_an_id_number(self, world: World, people: dict[str, Beneficiary]) -> None:
        number = decrypt(people["zhou"].id_number_encrypted)
        assert "周深" in found(world.county_clerk, number[-4:])
        assert found(world.county_clerk, number[-6:]) == ["周深"]
        assert found(world.county_clerk, number[-5:]) == ["周深"]

    def test_an_id_number_ending_in_x(self, world: World) -> None:
        # Deterministic whatever ran before: the first even sequence whose check character is X.
        number = next(
            n
            for n in (make_id_number("341199", date(1960, 1, 1), seq) for seq in range(0, 1000, 2))
            if n.endswith("X")
        )
        register(world.county_clerk, world.village_a, name="王秀英", id_number=number, male=False)
        assert found(world.county_clerk, number[-4:].lower()) == ["王秀英"]
        assert found(world.county_clerk, number[-6:]) == ["王秀英"]

    def test_phones(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk = world.county_clerk
        assert found(clerk, "13912345678") == ["张三"]
        assert found(clerk, "1391234") == ["张三丰", "张三"]  # by phone: …0000 before …5678
        assert found(clerk, "139") == ["张三丰", "张三"]
        assert found(clerk, "1") == ["周深", "张三丰", "张三", "赵华", "李张"]
        assert found(clerk, "5678") == ["张三"]  # the last digits of a phone, like an ID tail
        assert found(clerk, "345678") == ["张三"]
        assert found(clerk, "0000") == ["张三丰"]
        assert found(clerk, "139123456789") == []

    def test_nothing_typed_lists_everyone_by_township_then_name(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        assert found(world.county_clerk) == ["周深", "张三", "张三丰", "李张", "赵华"]
        assert found(world.county_clerk, "  ") == found(world.county_clerk)

    def test_namesakes_are_ordered_by_birth_date(self, world: World) -> None:
        for year in (1970, 1950, 1960):
            register(
                world.county_clerk,
                world.village_a,
                name="王伟",
                birth_date=date(year, 1, 1),
                id_number=id_number_for(date(year, 1, 1)),
            )
        people = search_beneficiaries(world.county_clerk, "王伟")
        assert [p.birth_date.year for p in people] == [1950, 1960, 1970]


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_a_township_clerk_finds_only_people_of_their_township(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        clerk = world.township_clerk
        assert found(clerk) == ["周深", "张三", "张三丰"]
        assert found(clerk, "z") == ["张三", "周深", "张三丰"]  # by initials, then pinyin
        # Nobody here has initials starting zh (赵华 lives in the other township): by pinyin.
        assert found(clerk, "zh") == ["张三", "张三丰", "周深"]
        assert found(clerk, "zhao") == []
        assert found(clerk, "赵") == []
        assert found(clerk, "li") == []
        assert found(clerk, "15000002222") == []
        assert found(clerk, "2222") == []
        assert found(clerk, decrypt(people["zhao"].id_number_encrypted)) == []
        assert found(world.other_township_clerk) == ["李张", "赵华"]
        assert found(world.other_township_clerk, "zh") == ["赵华"]

    def test_a_village_assistant_finds_only_their_village(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        assert found(world.village_assistant) == ["张三", "张三丰"]
        assert found(world.village_assistant, "z") == ["张三", "张三丰"]
        assert found(world.village_assistant, "周") == []

    def test_roles_without_personal_data_find_nobody(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        for user in (world.admin, world.auditor):
            assert found(user) == []
            assert found(user, "zs") == []
            assert found(user, "张") == []


@pytest.mark.django_db
class TestFilters:
    def test_place_category_level_status_residence(
        self, world: World, people: dict[str, Beneficiary]
    ) -> None:
        clerk = world.county_clerk
        assert found(clerk, township=world.township_b.code) == ["李张", "赵华"]
        assert found(clerk, village=world.village_a.code) == ["张三", "张三丰"]
        assert found(clerk, "z", township=world.township_b.code) == ["赵华"]
        assert found(clerk, category=Category.MARTYR_SURVIVOR) == ["李张"]
        assert found(clerk, category=Category.DISABLED_VETERAN, disability_level=6) == ["周深"]
        assert found(clerk, disability_level=3) == []
        assert found(clerk, residence="urban") == ["赵华"]
        assert found(clerk, "zh", residence="urban") == ["赵华"]

    def test_person_and_qualification_status(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk = world.county_clerk
        do_record_life_event(people["zhao"], "death", date(2024, 5, 1), acting_user=clerk)
        qualification = people["li"].qualifications.get()
        do_record_life_event(
            people["li"], "suspension", date(2024, 5, 1), acting_user=clerk, qualification=qualification
        )
        assert found(clerk, status="deceased") == ["赵华"]
        assert found(clerk, "z", status="alive") == ["张三", "周深", "张三丰"]
        assert found(clerk, status="suspended") == ["李张"]
        assert found(clerk, "li", status="active") == []


@pytest.mark.django_db
class TestIndexes:
    """The plans at a million people are checked by bench/bench_search.py; here, that each
    kind of query can use its index at all (SQLite matches an expression index only to
    the very same expression)."""

    def plan(self, qs: Any) -> str:
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            else:
                # Statistics of these very rows, not of whatever ran before in this worker: else
                # the choice between two fitting indexes follows stale estimates.
                cursor.execute("ANALYZE registry_beneficiary")
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    def test_each_kind_of_query_reads_its_index(self, world: World, people: dict[str, Beneficiary]) -> None:
        clerk, township = world.county_clerk, world.township_clerk
        assert "beneficiary_phone_tail" in self.plan(search_beneficiaries(clerk, "5678")[:50])
        if connection.vendor != "sqlite":
            return  # with five rows PostgreSQL's choice among fitting indexes is a coin toss
        expected = [
            (clerk, "zs", "beneficiary_initials"),
            (township, "zs", "beneficiary_township_initials"),
            (clerk, "zh", "beneficiary_initials"),  # 赵华's initials: walk the initials from z
            (township, "zh", "registry_beneficiary_name_pinyin"),  # nobody's here: by pinyin
            (township, "z", "beneficiary_township_initials"),
            (township, "张", "beneficiary_township_name"),
            (township, "", "beneficiary_township_name"),
            (clerk, "张", "beneficiary_name_birth"),
        ]
        for user, query, index in expected:
            plan = self.plan(search_beneficiaries(user, query)[:50])
            assert index in plan and "TEMP B-TREE" not in plan, (user.username, query, plan)


class TestPieces:
    def test_the_syllables_are_those_pypinyin_writes(self) -> None:
        from pypinyin.contrib.tone_convert import to_normal
        from pypinyin.pinyin_dict import pinyin_dict

        written = {to_normal(reading) for readings in pinyin_dict.values() for reading in readings.split(",")}
        assert {s for s in written if s.isascii()} <= SYLLABLES
        assert not {s[0] for s in SYLLABLES} & set("iuv")

    @pytest.mark.parametrize(
        ("letters", "could"),
        [
            ("z", True),
            ("zh", True),
            ("zhangs", True),
            ("xian", True),
            ("xiang", True),
            ("zs", False),
            ("wxy", False),
            ("zhangwxy", False),
            ("lv", True),
            ("xianzai", True),
            ("zh" * 500, False),
        ],
    )
    def test_what_could_begin_a_pinyin(self, letters: str, could: bool) -> None:
        assert _could_be_pinyin(letters) is could

    def test_the_end_of_a_prefix_range(self) -> None:
        assert _after("zs") == "zt"
        assert _after("张") == "弡"
        assert _after("z") == "{"
        assert _after("a\ud7ff") == "a\ue000"

    def test_a_prefix_range_holds_exactly_the_strings_starting_with_it(self) -> None:
        words = ["zs", "zsf", "zt", "zr", "z", "zsz", "zs\U0010ffff", "张", "张三", "弡", "张\U0010ffff"]
        for prefix in ("zs", "张"):
            inside = sorted(w for w in words if prefix <= w < _after(prefix))
            assert inside == sorted(w for w in words if w.startswith(prefix))
