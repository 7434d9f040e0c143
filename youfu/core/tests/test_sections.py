"""The section registry: ordering, leaving out empty cards, and empty work groups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import RequestFactory

from youfu.core import sections
from youfu.core.sections import (
    WorkItem,
    person_sections,
    register_person_section,
    register_work_source,
    work_for,
)


@pytest.fixture
def clean_registry() -> Iterator[None]:
    saved = dict(sections._person_sections), dict(sections._work_sources)
    sections._person_sections.clear()
    sections._work_sources.clear()
    yield
    sections._person_sections.clear()
    sections._work_sources.clear()
    sections._person_sections.update(saved[0])
    sections._work_sources.update(saved[1])


def test_person_sections_come_in_order_and_empty_ones_are_left_out(clean_registry: None) -> None:
    register_person_section("b", lambda request, person: "<section>B</section>", order=20)
    register_person_section("a", lambda request, person: f"<section>A {person}</section>", order=10)
    register_person_section("empty", lambda request, person: None, order=5)
    cards = person_sections(RequestFactory().get("/"), "张三")
    assert [key for key, _html in cards] == ["a", "b"]
    assert cards[0][1] == "<section>A 张三</section>"


def test_work_groups_keep_only_items_with_a_count(clean_registry: None) -> None:
    register_work_source(
        "petitions",
        "信访",
        lambda user: [WorkItem("逾期", 2, "/p1", urgent=True), WorkItem("即将到期", 0, "/p2")],
        order=1,
    )
    register_work_source("quiet", "无事", lambda user: [WorkItem("x", 0, "/x")], order=2)
    groups = work_for(object())
    assert [g.key for g in groups] == ["petitions"]
    assert [(i.label, i.count) for i in groups[0].items] == [("逾期", 2)]
