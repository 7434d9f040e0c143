"""The summary page: the figures of a period for a region, each linking to the list behind it.
A role that reads only some areas (a department liaison) sees those sections, and is told which
are not shown; ``refused`` is the reports' page for a report a role may not read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from youfu.benefits.money import money
from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.replica import reads_from_replica
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.registry.categories import Category
from youfu.reports import selectors
from youfu.reports.links import page_links
from youfu.reports.periods import parse_period
from youfu.reports.readable import hidden_sections
from youfu.reports.selectors import Summary
from youfu.reports.text import summary_text

REGION_CODE_LENGTH = 12

KIND_LABELS = {
    "regular": _("regular benefits"),
    "lump_sum": _("death lump sums"),
    "relief": _("temporary relief paid"),
    "medical": _("medical top-ups paid"),
}


@dataclass(frozen=True)
class Figure:
    key: str  # the API's name, also the cell's data-testid
    label: str | Promise
    value: int | str
    url: str
    is_money: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    figures: list[Figure]


def sections(s: Summary, hidden: Iterable[str] = ()) -> list[Section]:
    """The page's tables: every figure of the API, labelled, with the list it comes from; the
    sections in ``hidden`` left out."""
    links = page_links(s)
    r, p, pt, n = s.registry, s.payments, s.petitions, s.needs_checks

    def fig(section: str, key: str, label: str | Promise, value: int, url: str | None = None) -> Figure:
        return Figure(f"{section}.{key}", label, value, url or links[section])

    def cash(section: str, key: str, label: str | Promise, fen: int, url: str | None = None) -> Figure:
        return Figure(f"{section}.{key}", label, money(fen), url or links[section], is_money=True)

    categories = [
        fig("registry", f"by_category.{code}", Category(code).label, count)
        for code, count in r.by_category.items()
    ]
    every = [
        Section(
            "registry",
            _("Registry"),
            [
                fig("registry", "persons", _("people on the registry at the end of the period"), r.persons),
                fig("registry", "added", _("added in the period"), r.added),
                fig("registry", "ended", _("left in the period"), r.ended),
                *categories,
            ],
        ),
        Section(
            "payments",
            _("Payments confirmed by the banks"),
            [
                cash("payments", "paid_total", _("paid in total (yuan)"), p.paid_total_fen),
                *(
                    cash("payments", f"by_kind.{kind}", KIND_LABELS[kind], fen)
                    for kind, fen in p.by_kind_fen.items()
                ),
                fig("payments", "persons_paid", _("people paid"), p.persons_paid),
                cash("payments", "arrears_total", _("arrears paid (yuan)"), p.arrears_total_fen),
                cash(
                    "payments",
                    "recoveries_raised",
                    _("recoveries raised (yuan)"),
                    p.recoveries_raised_fen,
                    links["recoveries"],
                ),
                cash(
                    "payments",
                    "recoveries_settled",
                    _("recovered (yuan)"),
                    p.recoveries_settled_fen,
                    links["recoveries"],
                ),
                cash(
                    "payments",
                    "recoveries_waived",
                    _("recoveries waived (yuan)"),
                    p.recoveries_waived_fen,
                    links["recoveries"],
                ),
                fig("payments", "failed_lines", _("transfers the bank did not pay"), p.failed_lines),
            ],
        ),
        Section(
            "relief",
            _("Temporary relief"),
            [
                fig("relief", "grants", _("grants approved"), s.relief.grants),
                cash("relief", "amount", _("amount approved (yuan)"), s.relief.amount_fen),
            ],
        ),
        Section(
            "medical",
            _("Medical top-ups"),
            [
                fig("medical", "claims", _("claims approved"), s.medical.claims),
                cash("medical", "subsidy", _("subsidy approved (yuan)"), s.medical.subsidy_fen),
            ],
        ),
        Section(
            "housing",
            _("Housing"),
            [
                fig("housing", "cases_completed", _("cases completed"), s.housing.cases_completed),
                fig(
                    "housing", "households", _("households whose houses were completed"), s.housing.households
                ),
                cash("housing", "amount", _("paid out to housing cases (yuan)"), s.housing.amount_fen),
            ],
        ),
        Section(
            "pairing",
            _("Pairing support"),
            [
                fig("pairing", "activities", _("activities"), s.pairing.activities),
                cash("pairing", "amount", _("money given (yuan)"), s.pairing.amount_fen),
                fig("pairing", "departments", _("departments active"), s.pairing.departments),
                fig("pairing", "households", _("households supported"), s.pairing.households),
            ],
        ),
        Section(
            "visits",
            _("Visits"),
            [
                fig("visits", "visited", _("visits made"), s.visits.visited),
                fig("visits", "elderly", _("of which to people aged 60 or more"), s.visits.elderly),
                fig(
                    "visits", "targets", _("people to visit in the campaigns of the period"), s.visits.targets
                ),
            ],
        ),
        Section(
            "petitions",
            _("Petitions"),
            [
                fig("petitions", "received", _("received"), pt.received),
                fig("petitions", "accepted", _("accepted"), pt.accepted),
                fig("petitions", "accepted_on_time", _("accepted on time"), pt.accepted_on_time),
                fig("petitions", "replied", _("replied"), pt.replied),
                fig("petitions", "concluded", _("concluded"), pt.concluded),
                fig("petitions", "concluded_on_time", _("concluded on time"), pt.concluded_on_time),
                fig("petitions", "extended", _("extended"), pt.extended),
                fig("petitions", "satisfied", _("satisfied"), pt.satisfied),
                fig("petitions", "basically_satisfied", _("basically satisfied"), pt.basically_satisfied),
                fig("petitions", "dissatisfied", _("dissatisfied"), pt.dissatisfied),
            ],
        ),
        Section(
            "needs_checks",
            _("Needs checks"),
            [
                fig("needs_checks", "found", _("difficulties found"), n.found),
                fig("needs_checks", "solved", _("difficulties solved"), n.solved),
                fig("needs_checks", "open", _("open at the end of the period"), n.open),
            ],
        ),
    ]
    return [section for section in every if section.key not in hidden]


def refused(request: HttpRequest, exc: YoufuError, title: str | Promise) -> HttpResponse:
    """A report the user's role may not read: a 403 that says why and where to look instead."""
    return render(request, "reports/refused.html", {"title": title, "error": exc}, status=403)


@capability_required(Capability.READ_PERSONAL_DATA)
@require_GET
@reads_from_replica
def summary_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    today = timezone.localdate()
    raw_from = request.GET.get("from", date(today.year, 1, 1).isoformat())
    raw_to = request.GET.get("to", today.isoformat())
    code = request.GET.get("region", "").strip()
    if len(code) > REGION_CODE_LENGTH:
        raise Http404
    region = selectors.report_region(user, code or None)
    context: dict[str, Any] = {
        "raw_from": raw_from[:20],
        "raw_to": raw_to[:20],
        "region": region,
        "regions": selectors.regions_to_choose(user),
    }
    try:
        start, end = parse_period(raw_from, raw_to)
    except InvalidInput as exc:
        context["error"] = exc
        return render(request, "reports/summary.html", context, status=400)
    found = selectors.summary(user, start, end, region)
    hidden = hidden_sections(user)
    context.update({"summary": found, "sections": sections(found, hidden)})
    if hidden:
        # The report's text speaks of every area; the workbook is the county's form of it.
        everything = {section.key: section.title for section in sections(found)}
        context["not_shown"] = [everything[key] for key in hidden]
    else:
        context["text"] = summary_text(found)
    return render(request, "reports/summary.html", context)
