"""Handling units and what each role is offered (issue 10, item 10): "交乡镇(街道)办理" lists
townships, timelines name people by their full name, the leader is not offered registering."""

from __future__ import annotations

import pytest
from django.test import Client

from youfu.core.errors import InvalidInput
from youfu.petitions.models import Petition
from youfu.petitions.services import do_route_petition
from youfu.petitions.tests.factories import accepted, register
from youfu.petitions.views_detail import labelled_timeline
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


class TestGivingToATownship:
    def test_the_choice_lists_the_townships_not_villages(self, world: World, client: Client) -> None:
        # A matter the county clerk registered at a township: its children are villages.
        p = register(world.county_clerk, world.township_a)
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        route = html[html.index('data-action="route"') :]
        route = route[: route.index("</details>")]
        assert world.township_b.name in route
        assert world.village_a.name not in route and world.village_b.name not in route

    def test_an_online_matter_at_the_county_lists_every_township(self, world: World, client: Client) -> None:
        p = register(world.county_clerk, world.county)
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        route = html[html.index('data-action="route"') :]
        route = route[: route.index("</details>")]
        assert world.township_a.name in route and world.township_b.name in route
        assert world.village_a.name not in route

    def test_a_village_is_refused(self, world: World) -> None:
        p = register(world.county_clerk, world.county)
        with pytest.raises(InvalidInput) as exc:
            do_route_petition(p, region=world.village_a, acting_user=world.county_clerk)
        assert exc.value.code == "not_a_township"
        assert Petition.objects.get(pk=p.pk).region == world.county


class TestTimelineNames:
    def test_the_full_name_not_the_username(self, world: World, client: Client) -> None:
        world.county_clerk.full_name = "王优抚"
        world.county_clerk.save(update_fields=["full_name"])
        p = register(world.county_clerk, world.township_a)
        rows = labelled_timeline(p)
        assert rows[0]["actor"] == "王优抚"
        log_in(client, world.county_clerk)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        timeline = html[html.index('data-testid="timeline"') :]
        timeline = timeline[: timeline.index("</ol>")]
        assert "王优抚" in timeline and "clerk ·" not in timeline

    def test_the_username_when_no_name_is_recorded(self, world: World) -> None:
        world.county_clerk.full_name = ""
        world.county_clerk.save(update_fields=["full_name"])
        p = register(world.county_clerk, world.township_a)
        assert labelled_timeline(p)[0]["actor"] == "clerk"

    def test_the_online_form_is_the_petitioner(self, world: World, client: Client) -> None:
        client.post(
            "/p/submit/",
            {
                "name": "赵六",
                "phone": "13812345678",
                "category": "pension",
                "subject": "养老保险接续问题",
                "content": "退役后养老保险未接续。",
            },
        )
        p = Petition.objects.get()
        assert labelled_timeline(p)[0]["actor"] not in ("public", "")


class TestMenus:
    def _menu(self, client: Client) -> str:
        html = client.get("/petitions/").content.decode()
        menu = html[html.index('data-testid="petitions-menu"') :]
        return menu[: menu.index("</nav>")]

    def test_the_leader_is_not_offered_registering(self, world: World, client: Client) -> None:
        log_in(client, world.leader)
        menu = self._menu(client)
        assert "/petitions/new/" not in menu and "/petitions/extensions/" in menu
        assert client.get("/petitions/new/").status_code == 403  # what the menu would have led to
        assert "/petitions/new/" not in client.get("/petitions/").content.decode()

    def test_the_clerk_registers_and_approves_nothing(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        menu = self._menu(client)
        assert "/petitions/new/" in menu and "/petitions/extensions/" not in menu

    def test_the_liaison_works_on_what_is_assigned(self, world: World, client: Client) -> None:
        log_in(client, world.liaison)
        menu = self._menu(client)
        assert "/petitions/new/" not in menu and "/petitions/mine/" in menu

    def test_the_leader_sees_no_casework_on_a_petition(self, world: World, client: Client) -> None:
        p = accepted(world)
        log_in(client, world.leader)
        html = client.get(f"/petitions/{p.pk}/").content.decode()
        assert 'data-action="reply"' not in html and 'name="file"' not in html
