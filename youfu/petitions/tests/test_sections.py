"""What petitions puts on other apps' pages (issue 10, items 18 and 19): the petitions card of
a registered person's page and the home page's work list."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from youfu.core.sections import work_for
from youfu.petitions.services import do_link_beneficiary, do_reply_petition, do_request_extension
from youfu.petitions.tests.factories import accepted, id_number, petitioner, register
from youfu.registry.tests.factories import register as register_person
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


def _card(client: Client, person_id: int) -> str:
    html = client.get(f"/registry/{person_id}/").content.decode()
    if 'data-testid="petitions"' not in html:
        return ""
    card = html[html.index('data-testid="petitions"') :]
    return card[: card.index("</section>")]


class TestThePersonPage:
    def test_petitions_linked_by_id_number_or_by_the_person_link(self, world: World, client: Client) -> None:
        number = id_number()
        person = register_person(world.township_clerk, world.village_a, name="李四", id_number=number)
        by_number = register(
            world.township_clerk, subject="关于抚恤金的请求", petitioners=[petitioner(id_number=number)]
        )
        by_link = register(
            world.township_clerk, subject="关于住房改造的请求", petitioners=[petitioner("李四的女儿")]
        )
        do_link_beneficiary(by_link, beneficiary=person, acting_user=world.township_clerk)
        register(
            world.township_clerk, subject="别人的事", petitioners=[petitioner("王五", id_number=id_number())]
        )
        log_in(client, world.township_clerk)
        card = _card(client, person.pk)
        assert by_number.receipt_code_display in card and by_link.receipt_code_display in card
        assert "别人的事" not in card and card.count("<tr>") == 3  # the header and two rows

    def test_left_out_when_there_is_none(self, world: World, client: Client) -> None:
        person = register_person(world.township_clerk, world.village_a, name="李四", id_number=id_number())
        log_in(client, world.township_clerk)
        html = client.get(f"/registry/{person.pk}/").content.decode()
        assert 'data-testid="petitions"' not in html and "暂未开放" not in html

    def test_region_scoped(self, world: World, client: Client) -> None:
        number = id_number()
        person = register_person(world.county_clerk, world.village_a, name="李四", id_number=number)
        # The same person petitioned in township B: township A's clerk does not see that matter.
        register(world.other_township_clerk, world.township_b, petitioners=[petitioner(id_number=number)])
        log_in(client, world.township_clerk)
        assert _card(client, person.pk) == ""
        log_in(client, world.county_clerk)
        assert _card(client, person.pk) != ""


def _items(user: object) -> dict[str, dict[str, tuple[int, str, bool]]]:
    return {
        group.key: {str(item.label): (item.count, item.url, item.urgent) for item in group.items}
        for group in work_for(user)
    }


class TestTheWorkList:
    def test_the_clerk_sees_overdue_and_soon(self, world: World, client: Client) -> None:
        overdue = accepted(world, received_on=date(2025, 3, 3))  # due 6 May
        soon = accepted(world, received_on=date(2025, 4, 18))  # due 17 June (Tue): 1 working day
        later = accepted(world, received_on=date(2025, 6, 2))  # due 1 August
        replied = accepted(world, received_on=date(2025, 3, 4))
        do_reply_petition(replied, replied_on=date(2025, 4, 1), text="答复", acting_user=world.township_clerk)
        assert soon.handle_due == date(2025, 6, 17) and later.handle_due == date(2025, 8, 1)
        work = _items(world.township_clerk)["petition_deadlines"]
        counts = {label: count for label, (count, _url, _urgent) in work.items()}
        assert sorted(counts.values()) == [1, 1]
        overdue_item = next(v for v in work.values() if v[2])
        assert overdue_item[:2] == (1, "/petitions/?due=overdue")
        log_in(client, world.township_clerk)
        html = client.get("/petitions/?due=overdue").content.decode()
        assert overdue.receipt_code_display in html and soon.receipt_code_display not in html
        html = client.get("/petitions/?due=soon").content.decode()
        assert soon.receipt_code_display in html and later.receipt_code_display not in html
        home = client.get("/").content.decode()
        assert 'data-testid="work-petition_deadlines"' in home and "/petitions/?due=soon" in home

    def test_scoped_to_the_clerks_region(self, world: World) -> None:
        accepted(world, received_on=date(2025, 3, 3))  # township A, overdue
        assert "petition_deadlines" not in _items(world.other_township_clerk)
        assert "petition_deadlines" in _items(world.county_clerk)

    def test_the_leader_sees_extensions_to_approve(self, world: World, client: Client) -> None:
        p = accepted(world, received_on=date(2025, 6, 2))
        assert "petition_extensions" not in _items(world.leader)
        do_request_extension(p, days=20, reason="调档", acting_user=world.township_clerk)
        work = _items(world.leader)
        assert list(work["petition_extensions"].values()) == [(1, "/petitions/extensions/", True)]
        assert "petition_deadlines" not in work  # deadlines are the clerks' work
        assert "petition_extensions" not in _items(world.township_clerk)
        log_in(client, world.leader)
        assert "/petitions/extensions/" in client.get("/").content.decode()

    def test_the_auditor_and_the_admin_get_nothing(self, world: World) -> None:
        accepted(world, received_on=date(2025, 3, 3))
        for user in (world.auditor, world.admin):
            assert not {"petition_deadlines", "petition_extensions"} & set(_items(user))
