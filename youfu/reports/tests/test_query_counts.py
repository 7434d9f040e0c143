"""Each report runs a fixed number of queries: as many for a county of six townships, each with
people, bank lines and petitions, as for the scenario's two — for the county's clerk and for a
township's. And the dashboard page counts its figures once: it carries them for its charts, whose
script no longer asks the API for them again."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from youfu.benefits.tests.helpers import at, pay_month
from youfu.petitions.tests import factories as petitions
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import Category
from youfu.registry.services import do_register_beneficiary
from youfu.registry.tests.factories import person_data, qualification_data
from youfu.reports import dashboard_views
from youfu.reports.dashboard import DASHBOARD_QUERIES, dashboard
from youfu.reports.selectors import summary
from youfu.reports.tests.scenario import County, build
from youfu.testing import World, bearer, log_in

pytestmark = pytest.mark.django_db

# The summary of a county: the region, then registry 2, payments 7 (the period's batches, the
# people outside the scope, the sums kept of the batches the bank answered, the lines of the
# others summed, the people paid, the lines paying several benefits, the claims), relief, medical,
# housing 2, pairing, visits, petitions, needs checks. A township's looks its people up instead of
# counting those outside, and sums its people's lines, not the batches' kept sums: two fewer.
SUMMARY_QUERIES = {"county": 18, "township": 16}
# The APIs: the report's queries, and the token's, the user's and the region's.
DASHBOARD_API_QUERIES = {"county": DASHBOARD_QUERIES + 3, "township": DASHBOARD_QUERIES + 2}
APPRAISAL_API_QUERIES = {"county": 13, "township": 13}
BOTH = [SUMMARY_QUERIES["county"], SUMMARY_QUERIES["township"]]
PERIOD = (date(2026, 11, 1), date(2027, 2, 28))
NEW_TOWNSHIPS = range(3, 7)


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _grow(county: County) -> None:
    """Four more townships, each with a village, a person on the registry (paid by February's
    batch) and a petition."""
    w = county.world
    with time_machine.travel(at(2026, 12, 10), tick=False):
        for n in NEW_TOWNSHIPS:
            township = Region.objects.create(
                code=f"341199{100 + n:03d}000", name=f"新镇{n}", parent=w.county, level=RegionLevel.TOWNSHIP
            )
            village = Region.objects.create(
                code=f"341199{100 + n:03d}201", name=f"新村{n}", parent=township, level=RegionLevel.VILLAGE
            )
            do_register_beneficiary(
                person_data(village, name=f"丙{n}"),
                [qualification_data(Category.WAR_PARTICIPANT)],
                acting_user=w.county_clerk,
            )
            petitions.register(w.county_clerk, village, received_on=date(2026, 12, 10))
    pay_month(w, "2027-02")


def _queries(run: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def test_the_summary_runs_as_many_queries_for_six_townships_as_for_two(county: County) -> None:
    w = county.world

    def counts() -> list[int]:
        return [_queries(partial(summary, user, *PERIOD)) for user in (w.county_clerk, w.township_clerk)]

    before = counts()
    two = summary(w.county_clerk, *PERIOD)
    _grow(county)
    assert Region.objects.filter(parent=w.county, level=RegionLevel.TOWNSHIP).count() == 6
    six = summary(w.county_clerk, *PERIOD)
    # The new townships are counted: the test would mean nothing with them empty.
    assert six.petitions.received == two.petitions.received + len(NEW_TOWNSHIPS)
    assert six.payments.persons_paid == two.payments.persons_paid + len(NEW_TOWNSHIPS)
    assert six.registry.persons == two.registry.persons + len(NEW_TOWNSHIPS)
    assert before == counts() == BOTH


def _api(client: Client, user: Any, url: str, **params: str) -> tuple[int, dict[str, Any]]:
    headers = bearer(user)  # issued before counting: issuing a token is not the report's work
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params, headers={"Authorization": headers["HTTP_AUTHORIZATION"]})
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_the_dashboard_api_runs_as_many_queries_for_six_townships_as_for_two(
    client: Client, county: County
) -> None:
    w = county.world
    url = "/api/v1/reports/dashboard"
    before = [_api(client, user, url, year="2026")[0] for user in (w.county_clerk, w.township_clerk)]
    _grow(county)
    count, body = _api(client, w.county_clerk, url, year="2026")
    assert len(body["townships"]) == 6
    assert {t["petitions_received"] for t in body["townships"][2:]} == {1}
    assert {t["persons"] for t in body["townships"][2:]} == {1}
    after = [count, _api(client, w.township_clerk, url, year="2026")[0]]
    assert before == after == [DASHBOARD_API_QUERIES["county"], DASHBOARD_API_QUERIES["township"]]


def test_the_appraisal_api_runs_as_many_queries_for_six_townships_as_for_two(
    client: Client, county: County
) -> None:
    w = county.world
    url = "/api/v1/reports/appraisal"
    before = [_api(client, user, url, year="2026")[0] for user in (w.county_clerk, w.township_clerk)]
    _grow(county)
    count, body = _api(client, w.county_clerk, url, year="2026")
    assert len(body["townships"]) == 6
    after = [count, _api(client, w.township_clerk, url, year="2026")[0]]
    assert before == after == [APPRAISAL_API_QUERIES["county"], APPRAISAL_API_QUERIES["township"]]


def test_the_dashboard_page_counts_its_figures_once_and_carries_them(client: Client, county: County) -> None:
    w = county.world
    log_in(client, w.county_clerk)
    with mock.patch.object(dashboard_views, "dashboard", wraps=dashboard) as counted:
        html = client.get("/reports/dashboard/", {"year": "2026"}).content.decode()
    assert counted.call_count == 1
    found = re.search(r'data-figures="([^"]*)"', html)
    assert found is not None
    carried = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    _count, api = _api(client, w.county_clerk, "/api/v1/reports/dashboard", year="2026")
    assert carried == api
    # The script draws from what the page carries: it asks nothing of the API.
    script = Path(dashboard_views.__file__).parent / "static" / "reports" / "dashboard.js"
    assert "fetch(" not in script.read_text()
    assert "data-figures" in script.read_text()
