"""The person page's cards find the home's and the person's records by the keys the tables are
indexed on (bench/README "Load", 2026-12-04): never "the person, or anyone of the household" nor
"linked, or a petitioner's ID number" joined with OR across two tables, which no index answers —
at a million people PostgreSQL read the whole registry for the housing card (240 ms) and every
petition for the petitions card (35 ms), on every person page."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.core.crypto import decrypt
from youfu.outreach.tests import factories_needs
from youfu.petitions.tests import factories as petitions
from youfu.registry.selectors import of_home
from youfu.relief.housing.models import HousingSurvey
from youfu.relief.tests import factories_housing
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db

# A condition on a column of a joined table after an OR: the shape no index can answer.
OR_ACROSS = re.compile(r'"beneficiary_id" = \S+ OR \(?\S*"(household_id|id_number_index)"')


def test_the_person_page_s_cards_read_the_home_by_its_keys(client: Client, world: World) -> None:
    home, person = factories_needs.household(world, world.village_a, name="甲")
    other = factories_needs.member(world, home, name="乙")
    _lone_home, stranger = factories_needs.household(world, world.village_a, name="丙")
    factories_housing.survey(world, other, grade="D")
    factories_housing.survey(world, stranger, grade="C")
    with time_machine.travel(factories_needs.NOW, tick=False):
        round_ = factories_needs.open_round(world)
        factories_needs.finding(world, round_, other)
        factories_needs.finding(world, round_, stranger)
    linked = petitions.register(world.county_clerk, world.village_a, beneficiary=person)
    by_number = petitions.register(
        world.county_clerk,
        world.village_a,
        petitioners=[petitions.petitioner(id_number=decrypt(person.id_number_encrypted))],
    )
    petitions.register(world.county_clerk, world.village_a)  # somebody else's

    log_in(client, world.county_clerk)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/registry/{person.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    sql = [q["sql"] for q in captured.captured_queries]
    assert [s for s in sql if OR_ACROSS.search(s)] == []
    # and the cards still find the home's and the person's records, not the stranger's
    shown = {int(pk) for pk in re.findall(r'href="/petitions/(\d+)/"', html)}
    assert shown == {linked.pk, by_number.pk}
    surveys = HousingSurvey.objects.filter(of_home(person))  # scope: test
    assert list(surveys.values_list("beneficiary_id", flat=True)) == [other.pk]


def test_a_person_without_a_household_is_their_own_home(world: World) -> None:
    _home, person = factories_needs.household(world, world.village_a, name="丁")
    person.household = None
    factories_housing.survey(world, person, grade="C")
    assert of_home(person) == Q(beneficiary_id=person.pk)
    assert HousingSurvey.objects.filter(of_home(person)).count() == 1  # scope: test
