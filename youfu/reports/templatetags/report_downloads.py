"""``{% load report_downloads %}{% summary_downloads %}``: the summary page's downloads.

A region with more people on its registry than ``YOUFU_REPORT_INLINE_MAX_PERSONS`` gets 生成报表
buttons that ask the job queue (``job_views.jobs_view``) instead of links that would make the file
within the request; any other, the .xlsx and PDF links. One count of the registry decides it
(``job_selectors.runs_as_job``), read in the reader's scope."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.http import urlencode

from youfu.core.authed import acting_user
from youfu.reports.job_selectors import persons_in
from youfu.reports.selectors import Summary

register = template.Library()


@register.inclusion_tag("reports/_summary_downloads.html", takes_context=True)
def summary_downloads(context: template.Context) -> dict[str, Any]:
    s: Summary = context["summary"]
    persons = persons_in(acting_user(context["request"]), s.region)
    limit: int = settings.YOUFU_REPORT_INLINE_MAX_PERSONS
    return {
        "summary": s,
        "query": urlencode({"from": s.start.isoformat(), "to": s.end.isoformat(), "region": s.region.code}),
        "as_job": persons > limit,
        "persons": persons,
        "limit": limit,
        "csrf_token": context.get("csrf_token"),
    }
