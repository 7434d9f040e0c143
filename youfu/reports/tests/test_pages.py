"""/reports/summary/: the page of the summary, for each role that may open it, each figure a link
to the list behind it; the menu entry; bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from youfu.reports.tests.scenario import County, build
from youfu.testing import World, log_in, menu_urls

pytestmark = pytest.mark.django_db

URL = "/reports/summary/"
NOV_DEC = {"from": "2026-11-01", "to": "2026-12-31"}


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def page(client: Client, user: Any, **params: str) -> Any:
    log_in(client, user)
    return client.get(URL, params)


def test_every_reader_opens_it_for_their_region(client: Client, county: County) -> None:
    w = county.world
    for user, region in (
        (w.county_clerk, "青山县"),
        (w.leader, "青山县"),
        (w.township_clerk, "城关镇"),
        (w.other_township_clerk, "东岭镇"),
        (w.village_assistant, "柳湾村"),
    ):
        response = page(client, user, **NOV_DEC)
        assert response.status_code == 200, user.username
        html = response.content.decode()
        assert f" · {region}</h1>" in html, user.username
        assert 'data-testid="summary-text"' in html
        assert 'data-testid="not-shown"' not in html
        assert URL in menu_urls(user), user.username


def test_a_liaison_sees_the_department_s_sections_and_is_told_the_rest_are_not_shown(
    client: Client, county: County
) -> None:
    """Not "0 people on the registry": the liaison's role reads no registry, so no such figure."""
    w = county.world
    response = page(client, w.liaison, **NOV_DEC)
    assert response.status_code == 200
    html = response.content.decode()
    assert " · 青山县</h1>" in html and URL in menu_urls(w.liaison)
    shown = re.findall(r'data-testid="section-([a-z_]+)"', html)
    assert shown == ["pairing", "petitions"]
    assert re.search(r'data-testid="pairing.activities">1<', html)
    assert re.search(r'data-testid="petitions.accepted">1<', html)
    note = re.search(r'data-testid="not-shown">(.*?)</div>', html, re.S)
    assert note is not None
    for title in ("登记", "发放", "临时救助", "医疗", "住房", "走访", "困难排查"):
        assert title in note.group(1), title
    # No figure of what it cannot read, no report text, no workbook of zeros.
    for figure in ("registry.persons", "payments.paid_total", "visits.visited", "needs_checks.open"):
        assert f'data-testid="{figure}"' not in html
    assert 'data-testid="summary-text"' not in html and 'data-testid="summary-xlsx"' not in html


def test_a_liaison_without_a_department_is_told_nothing_is_shown(client: Client, county: County) -> None:
    w = county.world
    w.liaison.department = None
    w.liaison.save(update_fields=["department"])
    html = page(client, w.liaison, **NOV_DEC).content.decode()
    assert 'data-testid="section-' not in html
    assert 'data-testid="not-shown"' in html


def test_the_figures_and_their_links(client: Client, county: County) -> None:
    w = county.world
    html = page(client, w.township_clerk, **NOV_DEC).content.decode()
    assert "2026年11月至12月，城关镇共发放各类优抚资金0.96万元" in html
    assert re.search(r'data-testid="payments.paid_total">9,640.00<', html)
    assert re.search(
        r'href="/relief/\?township=341199100000&amp;year=2026" data-testid="relief.grants">1<', html
    )
    assert (
        'href="/petitions/stats/?start=2026-11-01&amp;end=2026-12-31" data-testid="petitions.received">1<'
        in html
    )
    assert "东岭镇" not in html  # neither in the figures nor in the region choice
    links = set(re.findall(r'<a href="([^"]+)" data-testid="[a-z_]+\.', html))
    assert len(links) >= 9
    for url in links:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_a_county_clerk_may_choose_a_township(client: Client, county: County) -> None:
    w = county.world
    html = page(client, w.county_clerk, **NOV_DEC, region=w.township_b.code).content.decode()
    assert " · 东岭镇</h1>" in html
    assert f'<option value="{w.township_a.code}">城关镇</option>' in html


def test_without_a_period_it_shows_the_year_so_far(client: Client, world: World) -> None:
    response = page(client, world.county_clerk)
    assert response.status_code == 200
    assert 'name="from" value="' in response.content.decode()


def test_the_admin_and_the_auditor_have_no_such_page(client: Client, world: World) -> None:
    for user in (world.admin, world.auditor):
        assert page(client, user, **NOV_DEC).status_code == 403
        assert URL not in menu_urls(user)


def test_a_region_outside_the_scope_is_a_404(client: Client, world: World) -> None:
    outsider = page(client, world.other_township_clerk, **NOV_DEC, region=world.township_a.code)
    assert outsider.status_code == 404
    too_long = page(client, world.county_clerk, **NOV_DEC, region=world.township_a.code + "0")
    assert too_long.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-12-31", "to": "2026-11-01"},
        {"from": "2026-13-01", "to": "2026-12-31"},
        {"from": "", "to": "2026-12-31"},
        {"from": "1800-01-01", "to": "2026-12-31"},
    ],
)
def test_a_bad_period_is_said_on_the_page(client: Client, world: World, params: dict[str, str]) -> None:
    response = page(client, world.county_clerk, **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="period-error"' in html
    assert 'data-testid="summary-text"' not in html


def test_signed_out_it_asks_to_sign_in(client: Client, world: World) -> None:
    response = client.get(URL, NOV_DEC)
    assert response.status_code == 302
