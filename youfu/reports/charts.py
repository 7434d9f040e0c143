"""The dashboard's charts drawn on the server as SVG, for the summary's PDF: a PDF runs no script,
so ECharts cannot draw there.

pygal draws them: pure Python, its script left out (``js=[]``), the SVG inlined in the PDF's
HTML, which WeasyPrint renders. The text is in the Noto CJK fonts the rest of the PDF uses, the
bars in greys that stay apart on a black-and-white printer (each outlined), and every bar that
has room carries its number. A chart with nothing to draw says so (``NO_DATA``) instead of
drawing an empty frame.

No figure is counted here. Each chart reads what the page and the dashboard read:

- the summary of the period (``selectors.summary``): what the banks paid by kind, and the
  qualifications in force at the period's end by category;
- the dashboard of the year the period ends in (``dashboard.dashboard``): each month's payments
  and people paid — the months whose batch the summary counts (a month belongs to the period
  when its first day does), at most the dashboard's two years —, and the year's townships,
  petitions by their state now and care coverage, whose titles name the year.

The dashboard's chart of open petitions by their deadline is a picture of today, not of a
period, and is left out of a report. Labels are in Chinese whatever the request's language: the
PDF is the report the bureau files, as the workbook is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pygal  # type: ignore[import-untyped, unused-ignore]
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style  # type: ignore[import-untyped, unused-ignore]

from youfu.petitions.models import State
from youfu.registry.categories import Category
from youfu.reports.dashboard import Dashboard
from youfu.reports.selectors import KINDS, Summary
from youfu.reports.views import KIND_LABELS
from youfu.reports.workbook import REPORT_LANGUAGE

NO_DATA = "无数据"
FONT = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", sans-serif'
# Three greys far enough apart in lightness to tell apart when printed without colour; each bar
# is outlined in black, so the lightest still shows on white paper.
GREYS = ("#1a1a1a", "#8c8c8c", "#d9d9d9")
WIDTH = 680  # the SVG's own units; the PDF scales it to the text's width (174 mm on A4)
HEIGHT = 300
BAR_OUTLINE = "inline:.plot .bar rect{stroke:#000;stroke-width:0.6}"

STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    foreground="#000",
    foreground_strong="#000",
    foreground_subtle="#b3b3b3",
    colors=GREYS,
    value_colors=("#000",),
    opacity="1",
    opacity_hover="1",
    title_font_size=14,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=11,
    value_font_size=10,
    no_data_font_size=20,
    transition="0s",
)

Number = int | float
Fmt = Callable[[Number], str]


@dataclass(frozen=True)
class Chart:
    key: str  # the dashboard's name of the chart (``data-chart``)
    title: str
    svg: SafeString
    has_data: bool
    # The numbers under a chart too dense to print them on its bars (the months).
    table_head: tuple[str, ...] = ()
    table: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    note: str = ""


def _yuan(fen: int) -> float:
    return fen / 100


def _money(value: Number) -> str:
    return f"{value:,.2f}"


def _count(value: Number) -> str:
    return f"{value:,.0f}"


def _axis_money(value: Number) -> str:
    return f"{value:,.0f}"


def _without_scripts(root: Any) -> Any:
    """pygal writes its configuration as a ``<script>`` even with ``js=[]``: a PDF runs none,
    and the report carries none."""
    for parent in root.iter():
        for child in list(parent):
            if _tag(child) == "script":
                parent.remove(child)
    return root


def _tag(node: Any) -> str:
    return str(node.tag).rsplit("}", 1)[-1]


def _values_beside_bars(root: Any) -> Any:
    """A horizontal bar's number starts just after the bar's end (pygal centres it on the end,
    half over the bar, where black on black cannot be read); a zero prints nothing."""
    for node in root.iter():
        if _tag(node) == "text" and "value" in (node.get("class") or "").split():
            node.set("text-anchor", "start")
            if node.text and not node.text.strip("0.,"):
                node.text = ""
    return root


def integer_ticks(top: int) -> list[int]:
    """At most nine whole-number ticks from 0 past ``top`` (1, 2, 5, 10, 20 … apart): a count
    has no 0.5."""
    step = next(m * 10**e for e in range(16) for m in (1, 2, 5) if top <= 8 * m * 10**e)
    return list(range(0, top + step, step))


def _draw(
    kind: Any,  # a pygal chart class
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    fmt: Fmt,
    print_values: bool = True,
    horizontal: bool = False,
    x_label_rotation: int = 0,
) -> tuple[SafeString, bool]:
    """The chart as an inline ``<svg>``, and whether it had anything to draw. A chart whose
    every value is zero (or that has no label) gets no series: pygal then writes ``NO_DATA``."""
    has_data = bool(labels) and any(value for _name, values in series for value in values)
    counts = fmt is _count
    top = max((int(v) for _n, values in series for v in values), default=0)
    if kind is pygal.HorizontalStackedBar:
        top = max((int(sum(column)) for column in zip(*(v for _n, v in series), strict=True)), default=0)
    options: dict[str, Any] = {}
    height = HEIGHT
    if counts and has_data:
        options["y_labels"] = integer_ticks(top)
    if horizontal:
        # pygal measures a label as 0.6 em a character; a Chinese character is a full em.
        widest = max((len(label) for label in labels), default=0)
        options["margin_left"] = 10 + int(0.45 * STYLE.label_font_size * widest)
        bars = 1 if kind is pygal.HorizontalStackedBar else len(series)
        height = max(160, 70 + len(labels) * (16 * bars + 12)) + (30 if len(series) > 1 else 0)
    chart = kind(
        js=[],  # no script in a PDF, and none fetched from elsewhere
        style=STYLE,
        css=["file://style.css", "file://graph.css", BAR_OUTLINE],
        width=WIDTH,
        height=height,
        disable_xml_declaration=True,
        no_data_text=NO_DATA,
        print_values=print_values,
        print_values_position="top",
        formatter=fmt,
        value_formatter=_count if counts else _axis_money,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        show_legend=len(series) > 1,
        truncate_legend=-1,
        truncate_label=-1,
        x_label_rotation=x_label_rotation,
        margin=10,
        margin_bottom=24,
        margin_right=60 if horizontal else 10,
        **options,
    )
    chart.add_xml_filter(_without_scripts)
    if horizontal:
        chart.add_xml_filter(_values_beside_bars)
    # A horizontal chart draws its first label at the bottom: reversed, the list reads top down.
    order = list(reversed(range(len(labels)))) if horizontal else list(range(len(labels)))
    chart.x_labels = [labels[i] for i in order]
    if has_data:
        for name, values in series:
            chart.add(name, [values[i] for i in order])
    return mark_safe(chart.render(is_unicode=True)), has_data  # noqa: S308 - pygal escapes the labels


def period_months(start: date, end: date) -> list[tuple[int, int]]:
    """The (year, month)s whose batch the summary counts: those whose first day is in the period."""
    first = (start.year, start.month) if start.day == 1 else _next(start.year, start.month)
    months: list[tuple[int, int]] = []
    at = first
    while date(at[0], at[1], 1) <= end:
        months.append(at)
        at = _next(*at)
    return months


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _month_charts(s: Summary, d: Dashboard) -> list[Chart]:
    """Paid and people paid, month by month over the period's months (the dashboard's two years
    at most); within one year, against the same month of the year before, as on the dashboard."""
    y = d.year
    paid = {(y, m.month): m.paid_fen for m in d.months} | {
        (y - 1, m.month): m.prev_paid_fen for m in d.months
    }
    persons = {(y, m.month): m.persons_paid for m in d.months}
    persons |= {(y - 1, m.month): m.prev_persons_paid for m in d.months}
    wanted = period_months(s.start, s.end)
    shown = [ym for ym in wanted if ym in paid]
    note = ""
    if len(shown) < len(wanted):
        note = f"统计期间超过两年，图中为{y - 1}年1月以来各月；全期合计见“发放”表。"
    one_year = bool(shown) and all(year == y for year, _m in shown)
    if one_year:
        labels = [f"{m}月" for _y, m in shown]
        names = (f"{y}年", f"{y - 1}年同月")
        prev = [(y - 1, m) for _y, m in shown]
    else:
        labels = [f"{year}年{m}月" for year, m in shown]
        names = ("当月", "")
        prev = []
    rotation = 0 if len(shown) <= 12 else 45

    def chart(key: str, title: str, values: list[Number], before: list[Number], fmt: Fmt) -> Chart:
        series: list[tuple[str, Sequence[Number]]] = [(names[0], values)]
        if prev:
            series.append((names[1], before))
        svg, has_data = _draw(
            pygal.Bar, labels, series, fmt=fmt, print_values=False, x_label_rotation=rotation
        )
        table = [(label, tuple(fmt(v[i]) for _n, v in series)) for i, label in enumerate(labels)]
        head = ("月份", *(name for name, _v in series))
        return Chart(key, title, svg, has_data, head, table if has_data else [], note)

    return [
        chart(
            "paid",
            "各月银行确认发放金额（元）",
            [_yuan(paid[ym]) for ym in shown],
            [_yuan(paid[ym]) for ym in prev],
            _money,
        ),
        chart(
            "persons",
            "各月发放人数（人）",
            [persons[ym] for ym in shown],
            [persons[ym] for ym in prev],
            _count,
        ),
    ]


def _kinds_chart(s: Summary) -> Chart:
    labels = [str(KIND_LABELS[kind]) for kind in KINDS]
    values: list[Number] = [_yuan(s.payments.by_kind_fen.get(kind, 0)) for kind in KINDS]
    svg, has_data = _draw(
        pygal.HorizontalBar,
        labels,
        [("金额", values)],
        fmt=_money,
        horizontal=True,
    )
    return Chart("kinds", "本期银行确认发放金额，按类别（元）", svg, has_data)


def _townships_chart(d: Dashboard) -> Chart:
    labels = [t.name for t in d.townships]
    series: list[tuple[str, list[Number]]] = [
        ("年末在册人数", [t.persons for t in d.townships]),
        ("本年发放人数", [t.persons_paid for t in d.townships]),
        ("本年收到信访件", [t.petitions_received for t in d.townships]),
    ]
    svg, has_data = _draw(
        pygal.HorizontalBar,
        labels,
        series,
        fmt=_count,
        horizontal=True,
    )
    return Chart("townships", f"{d.year}年各乡镇（街道）：在册、发放人数与收到的信访件", svg, has_data)


def _categories_chart(s: Summary) -> Chart:
    found = s.registry.by_category
    labels = [str(Category(code).label) for code in found]
    svg, has_data = _draw(
        pygal.HorizontalBar,
        labels,
        [("人数", list(found.values()))],
        fmt=_count,
        horizontal=True,
    )
    return Chart("categories", f"{s.end.isoformat()}在册优抚对象，按类别（人）", svg, has_data)


def _states_chart(d: Dashboard) -> Chart:
    # The states some petition of the year is in, in the order a petition goes through them.
    shown = [st for st in State if st.value in d.petitions_by_state]
    svg, has_data = _draw(
        pygal.HorizontalBar,
        [str(st.label) for st in shown],
        [("件数", [d.petitions_by_state[st.value] for st in shown])],
        fmt=_count,
        horizontal=True,
    )
    return Chart("states", f"{d.year}年收到的信访件，按目前所处环节（件）", svg, has_data)


def _care_chart(d: Dashboard) -> Chart:
    c = d.care
    labels = [f"走访对象（共{c.visit_targets}人）", "困难排查发现的问题", "C、D级危房户"]
    series: list[tuple[str, list[Number]]] = [
        ("已完成", [c.visited, c.findings_solved, c.homes_cd - c.homes_unserved]),
        ("尚待完成", [c.visit_targets - c.visited, c.findings_open, c.homes_unserved]),
    ]
    # Stacked, the numbers would sit on the bars' greys: they go in the table under the chart.
    svg, has_data = _draw(
        pygal.HorizontalStackedBar, labels, series, fmt=_count, print_values=False, horizontal=True
    )
    table: list[tuple[str, tuple[str, ...]]] = [
        (label, (_count(series[0][1][i]), _count(series[1][1][i]))) for i, label in enumerate(labels)
    ]
    head = ("", "已完成", "尚待完成")
    return Chart(
        "care", f"{d.year}年关爱覆盖：已完成与尚待完成", svg, has_data, head, table if has_data else []
    )


def summary_charts(s: Summary, d: Dashboard) -> list[Chart]:
    """The PDF's charts, in the dashboard's order. ``d`` is the dashboard of ``s.end.year`` for
    the summary's region, read by the same user."""
    with translation.override(REPORT_LANGUAGE):
        return [
            *_month_charts(s, d),
            _kinds_chart(s),
            _townships_chart(d),
            _categories_chart(s),
            _states_chart(d),
            _care_chart(d),
        ]


def chart_year(s: Summary) -> int:
    """The year whose dashboard the PDF's charts read: the one the period ends in."""
    return s.end.year
