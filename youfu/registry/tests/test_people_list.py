"""The registry list page: one search box, the filters, htmx partials and a fixed query count."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.core.idnumber import make_id_number
from youfu.registry.categories import Category
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_record_life_event
from youfu.registry.tests.factories import id_number_for, register
from youfu.testing import World, log_in


def names(response: Any) -> list[str]:
    return [p.name for p in response.context["page"]]


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
        "li": register(
            clerk,
            world.township_a,
            (Category.DISABLED_VETERAN,),
            name="李四",
            phone="13800001111",
            residence="urban",
        ),
        "wang": register(
            clerk,
            world.village_b,
            (Category.MARTYR_SURVIVOR, Category.WAR_PARTICIPANT),
            name="王五",
            phone="13700002222",
            # A fixed number: a four-character tail also searches phone tails,
            # and a drawn one could end like someone's phone (…3333).
            id_number=make_id_number("341199", date(1951, 7, 9), 457),
        ),
        "zhao": register(clerk, world.village_a, name="赵小三", phone="13600003333"),
    }


def search(client: Client, **params: Any) -> list[str]:
    response = client.get("/registry/", params)
    assert response.status_code == 200
    return names(response)


@pytest.mark.django_db
class TestSearchBox:
    def test_it_finds_by_name(self, world: World, client: Client, people: dict[str, Beneficiary]) -> None:
        log_in(client, world.county_clerk)
        assert search(client, q="张三") == ["张三"]
        assert search(client, q="王") == ["王五"]

    def test_it_finds_by_full_pinyin_and_initials(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        assert search(client, q="zhangsan") == ["张三"]
        assert search(client, q="ZS") == ["张三"]
        assert search(client, q="zxs") == ["赵小三"]
        assert search(client, q="li") == ["李四"]

    def test_it_finds_by_the_whole_id_number(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        number = reveal(people["li"])
        assert search(client, q=number) == ["李四"]
        assert search(client, q=number.lower() + " ") == ["李四"]

    def test_it_finds_by_the_last_four_to_six_characters(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        number = reveal(people["wang"])
        assert search(client, q=number[-6:]) == ["王五"]
        assert search(client, q=number[-4:]) == ["王五"]

    def test_it_finds_by_phone(self, world: World, client: Client, people: dict[str, Beneficiary]) -> None:
        log_in(client, world.county_clerk)
        assert search(client, q="13912345678") == ["张三"]
        assert search(client, q="1380000") == ["李四"]

    def test_nothing_matches(self, world: World, client: Client, people: dict[str, Beneficiary]) -> None:
        log_in(client, world.county_clerk)
        response = client.get("/registry/", {"q": "欧阳"})
        assert names(response) == []
        assert (
            "Nobody matches."
            in client.get("/registry/", {"q": "欧阳"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )


def reveal(person: Beneficiary) -> str:
    from youfu.core.crypto import decrypt

    return decrypt(person.id_number_encrypted)


@pytest.mark.django_db
class TestFilters:
    def test_by_township_and_village(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        assert sorted(search(client, township=world.township_a.code)) == ["张三", "李四", "赵小三"]
        assert sorted(search(client, village=world.village_a.code)) == ["张三", "赵小三"]
        assert search(client, township=world.township_b.code) == ["王五"]

    def test_by_category_and_level(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        assert search(client, category="martyr_survivor") == ["王五"]
        assert search(client, category="disabled_veteran", level="6") == ["李四"]
        assert search(client, level="3") == []

    def test_by_residence_and_status(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        do_record_life_event(people["zhao"], "death", date(2024, 5, 1), acting_user=world.county_clerk)
        qualification = people["wang"].qualifications.get(category="war_participant")
        do_record_life_event(
            people["wang"],
            "suspension",
            date(2024, 5, 1),
            acting_user=world.county_clerk,
            qualification=qualification,
            reason="服刑",
        )
        log_in(client, world.county_clerk)
        assert search(client, residence="urban") == ["李四"]
        assert search(client, status="deceased") == ["赵小三"]
        assert sorted(search(client, status="alive")) == ["张三", "李四", "王五"]
        assert search(client, status="suspended") == ["王五"]

    def test_filters_combine_with_the_search_box(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        assert search(client, q="zs", township=world.township_b.code) == []
        assert search(client, q="王", category="martyr_survivor") == ["王五"]

    def test_an_invalid_filter_value_is_ignored(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        assert len(search(client, category="astronaut", level="99")) == 4

    def test_a_township_clerk_sees_and_can_choose_only_their_township(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.township_clerk)
        response = client.get("/registry/")
        assert sorted(names(response)) == ["张三", "李四", "赵小三"]
        page = response.content.decode()
        assert world.township_b.name not in page and world.village_b.name not in page
        assert search(client, township=world.township_b.code) == sorted(["张三", "李四", "赵小三"])


@pytest.mark.django_db
class TestListPage:
    def test_it_shows_masked_id_numbers_and_qualifications(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        page = client.get("/registry/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        li = people["li"]
        assert li.id_number_masked in page
        assert reveal(li) not in page
        assert "disabled veteran · level 6" in page
        assert f'href="/registry/{li.pk}/"' in page

    def test_htmx_gets_only_the_results(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        response = client.get("/registry/", {"q": "zs"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert names(response) == ["张三"]
        assert "<html" not in body and 'data-testid="results"' in body
        assert "HX-Request" in response["Vary"]
        full = client.get("/registry/", {"q": "zs"}).content.decode()
        assert "<html" in full and 'hx-get="/registry/"' in full and 'hx-target="#results"' in full

    def test_the_export_links_carry_the_current_filters(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        body = client.get(
            "/registry/", {"q": "zs", "category": "war_participant", "page": "1"}
        ).content.decode()
        assert 'href="/registry/export/?q=zs&amp;category=war_participant&amp;format=xlsx"' in body
        assert "format=csv" in body

    def test_it_is_paginated_by_50(self, world: World, client: Client) -> None:
        for n in range(51):
            register(world.county_clerk, world.village_a, name=f"刘{n:02d}", phone="")
        log_in(client, world.county_clerk)
        first = client.get("/registry/")
        assert len(names(first)) == 50 and first.context["page"].paginator.num_pages == 2
        second = client.get("/registry/", {"page": 2})
        assert len(names(second)) == 1
        assert 'hx-get="/registry/?page=1"' in second.content.decode()

    def test_only_write_roles_see_the_register_button(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.leader)
        assert 'href="/registry/new/"' not in client.get("/registry/").content.decode()
        log_in(client, world.township_clerk)
        assert 'href="/registry/new/"' in client.get("/registry/").content.decode()


@pytest.mark.django_db
class TestQueryCount:
    """The list page costs the same number of queries for 3 people as for 30."""

    # session, user, the user's region, townships and villages for the filters, count, the page,
    # its qualifications, and the session's save (savepoint, update, release)
    QUERIES = 10

    @pytest.mark.parametrize("size", [3, 30])
    def test_the_list_page_does_a_fixed_number_of_queries(
        self, world: World, client: Client, django_assert_num_queries: Any, size: int
    ) -> None:
        for n in range(size):
            categories = (Category.DISABLED_VETERAN, Category.WAR_PARTICIPANT) if n % 2 else ()
            register(
                world.county_clerk,
                world.village_a if n % 3 else world.township_b,
                categories or (Category.WAR_PARTICIPANT,),
                name=f"周{n:02d}",
            )
        log_in(client, world.county_clerk)
        with django_assert_num_queries(self.QUERIES):
            response = client.get("/registry/")
        assert len(names(response)) == size

    @pytest.mark.parametrize("size", [3, 30])
    def test_the_htmx_partial_too(
        self, world: World, client: Client, django_assert_num_queries: Any, size: int
    ) -> None:
        for n in range(size):
            register(world.county_clerk, world.village_a, name=f"吴{n:02d}")
        log_in(client, world.county_clerk)
        with django_assert_num_queries(self.QUERIES):
            client.get("/registry/", {"q": "w"}, HTTP_HX_REQUEST="true")
