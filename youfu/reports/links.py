"""Where each section's figures come from: the areas' own lists, with the filters they take.

The lists filter by place and, some, by state or year; none filters by an arbitrary period, so a
link opens the list the figure was counted from, narrowed as far as that list allows (the
petitions statistics take the period itself). ``payments`` opens the batches (the batches of the
period are the ones whose month lies in it) and ``petitions`` in the API the list of petitions
(the API has no statistics endpoint; the page links the statistics for the period).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from youfu.regions.models import RegionLevel
from youfu.reports.selectors import Summary


def _url(name: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _township(s: Summary) -> str:
    """The township filter the lists take: the region's township, none for a county."""
    if s.region.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return s.region.code[:9] + "000"
    return ""


def _year(s: Summary) -> int | None:
    return s.start.year if s.start.year == s.end.year else None


def api_links(s: Summary) -> dict[str, str]:
    township = _township(s)
    village = s.region.code if s.region.level == RegionLevel.VILLAGE else ""
    return {
        "registry": _url("api-v1:list_beneficiaries", township=township, village=village),
        "payments": _url("api-v1:list_batches"),
        "relief": _url("api-v1:list_grants", township=township, year=_year(s)),
        "medical": _url("api-v1:list_claims", township=township, year=_year(s)),
        "housing": _url("api-v1:list_cases", state="completed", township=township),
        "pairing": _url("api-v1:pairing_summary", year=_year(s)),
        "visits": _url("api-v1:list_visits", visited_from=s.start.isoformat()),
        "petitions": _url("api-v1:list_petitions"),
        "needs_checks": _url("api-v1:list_findings", region=s.region.code),
    }


def page_links(s: Summary) -> dict[str, str]:
    township = _township(s)
    return {
        "registry": _url("registry:list", township=township),
        "payments": _url("benefits:batches"),
        "recoveries": _url("benefits:recoveries", status=""),
        "relief": _url("relief_grants:list", township=township, year=_year(s)),
        "medical": _url("relief_medical:claims", township=township, year=_year(s)),
        "housing": _url("relief_housing:cases", state="completed", township=township),
        "pairing": _url("outreach_pairing:summary", year=_year(s)),
        "visits": _url("outreach_visits:campaigns"),
        "petitions": _url("petitions:stats", start=s.start.isoformat(), end=s.end.isoformat()),
        "needs_checks": _url("outreach_needs:findings", township=township),
    }
