"""The PDF's charts: the dashboard's figures drawn on the server as SVG by pygal (no script), inline
in the PDF's HTML, rendered by WeasyPrint; a chart with nothing to draw says 无数据."""

from __future__ import annotations

import re
from datetime import date

import pytest

from youfu.reports.charts import NO_DATA, period_months, summary_charts
from youfu.reports.dashboard import dashboard
from youfu.reports.pdf import summary_html, summary_pdf
from youfu.reports.selectors import KINDS, summary
from youfu.reports.tests.scenario import FOUR_YEARS, NOV, NOV_DEC, County, build
from youfu.testing import World

pytestmark = pytest.mark.django_db

FILED = date(2027, 1, 5)
VALUE = re.compile(r'<desc class="value">([^<]*)</desc>')


@pytest.fixture
def county(world: World) -> County:
    return build(world)


def _values(svg: str) -> list[str]:
    return VALUE.findall(svg)


def _money(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def test_a_period_counts_the_months_whose_first_day_it_holds() -> None:
    assert period_months(date(2026, 11, 1), date(2026, 12, 31)) == [(2026, 11), (2026, 12)]
    assert period_months(date(2026, 11, 2), date(2026, 12, 31)) == [(2026, 12)]
    assert period_months(date(2026, 11, 2), date(2026, 11, 30)) == []
    assert period_months(date(2025, 12, 1), date(2026, 1, 1)) == [(2025, 12), (2026, 1)]


def test_the_charts_draw_the_summary_s_and_the_dashboard_s_figures(county: County) -> None:
    w = county.world
    s = summary(w.leader, *NOV_DEC, w.county)
    d = dashboard(w.leader, 2026, w.county)
    charts = {c.key: c for c in summary_charts(s, d)}
    assert list(charts) == ["paid", "persons", "kinds", "townships", "categories", "states", "care"]
    assert all(c.has_data for c in charts.values()), [k for k, c in charts.items() if not c.has_data]
    for chart in charts.values():
        assert chart.svg.startswith("<svg") and "<script" not in chart.svg
        assert "xml-stylesheet" not in chart.svg and "http://" not in chart.svg.split("-->")[-1]
    # The months of the period against the same months of 2025 (none paid then).
    nov, dec = d.months[10], d.months[11]
    assert _values(charts["paid"].svg) == [_money(nov.paid_fen), _money(dec.paid_fen), "0.00", "0.00"]
    assert nov.paid_fen + dec.paid_fen == s.payments.paid_total_fen  # the summary's own total
    assert charts["paid"].table == [
        ("11月", (_money(nov.paid_fen), "0.00")),
        ("12月", (_money(dec.paid_fen), "0.00")),
    ]
    assert charts["paid"].table_head == ("月份", "2026年", "2025年同月")
    assert _values(charts["persons"].svg)[:2] == [str(nov.persons_paid), str(dec.persons_paid)]
    # By kind, from the summary: a horizontal chart lists its bars bottom up.
    kinds = [_money(s.payments.by_kind_fen[k]) for k in KINDS]
    assert sorted(_values(charts["kinds"].svg)) == sorted(kinds)
    assert "定期抚恤补助" in charts["kinds"].svg
    townships = charts["townships"].svg
    assert "城关镇" in townships and "东岭镇" in townships
    a = next(t for t in d.townships if t.code == w.township_a.code)
    assert str(a.persons) in _values(townships) and str(a.petitions_received) in _values(townships)
    assert "2026年各乡镇" in charts["townships"].title
    assert sorted(_values(charts["categories"].svg)) == sorted(
        str(n) for n in s.registry.by_category.values()
    )
    assert sorted(_values(charts["states"].svg)) == sorted(str(n) for n in d.petitions_by_state.values())
    care = d.care
    assert str(care.visited) in _values(charts["care"].svg)
    assert f"共{care.visit_targets}人" in charts["care"].svg


def test_a_chart_with_no_data_says_so(world: World) -> None:
    s = summary(world.leader, *NOV, world.county)
    d = dashboard(world.leader, 2026, world.county)
    charts = summary_charts(s, d)
    assert len(charts) == 7
    for chart in charts:  # the townships are there, with nothing counted in them: no data either
        assert not chart.has_data, chart.key
        assert NO_DATA in chart.svg and chart.table == [], chart.key
    assert 'data-has-data="false"' in summary_html(s, charts, filed_on=FILED)


def test_a_period_longer_than_the_dashboard_s_two_years_says_what_it_shows(county: County) -> None:
    w = county.world
    s = summary(w.leader, *FOUR_YEARS, w.county)
    d = dashboard(w.leader, 2026, w.county)
    paid = summary_charts(s, d)[0]
    assert paid.key == "paid" and "2025年1月以来" in paid.note
    assert [label for label, _v in paid.table][:2] == ["2025年1月", "2025年2月"]
    assert len(paid.table) == 24 and paid.table_head == ("月份", "当月")


def test_the_pdf_s_html_holds_the_charts_inline(county: County) -> None:
    w = county.world
    s = summary(w.leader, *NOV_DEC, w.township_a)
    d = dashboard(w.leader, 2026, w.township_a)
    html = summary_html(s, summary_charts(s, d), filed_on=FILED)
    assert html.count("<svg") == 7 and "<script" not in html
    assert 'data-chart="paid" data-has-data="true"' in html
    assert "填报单位：城关镇" in html


def test_the_pdf_renders_its_charts(county: County) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    w = county.world
    s = summary(w.leader, *NOV_DEC, w.county)
    d = dashboard(w.leader, 2026, w.county)
    charts = summary_charts(s, d)
    with_charts = weasyprint.HTML(string=summary_html(s, charts, filed_on=FILED)).render()
    without = weasyprint.HTML(string=summary_html(s, [], filed_on=FILED)).render()
    assert len(with_charts.pages) > len(without.pages)
    # Every chart reached the layout as an SVG image, none as broken text.
    images = [
        box
        for page in with_charts.pages
        for box in page._page_box.descendants()
        if type(getattr(box, "replacement", None)).__name__ == "SVGImage"
    ]
    assert len(images) == len(charts)
    data = summary_pdf(s, d, filed_on=FILED)
    assert data.startswith(b"%PDF-") and len(data) > 20_000
