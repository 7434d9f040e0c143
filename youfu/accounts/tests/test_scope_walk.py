"""The access table, proven: every route of the project, with every method, for every role and
for another township's clerk.

``ACCESS`` says, for every URL pattern registered in the project (pages and /api/v1 alike,
including routes that later apps add; each care area gives its own rows beside its tests), who
gets through with each method: one letter per persona of the test world (``walking.PERSONAS``).
A route or method missing from the table fails the test: a new route must be classified.

The walk then requests every cell as every persona: reads with GET (``QUERIES`` gives the query
an API read needs), writes with a VALID payload (``WRITES``; ``NAMES_A_IN_PAYLOAD`` for those that
name township A's records in the body only), the path parameters filled with township A's records
(``SAMPLES``; a payload's ``@name`` key puts another record of A in the path for that payload).
Each write runs inside a savepoint of the test's transaction and is rolled back, so every cell
starts from the same world. A cell holds when:

- a persona in it gets through: a read answers 2xx or 3xx; a write writes (a row or an audit
  record) or, through the API, answers 2xx. So the table cannot rot into a list of refusals, and
  a payload that no longer works fails as loudly as a leak;
- a persona not in it gets no 2xx and writes nothing at all (every statement on the connection is
  watched, not only the audit log). A page that re-shows itself with the refusal (200) is allowed
  only where the persona may GET that page anyway;
- whatever it answers shows no name of a person the persona may not read: the admin and the
  auditor none at all, a liaison only its department's, the other township's clerk none of
  township A's.

The clerk of township B ("o") is never written in the table: it is the township clerk's letter
wherever the request names no record of township A, and refused wherever it does. It also reads
the API with its browser session, as a page's script would.

``NO_WITNESS`` lists the few cells whose success the samples cannot show (each with why): there
only the refusals are checked. ``PENDING`` lists cells where the app still grants what the table
forbids, each with the reason; they are reported, not failed, and the walk warns once the app
refuses them, so the entry goes with the fix. The walk can fail: with region scope or a role's capabilities
switched off it reports what got through.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from youfu.accounts.models import ApiToken, Department
from youfu.accounts.services import do_issue_token
from youfu.accounts.tests import walk_accounts
from youfu.audit.models import AuditEvent
from youfu.benefits.tests import samples as benefit_samples
from youfu.benefits.tests.helpers import RETURN_COLUMNS, csv_bytes
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.core.roles import ROLE_CAPABILITIES, Capability, Role
from youfu.outreach.tests import walk_needs, walk_pairing, walk_visits
from youfu.petitions.tests import factories as petition_samples
from youfu.petitions.tests import walk_petitions
from youfu.registry.importing import store_error_report
from youfu.registry.models import AnnualReview, Beneficiary, ReviewItem
from youfu.registry.reviews import do_open_annual_review
from youfu.registry.tests.factories import id_number_for, register
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.relief.tests import walk_discoveries, walk_grants, walk_housing, walk_medical
from youfu.reports.tests import walk_reports
from youfu.testing import PASSWORD, World, bearer, log_in

from .walking import (
    ANYONE,
    DAY,
    DEPARTMENTS_PEOPLE,
    PEOPLE,
    PERSONAS,
    STAFF,
    Access,
    Shared,
    Write,
    acl,
    api,
    nothing,
    page,
    person_a,
    reads,
    upload,
)

# Path parameter name → a value identifying a record that lives in township A.
SAMPLES: dict[str, Callable[[World], Any]] = {
    "code": lambda w: w.village_a.code,
    "key": Shared(lambda w: "care"),  # a menu group's page (areas/<key>/)
    "beneficiary_id": lambda w: Beneficiary.objects.get(name="柳湾张三").pk,
    "token": lambda w: store_error_report(
        b"a\n1\n", "x.csv", ImportRejected([RowError(2, "a", Message("x"))]), acting_user=w.township_clerk
    ),
    "review_id": Shared(lambda w: AnnualReview.objects.get().pk),
    "item_id": lambda w: ReviewItem.objects.get(qualification__beneficiary__name="柳湾张三").pk,
    "user_id": lambda w: w.township_clerk.pk,
    "token_id": lambda w: ApiToken.objects.filter(user=w.township_clerk).values_list("pk", flat=True)[0],
    "petition_id": lambda w: petition_samples.walk_petition(w).pk,
    "attachment_id": lambda w: petition_samples.walk_attachment(w).pk,
    "reception_id": lambda w: petition_samples.walk_reception_day(w).pk,
    "receipt_code": lambda w: petition_samples.walk_petition(w).receipt_code,
    "department_id": lambda w: (
        Department.objects.get_or_create(region=w.township_a, name="城关镇民政办")[0].pk
    ),
    "batch_id": Shared(lambda w: benefit_samples.walk_batch(w).pk),
    "recovery_id": lambda w: benefit_samples.walk_recovery(w).pk,
    "lump_sum_id": lambda w: benefit_samples.walk_lump_sum(w).pk,
    "seq": lambda w: benefit_samples.walk_line(w).seq,
    "version_id": Shared(lambda w: benefit_samples.walk_standards_version(w).pk),
    "topup_id": Shared(lambda w: benefit_samples.walk_topup(w).pk),
}


# Texts that identify township A's records; the outsider must never see them.
def markers(world: World) -> list[str]:
    return [world.township_a.name, world.village_a.name, world.township_clerk.full_name, "柳湾张三"]


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "regions/<str:code>/"
    params: tuple[str, ...]
    # The methods the view accepts; empty when it does not restrict them (a page that
    # answers GET and POST alike).
    methods: frozenset[str] = frozenset()

    @property
    def writes(self) -> frozenset[str]:
        return WRITE_METHODS & self.methods if self.methods else frozenset({"POST"})


def accepted_methods(view: Callable[..., Any]) -> frozenset[str]:
    """What ``require_http_methods`` (and its shortcuts) or a django-ninja operation lets
    through, read from the view's closures down its ``__wrapped__`` chain."""
    found: set[str] = set()
    seen: Any = view
    while seen is not None:
        for cell in getattr(seen, "__closure__", None) or ():
            value = cell.cell_contents
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(m, str) and m.isupper() for m in value)
            ):
                found.update(value)
            for operation in getattr(value, "operations", ()):  # a ninja PathView
                found.update(operation.methods)
        seen = getattr(seen, "__wrapped__", None)
    return frozenset(found)


def _walk(resolvers: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[Route]:
    for entry in resolvers:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, pattern)
        else:
            converters = getattr(entry.pattern, "converters", {})
            params = tuple(converters) if converters else tuple(entry.pattern.regex.groupindex)
            yield Route(pattern, params, accepted_methods(entry.callback))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def concrete(route: Route, world: World, at: dict[str, Any] | None = None) -> str:
    """The route's path with township A's records in it (``at``: this request's own records)."""
    path = route.template.lstrip("^").rstrip("$")
    for name in route.params:
        if name not in SAMPLES:
            raise AssertionError(
                f"route {route.template!r} takes <{name}>: add a township-A sample for it to SAMPLES"
            )
        value = str(at[name] if at and name in at else SAMPLES[name](world))
        path = re.sub(r"<(?:[^>:]+:)?" + re.escape(name) + ">", value, path)
        path = re.sub(r"\(\?P<" + re.escape(name) + r">[^)]*\)", value, path)
    return "/" + path.replace("\\", "")


def leaks(world: World, client: Client, auth: dict[str, str]) -> list[str]:
    """Every way in which a route showed or changed township A's data, to township B's clerk:
    the outsider's quick walk, GET and an empty POST on every route of ``all_routes()``. An app
    whose township-A records must exist before the walk (``petitions/tests/test_scope.py``) runs
    it over its own routes; the access table below is the full proof."""
    found: list[str] = []
    marks = markers(world)
    for route in all_routes():
        url = concrete(route, world)
        for method in ("get", "post"):
            if not auth:
                # Log in afresh for every request: the walk also posts to logout.
                client.force_login(world.other_township_clerk)
            before = AuditEvent.objects.count()
            response = getattr(client, method)(url, **auth)
            status = response.status_code
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            owned = [p for p in route.params if not isinstance(SAMPLES[p], Shared)]
            if owned and 200 <= status < 300:
                found.append(f"{method.upper()} {url} answered {status} for a township-A record")
            found += [f"{method.upper()} {url} showed {mark!r}" for mark in marks if mark in text]
            changed = AuditEvent.objects.count() - before
            for event in AuditEvent.objects.order_by("-seq")[: max(changed, 0)]:
                if (
                    event.event_type // 100 != 9
                    and event.region_id
                    and world.township_a.code[:9] == event.region_id[:9]
                ):
                    found.append(f"{method.upper()} {url} changed township-A data: {event}")
    return found


# --- writes ------------------------------------------------------------------------------


def returns_file(world: World) -> dict[str, Any]:
    # A bank's returns for the county's batch (a county clerk's upload: refused by role here).
    return {"file": upload("returns.csv", csv_bytes([], RETURN_COLUMNS))}


def payee(world: World) -> dict[str, Any]:
    return {
        "name": "柳湾王五",
        "id_number": id_number_for(),
        "bank_name": "中国农业银行",
        "bank_account": "6210000000000000123",
    }


# The petition page's actions (POST petitions/<id>/ with ``action``), one valid form each.
PETITION_ACTIONS: dict[str, Callable[[World], dict[str, Any]]] = {
    "accept": lambda w: {"accepted_on": DAY, "handling_unit": w.department.pk, "lead": w.township_clerk.pk},
    "decline": lambda w: {"declined_on": DAY, "reason": "不属于受理范围", "notice_text": "不予受理告知"},
    "forward": lambda w: {"forwarded_on": DAY, "forwarded_to": "市退役军人事务局"},
    "route": lambda w: {"region": w.township_a.code},
    "link_repeat": lambda w: {"original": petition_samples.walk_petition(w).pk},
    "assign": lambda w: {"assigned_on": DAY, "handling_unit": w.department.pk, "lead": w.township_clerk.pk},
    "start": lambda w: {"started_on": DAY},
    "extend": lambda w: {"days": 30, "reason": "需要调查"},
    "extension_approve": lambda w: {},
    "extension_refuse": lambda w: {"reason": "期限足够"},
    "reply": lambda w: {"replied_on": DAY, "text": "答复意见"},
    "review_request": lambda w: {"requested_on": DAY},
    "review_reply": lambda w: {"replied_on": DAY, "text": "复查意见"},
    "rereview_request": lambda w: {"requested_on": DAY},
    "rereview_reply": lambda w: {"replied_on": DAY, "text": "复核意见"},
    "conclude": lambda w: {"concluded_on": DAY},
    "rate": lambda w: {"rating": "satisfied"},
    "beneficiary": lambda w: {"beneficiary": person_a(w)},
}


def coming_day(world: World) -> dict[str, Any]:
    """A reception day still to come, in the path (a past one is kept as it was)."""
    return {"@reception_id": walk_petitions.coming_reception_day(world).pk}


def starts_from(world: World, action: str) -> dict[str, Any]:
    """The petition ``action`` starts from, in the path (the walk's own for the others)."""
    sample = walk_petitions.STARTS_FROM.get(action)
    return {"@petition_id": sample(world).pk} if sample else {}


# (method, route) → the payload. Every route with a path parameter that accepts a write
# method must be here (test_every_write_route_has_a_payload).
WRITES: dict[tuple[str, str], Write] = {
    # accounts pages (the walker is no admin: refused by role as well as by region)
    ("POST", "accounts/users/<int:user_id>/"): page(
        lambda w: [
            {
                "full_name": "城关镇民政助理",
                "role": "township_clerk",
                "region": w.township_a.code,
                "is_active": "on",
            },
            {"action": "unlock"},
            {"action": "reset_password", "password": "Walk-reset-2026!"},
            # the village assistant's: township A's clerk has the walk's recovery waiting
            {
                "action": "reset_second_factor",
                "reason": "手机丢失",
                "@user_id": walk_accounts.with_a_phone(w.village_assistant),
            },
            {
                "action": "withdraw_recovery",
                "reason": "找到了",
                "@user_id": walk_accounts.walk_recovery(w).user_id,
            },
        ]
    ),
    # registry pages
    ("POST", "registry/<int:beneficiary_id>/reveal/"): page(nothing),
    ("POST", "registry/<int:beneficiary_id>/edit/"): page(
        lambda w: {
            "name": "柳湾张三",
            "ethnicity": "汉族",
            "residence": "rural",
            "phone": "13800000000",
            "notes": "走访",
        }
    ),
    ("POST", "registry/<int:beneficiary_id>/qualifications/new/"): page(
        lambda w: {
            "category": "disabled_veteran",
            "disability_cause": "duty",
            "disability_level": "5",
            "approved_on": "2019-08-01",
        }
    ),
    ("POST", "registry/<int:beneficiary_id>/life-events/new/"): page(
        lambda w: {"kind": "phone_change", "effective_on": DAY, "phone": "13900000000"}
    ),
    ("POST", "registry/reviews/<int:review_id>/items/<int:item_id>/suspend/"): page(
        lambda w: {"effective_on": DAY, "reason": "未参加年审"}
    ),
    # benefits pages
    ("POST", "benefits/batches/<int:batch_id>/approve/"): page(nothing),
    ("POST", "benefits/batches/<int:batch_id>/discard/"): page(nothing),
    ("POST", "benefits/batches/<int:batch_id>/export/"): page(
        lambda w: {"format": "csv", "encoding": "utf-8"}
    ),
    ("POST", "benefits/batches/<int:batch_id>/returns/"): page(returns_file),
    ("POST", "benefits/batches/<int:batch_id>/close/"): page(nothing),
    ("POST", "benefits/standards/<int:version_id>/approve/"): page(nothing),
    ("POST", "benefits/standards/<int:version_id>/refuse/"): page(lambda w: {"reason": "标准有误"}),
    ("POST", "benefits/standards/topup/<int:topup_id>/approve/"): page(nothing),
    ("POST", "benefits/standards/topup/<int:topup_id>/refuse/"): page(lambda w: {"reason": "比例有误"}),
    ("POST", "benefits/recoveries/<int:recovery_id>/settle/"): page(
        lambda w: {"outcome": "recovered", "note": "已追回"}
    ),
    ("POST", "benefits/lump-sums/<int:lump_sum_id>/payee/"): page(payee),
    # petitions pages
    ("POST", "petitions/receptions/<int:reception_id>/edit/"): page(
        lambda w: {
            "date": "2030-03-18",
            "time": "上午",
            "place": "新接待室",
            "leader_name": "镇长",
            **coming_day(w),
        }
    ),
    ("POST", "petitions/receptions/<int:reception_id>/cancel/"): page(
        lambda w: {"reason": "镇长出差", **coming_day(w)}
    ),
    ("POST", "petitions/<int:petition_id>/"): page(
        lambda w: [
            {"action": name, **{f"{name}-{k}": v for k, v in build(w).items()}, **starts_from(w, name)}
            for name, build in PETITION_ACTIONS.items()
        ]
    ),
    ("POST", "petitions/<int:petition_id>/attachments/"): page(
        lambda w: {"file": petition_samples.png("walk.png")}
    ),
    # the API
    ("DELETE", "api/v1/auth/tokens/<token_id>"): api(nothing),
    ("PATCH", "api/v1/beneficiaries/<beneficiary_id>"): api(lambda w: {"phone": "13800000000"}),
    ("POST", "api/v1/beneficiaries/<beneficiary_id>/life-events"): api(
        lambda w: {"kind": "phone_change", "effective_on": DAY, "phone": "13900000000"}
    ),
    ("POST", "api/v1/beneficiaries/<beneficiary_id>/reveal-id-number"): api(nothing),
    ("POST", "api/v1/standards/<version_id>/approve"): api(nothing),
    ("POST", "api/v1/standards/<version_id>/refuse"): api(lambda w: {"reason": "标准有误"}),
    ("POST", "api/v1/topups/<topup_id>/approve"): api(nothing),
    ("POST", "api/v1/topups/<topup_id>/refuse"): api(lambda w: {"reason": "比例有误"}),
    ("POST", "api/v1/batches/<batch_id>/approve"): api(nothing),
    ("POST", "api/v1/batches/<batch_id>/discard"): api(nothing),
    ("POST", "api/v1/batches/<batch_id>/close"): api(nothing),
    ("POST", "api/v1/batches/<batch_id>/export"): api(nothing),
    ("POST", "api/v1/batches/<batch_id>/returns"): page(returns_file),
    ("POST", "api/v1/recoveries/<recovery_id>/settle"): api(
        lambda w: {"outcome": "recovered", "note": "已追回"}
    ),
    ("POST", "api/v1/lump-sums/<lump_sum_id>/payee"): api(payee),
    ("PATCH", "api/v1/petitions/reception-days/<reception_id>"): api(
        lambda w: {"place": "新接待室", **coming_day(w)}
    ),
    ("POST", "api/v1/petitions/reception-days/<reception_id>/cancel"): api(
        lambda w: {"reason": "镇长出差", **coming_day(w)}
    ),
    ("POST", "api/v1/petitions/<petition_id>/accept"): api(
        lambda w: {"accepted_on": DAY, "handling_unit": w.department.pk, "lead": w.township_clerk.username}
    ),
    ("POST", "api/v1/petitions/<petition_id>/decline"): api(
        lambda w: {"declined_on": DAY, "reason": "不属于受理范围", "notice_text": "不予受理告知"}
    ),
    ("POST", "api/v1/petitions/<petition_id>/forward"): api(
        lambda w: {"forwarded_on": DAY, "forwarded_to": "市退役军人事务局"}
    ),
    ("POST", "api/v1/petitions/<petition_id>/assign"): api(
        lambda w: {"assigned_on": DAY, "handling_unit": w.department.pk, "lead": w.township_clerk.username}
    ),
    ("POST", "api/v1/petitions/<petition_id>/start"): api(lambda w: {"started_on": DAY}),
    ("POST", "api/v1/petitions/<petition_id>/extend"): api(lambda w: {"days": 30, "reason": "需要调查"}),
    ("POST", "api/v1/petitions/<petition_id>/extend/approve"): api(nothing),
    ("POST", "api/v1/petitions/<petition_id>/extend/refuse"): api(lambda w: {"reason": "期限足够"}),
    ("POST", "api/v1/petitions/<petition_id>/reply"): api(lambda w: {"replied_on": DAY, "text": "答复意见"}),
    ("POST", "api/v1/petitions/<petition_id>/review-request"): api(lambda w: {"requested_on": DAY}),
    ("POST", "api/v1/petitions/<petition_id>/review-reply"): api(
        lambda w: {"replied_on": DAY, "text": "复查意见"}
    ),
    ("POST", "api/v1/petitions/<petition_id>/rereview-request"): api(lambda w: {"requested_on": DAY}),
    ("POST", "api/v1/petitions/<petition_id>/rereview-reply"): api(
        lambda w: {"replied_on": DAY, "text": "复核意见"}
    ),
    ("POST", "api/v1/petitions/<petition_id>/conclude"): api(lambda w: {"concluded_on": DAY}),
    ("POST", "api/v1/petitions/<petition_id>/link-repeat"): api(
        lambda w: {"original": petition_samples.walk_petition(w).pk}
    ),
    ("POST", "api/v1/petitions/<petition_id>/satisfaction"): api(lambda w: {"rating": "satisfied"}),
    ("POST", "api/v1/petitions/<petition_id>/route"): api(lambda w: {"region": w.township_a.code}),
    ("POST", "api/v1/petitions/<petition_id>/beneficiary"): api(lambda w: {"beneficiary": person_a(w)}),
    # The public rating needs the receipt code AND the petitioner's phone tail: the clerk
    # knows the code (a path parameter) but not the tail, so this one is not theirs to give.
    ("POST", "api/v1/public/petitions/<receipt_code>/satisfaction"): api(
        lambda w: {"phone_tail": "0000", "rating": "satisfied"}
    ),
}

# Writes whose route names no record but whose payload names township A's: creating in A's
# region, or linking A's person or petition into the outsider's own. They must change nothing
# (a refusal here is often a form error on the page, so the status is not checked, only that
# the API understood the body).
NAMES_A_IN_PAYLOAD: dict[tuple[str, str], Write] = {
    ("POST", "registry/new/"): page(
        lambda w: {
            "name": "孙七",
            "id_number": id_number_for(date(1960, 5, 4)),
            "ethnicity": "汉族",
            "residence": "rural",
            "township": w.township_a.code,
            "village": w.village_a.code,
            "phone": "13512345678",
            "category": "war_participant",
            "approved_on": "2019-08-01",
        }
    ),
    ("POST", "api/v1/beneficiaries"): api(
        lambda w: {
            "name": "孙七",
            "id_number": id_number_for(date(1960, 5, 4)),
            "residence": "农村",
            "township": w.township_a.name,
            "village": w.village_a.code,
            "qualifications": [{"category": "war_participant", "approved_on": "2020-01-01"}],
        }
    ),
    ("POST", "api/v1/petitions"): api(
        lambda w: [
            {**NEW_PETITION, "region": w.township_b.code, "beneficiary": person_a(w)},
            {**NEW_PETITION, "region": w.township_b.code, "repeat_of": petition_samples.walk_petition(w).pk},
        ]
    ),
    ("POST", "api/v1/petitions/reception-days"): api(
        lambda w: {
            "date": "2027-01-11",
            "place": "接待室",
            "leader_name": "镇长",
            "region": w.township_a.code,
        }
    ),
    ("POST", "petitions/extensions/"): page(
        lambda w: {"petition": petition_samples.walk_petition(w).pk, "decision": "approve"}
    ),
}

NEW_PETITION = {
    "channel": "letter",
    "received_on": "2025-03-07",
    "category": "benefits",
    "subject": "关于补发抚恤金的请求",
    "content": "请求核实补发。",
    "petitioners": [{"name": "石桥王二", "phone": "13900005678"}],
}


# The API's petition actions, each on the petition it starts from.
API_PETITION_ACTIONS = {
    "accept": "accept",
    "decline": "decline",
    "forward": "forward",
    "route": "route",
    "link-repeat": "link_repeat",
    "extend": "extend",
    "extend/approve": "extension_approve",
    "extend/refuse": "extension_refuse",
    "review-request": "review_request",
    "review-reply": "review_reply",
    "rereview-request": "rereview_request",
    "rereview-reply": "rereview_reply",
    "conclude": "conclude",
    "satisfaction": "rate",
}
for _path, _action in API_PETITION_ACTIONS.items():
    _key = ("POST", f"api/v1/petitions/<petition_id>/{_path}")
    _build = WRITES[_key].build
    WRITES[_key] = api(lambda w, b=_build, a=_action: {**b(w), **starts_from(w, a)})


def _standards_file(world: World) -> dict[str, Any]:
    rows = [["参战退役人员", "", "", "", "6600", "2031-01-01", ""]]
    return {"file": upload("标准.csv", csv_bytes(rows))}


def _registry_file(world: World) -> dict[str, Any]:
    # One new person of 柳湾村 (township A), in the import's own columns.
    row = person_row(姓名="柳湾孙八", born=date(1951, 2, 3))
    return {"file": upload("名册.xlsx", xlsx(table([row])))}


def _regions_file(world: World) -> dict[str, Any]:
    data = f"code,name,parent_code,level\n341199102000,西河镇,{world.county.code},township\n".encode()
    return {"file": upload("regions.csv", data)}


def _calendar_file(world: World) -> dict[str, Any]:
    return {"file": upload("calendar.csv", "date,kind,name\n2027-10-01,holiday,国庆节\n".encode())}


NEW_USER = {
    "username": "walker",
    "full_name": "走查员",
    "role": "township_clerk",
    "password": "Walk-2026-safe!",
}

# Writes that take no record in the path and name none of township A's in the body: the
# county's settings, reference data, one's own session and tokens, the public forms.
WRITES.update(
    {
        ("POST", "accounts/login/"): page(lambda w: {"username": "clerk", "password": PASSWORD}),
        ("POST", "accounts/logout/"): page(nothing),
        ("POST", "accounts/profile/"): page(lambda w: {"action": "token", "name": "走查"}),
        ("POST", "accounts/users/"): page(lambda w: {**NEW_USER, "region": w.township_b.code}),
        ("POST", "regions/import/"): page(_regions_file),
        ("POST", "registry/reviews/"): page(lambda w: {"year": "2027"}),
        ("POST", "benefits/"): page(lambda w: {"period": timezone.localdate().strftime("%Y-%m")}),
        ("POST", "benefits/standards/import/"): page(_standards_file),
        ("POST", "benefits/standards/topup/"): page(
            lambda w: {"percent": "9.5", "effective_on": "2031-01-01"}
        ),
        ("POST", "benefits/standards/settings/"): page(lambda w: {"allowance_month": "9"}),
        ("POST", "benefits/reconciliation/"): page(nothing),
        ("POST", "petitions/receptions/"): page(
            lambda w: {"date": "2030-03-18", "time": "上午", "place": "接待室", "leader_name": "镇长"}
        ),
        ("POST", "petitions/notifications/"): page(nothing),
        ("POST", "p/submit/"): page(
            lambda w: {
                "name": "网上王二",
                "phone": "13900007777",
                "category": "benefits",
                "subject": "网上信访",
                "content": "请求核实补发。",
            }
        ),
        ("POST", "calendar/"): page(_calendar_file),
        ("POST", "i18n/setlang/"): page(lambda w: {"language": "en", "next": "/"}),
        ("POST", "api/v1/auth/token"): api(lambda w: {"username": "clerk", "password": PASSWORD}),
        ("DELETE", "api/v1/auth/token"): api(nothing),
        ("POST", "api/v1/users"): api(lambda w: {**NEW_USER, "region": w.township_b.code}),
        ("POST", "api/v1/regions/imports"): page(_regions_file),
        ("POST", "api/v1/departments"): api(lambda w: {"name": "县人社局", "region": w.county.code}),
        ("POST", "api/v1/standards/import"): page(_standards_file),
        ("POST", "api/v1/topups"): api(lambda w: {"percent": "9.5", "from": "2031-01-01"}),
        ("PUT", "api/v1/benefit-settings"): api(lambda w: {"allowance_month": 9}),
        ("POST", "api/v1/batches"): api(lambda w: {"period": timezone.localdate().strftime("%Y-%m")}),
        ("POST", "api/v1/reconciliation/full"): api(nothing),
    }
)
NAMES_A_IN_PAYLOAD.update(
    {
        # the county's review, and 柳湾张三's item in it
        ("POST", "registry/reviews/<int:review_id>/"): page(
            lambda w: {"item": [ReviewItem.objects.get(qualification__beneficiary__name="柳湾张三").pk]}
        ),
        ("POST", "registry/imports/"): page(_registry_file),
        ("POST", "api/v1/registry/imports"): page(_registry_file),
        ("POST", "petitions/new/"): page(
            lambda w: {
                "channel": "visit",
                "received_on": DAY,
                "category": "benefits",
                "region": w.township_a.code,
                "subject": "关于补发抚恤金的请求",
                "content": "请求核实补发。",
                "group_size": "1",
                "name_0": "柳湾王二",
                "phone_0": "13900005678",
                "decision": "new",
            }
        ),
    }
)

# Pages with a path parameter and no method restriction that never write (POST reads).
READ_ONLY = {
    "areas/<slug:key>/",
    "regions/<str:code>/",
    "petitions/receptions/<int:reception_id>/",
    "petitions/<int:petition_id>/receipt/",
    "petitions/<int:petition_id>/reply.pdf",
    "petitions/<int:petition_id>/attachments/<int:attachment_id>/",
    # pages without a parameter: lists, the public pages, the API's documents
    "",
    "regions/",
    "benefits/standards/",
    "petitions/",
    "petitions/mine/",
    "petitions/stats/",
    "petitions/stats.xlsx",
    "p/",
    "p/receipt/",
    "p/status/",
    "p/receptions/",
    # The public lookup takes a receipt code and the petitioner's phone tail, a petitioner's own
    # secret, no role's to give (the public pages' tests prove it).
    "p/lookup/",
    "audit/",
    "audit/export.csv",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/",
    # the login's second steps and enrolling one's own second factor: a code of one's own device
    # (test_login.py proves them)
    "accounts/login/otp/",
    "accounts/login/enrol/",
    "accounts/profile/two-factor/",
    # choosing one's own password after one someone else set: the walk's personas chose theirs and
    # are sent on to their profile (test_one_time_password.py proves the page)
    "accounts/password/",
}

# The query an API read needs to answer 2xx (a report's period, the petitioner's phone tail).
QUERIES: dict[str, str] = {
    "api/v1/public/petitions/<receipt_code>": "phone_tail=4321",
}

# A read whose sample is not the route's usual one ("route" → path parameter → record).
READ_AT: dict[str, Callable[[World], dict[str, Any]]] = {
    # the walk's own petition has no reply yet to print
    "petitions/<int:petition_id>/reply.pdf": lambda w: {"petition_id": walk_petitions.replied(w).pk},
}

# Pages whose POST computes and shows without writing: through when it answers 2xx or 3xx.
POST_READS: set[str] = {
    "accounts/login/",  # a signed-in user is sent on
    "i18n/setlang/",
    "petitions/notifications/",  # marks one's own notices read: the walk's world has none
}

# --- the access table ---------------------------------------------------------------------------

ACCESS: dict[str, Access] = {
    "": acl(get=ANYONE, post=ANYONE),
    "areas/<slug:key>/": acl(get=STAFF, post=STAFF),
    "accounts/login/": acl(get=ANYONE, post=ANYONE),
    "accounts/login/otp/": acl(get=ANYONE, post=ANYONE),
    "accounts/login/enrol/": acl(get=ANYONE, post=ANYONE),
    "accounts/logout/": acl(post=ANYONE),
    "accounts/password/": reads(ANYONE),
    "accounts/profile/": acl(get=ANYONE, post=ANYONE),
    "accounts/profile/two-factor/": acl(get=ANYONE, post=ANYONE),
    "accounts/users/": acl(get="a", post="a"),
    "accounts/users/<int:user_id>/": acl(
        get="a",
        post={
            "": "a",
            "unlock": "a",
            "reset_password": "a",
            "reset_second_factor": "a",
            "withdraw_recovery": "a",
        },
    ),
    "regions/": acl(get=ANYONE, post=ANYONE),
    "regions/import/": acl(get="a", post="a"),
    "regions/<str:code>/": acl(get=ANYONE, post=ANYONE),
    "registry/": acl(get=STAFF),
    "registry/export/": acl(get=STAFF),
    "registry/new/": acl(get="ctv", post="ctv"),
    "registry/<int:beneficiary_id>/": acl(get="cltv"),
    "registry/<int:beneficiary_id>/reveal/": acl(post="cl"),
    "registry/<int:beneficiary_id>/edit/": acl(get="ctv", post="ctv"),
    "registry/<int:beneficiary_id>/qualifications/new/": acl(get="ctv", post="ctv"),
    "registry/<int:beneficiary_id>/life-events/new/": acl(get="ctv", post="ctv"),
    "registry/imports/": acl(get="ctv", post="ctv"),
    "registry/imports/template.xlsx": acl(get="ctv"),
    "registry/imports/errors/<str:token>/": acl(get="t"),
    "registry/reviews/": acl(get=STAFF, post="c"),  # a review is the county's to open
    "registry/reviews/<int:review_id>/": acl(get="cltv", post="ctv"),
    "registry/reviews/<int:review_id>/items/<int:item_id>/suspend/": acl(post="ctv"),
    "benefits/": acl(get=STAFF, post="c"),  # the county computes a batch
    "benefits/batches/<int:batch_id>/": acl(get="cltv"),
    "benefits/batches/<int:batch_id>/approve/": acl(post="l"),
    "benefits/batches/<int:batch_id>/discard/": acl(post="cl"),
    "benefits/batches/<int:batch_id>/export/": acl(post="c"),
    "benefits/batches/<int:batch_id>/returns/": acl(post="c"),
    "benefits/batches/<int:batch_id>/close/": acl(post="c"),
    "benefits/banks/": acl(get=STAFF),
    "benefits/standards/": acl(get="acdltv", post="acdltv"),
    "benefits/standards/import/": acl(post="c"),
    "benefits/standards/topup/": acl(post="c"),
    "benefits/standards/<int:version_id>/approve/": acl(post="l"),
    "benefits/standards/<int:version_id>/refuse/": acl(post="l"),
    "benefits/standards/topup/<int:topup_id>/approve/": acl(post="l"),
    "benefits/standards/topup/<int:topup_id>/refuse/": acl(post="l"),
    "benefits/standards/settings/": acl(post="a"),
    "benefits/recoveries/": acl(get=STAFF),
    "benefits/recoveries/export/": acl(get=STAFF),
    "benefits/recoveries/<int:recovery_id>/settle/": acl(post="c"),
    "benefits/lump-sums/": acl(get=STAFF),
    "benefits/lump-sums/<int:lump_sum_id>/payee/": acl(get="cltv", post="ctv"),
    # Reads and totals the county's payments: not a liaison's, who reads none (403 with the reason).
    "benefits/reconciliation/": acl(get="cltv", post="cl"),
    "benefits/beneficiaries/<int:beneficiary_id>/": acl(get="cltv"),
    "benefits/beneficiaries/<int:beneficiary_id>/section/": acl(get="cltv"),
    "petitions/": acl(get=STAFF, post=STAFF),
    "petitions/new/": acl(get="cdtv", post="cdt"),  # a village is no township to register in
    "petitions/mine/": acl(get=STAFF, post=STAFF),
    "petitions/extensions/": acl(get="l", post=""),
    "petitions/stats/": acl(get=STAFF, post=STAFF),
    "petitions/stats.xlsx": acl(get=STAFF, post=STAFF),
    "petitions/receptions/": acl(get=STAFF, post="ctv"),  # in one's own region
    "petitions/receptions/<int:reception_id>/": acl(get="cdlt", post="cdlt"),
    "petitions/receptions/<int:reception_id>/edit/": acl(post="ct"),
    "petitions/receptions/<int:reception_id>/cancel/": acl(post="ct"),
    "petitions/notifications/": acl(get=STAFF, post=STAFF),
    "petitions/<int:petition_id>/": acl(
        get="cdlt",
        post={
            "accept": "ct",
            "decline": "ct",
            "forward": "ct",
            "route": "c",
            "link_repeat": "ct",
            "assign": "ct",
            "start": "cdt",  # the liaison of the unit it is assigned to works on it
            "extend": "cdlt",
            "extension_approve": "l",
            "extension_refuse": "l",
            "reply": "cdt",
            "review_request": "ct",
            "review_reply": "cdt",
            "rereview_request": "ct",
            "rereview_reply": "cdt",
            "conclude": "ct",
            "rate": "cdt",
            "beneficiary": "ct",
        },
    ),
    "petitions/<int:petition_id>/receipt/": acl(get="cdlt", post="cdlt"),
    "petitions/<int:petition_id>/reply.pdf": acl(get="cdlt", post="cdlt"),
    "petitions/<int:petition_id>/attachments/": acl(post="cdt"),
    "petitions/<int:petition_id>/attachments/<int:attachment_id>/": acl(get="cdlt", post="cdlt"),
    "p/": acl(get=ANYONE, post=ANYONE),
    "p/submit/": acl(get=ANYONE, post=ANYONE),
    "p/receipt/": acl(get=ANYONE, post=ANYONE),
    "p/lookup/": acl(get=ANYONE, post=ANYONE),
    "p/status/": acl(get=ANYONE, post=ANYONE),
    "p/receptions/": acl(get=ANYONE, post=ANYONE),
    "audit/": acl(get="u", post="u"),
    "audit/export.csv": acl(get="u", post="u"),
    "calendar/": acl(get="a", post="a"),
    "i18n/setlang/": acl(get=ANYONE, post=ANYONE),
    "api/v1/openapi.json": acl(get=ANYONE, post=ANYONE),
    "api/v1/docs": acl(get=ANYONE, post=ANYONE),
    "api/v1/auth/token": acl(delete=ANYONE, post=ANYONE),
    "api/v1/auth/tokens": acl(get=ANYONE),
    "api/v1/auth/tokens/<token_id>": acl(delete="t"),
    "api/v1/me": acl(get=ANYONE),
    "api/v1/users": acl(get="a", post="a"),
    "api/v1/users/<user_id>": acl(get="a"),
    "api/v1/regions": acl(get=ANYONE),
    "api/v1/regions/imports": acl(post="a"),
    "api/v1/regions/<code>": acl(get=ANYONE),
    "api/v1/audit/events": acl(get="u"),
    "api/v1/beneficiaries": acl(get=STAFF, post="ctv"),
    "api/v1/beneficiaries/export": acl(get=STAFF),
    "api/v1/beneficiaries/<beneficiary_id>": acl(get="cltv", patch="ctv"),
    "api/v1/beneficiaries/<beneficiary_id>/life-events": acl(post="ctv"),
    "api/v1/beneficiaries/<beneficiary_id>/reveal-id-number": acl(post="cl"),
    "api/v1/registry/imports": acl(post="ctv"),
    "api/v1/registry/imports/template": acl(get="ctv"),
    "api/v1/departments": acl(get=ANYONE, post="a"),
    "api/v1/departments/<department_id>": acl(get="acdltu"),
    "api/v1/standards": acl(get="acdltv"),
    "api/v1/standards/import": acl(post="c"),
    "api/v1/standards/versions": acl(get="acdltv"),
    "api/v1/standards/<version_id>/approve": acl(post="l"),
    "api/v1/standards/<version_id>/refuse": acl(post="l"),
    "api/v1/topups": acl(get="acdltv", post="c"),
    "api/v1/topups/<topup_id>/approve": acl(post="l"),
    "api/v1/topups/<topup_id>/refuse": acl(post="l"),
    "api/v1/benefit-settings": acl(get="acdltv", put="a"),
    "api/v1/batches": acl(get=STAFF, post="c"),
    "api/v1/batches/<batch_id>": acl(get="cltv"),
    "api/v1/batches/<batch_id>/payee-changes": acl(get="cltv"),
    "api/v1/batches/<batch_id>/entitlement-changes": acl(get="cltv"),
    "api/v1/batches/<batch_id>/lines": acl(get="cltv"),
    "api/v1/batches/<batch_id>/lines/<seq>/items": acl(get="cltv"),
    "api/v1/batches/<batch_id>/approve": acl(post="l"),
    "api/v1/batches/<batch_id>/discard": acl(post="cl"),
    "api/v1/batches/<batch_id>/close": acl(post="c"),
    "api/v1/batches/<batch_id>/export": acl(post="c"),
    "api/v1/batches/<batch_id>/returns": acl(post="c"),
    "api/v1/recoveries": acl(get=STAFF),
    "api/v1/recoveries/<recovery_id>/settle": acl(post="c"),
    "api/v1/lump-sums": acl(get=STAFF),
    "api/v1/lump-sums/<lump_sum_id>/payee": acl(post="ctv"),
    "api/v1/beneficiaries/<beneficiary_id>/entitlements": acl(get="cltv"),
    "api/v1/reconciliation/full": acl(post="cl"),
    "api/v1/reconciliation": acl(get="cltv"),
    "api/v1/petitions": acl(get=STAFF, post="c"),
    "api/v1/petitions/reception-days": acl(get=STAFF, post="ct"),
    "api/v1/petitions/reception-days/<reception_id>": acl(get="cdlt", patch="ct"),
    "api/v1/petitions/reception-days/<reception_id>/cancel": acl(post="ct"),
    "api/v1/petitions/<petition_id>": acl(get="cdlt"),
    "api/v1/petitions/<petition_id>/events": acl(get="cdlt"),
    "api/v1/petitions/<petition_id>/possible-repeats": acl(get="cdlt"),
    "api/v1/petitions/<petition_id>/accept": acl(post="ct"),
    "api/v1/petitions/<petition_id>/decline": acl(post="ct"),
    "api/v1/petitions/<petition_id>/forward": acl(post="ct"),
    "api/v1/petitions/<petition_id>/assign": acl(post="ct"),
    "api/v1/petitions/<petition_id>/start": acl(post="cdt"),
    "api/v1/petitions/<petition_id>/extend": acl(post="cdlt"),  # a leader's is granted at once
    "api/v1/petitions/<petition_id>/extend/approve": acl(post="l"),
    "api/v1/petitions/<petition_id>/extend/refuse": acl(post="l"),
    "api/v1/petitions/<petition_id>/reply": acl(post="cdt"),
    "api/v1/petitions/<petition_id>/review-request": acl(post="ct"),
    "api/v1/petitions/<petition_id>/review-reply": acl(post="cdt"),
    "api/v1/petitions/<petition_id>/rereview-request": acl(post="ct"),
    "api/v1/petitions/<petition_id>/rereview-reply": acl(post="cdt"),
    "api/v1/petitions/<petition_id>/conclude": acl(post="ct"),
    "api/v1/petitions/<petition_id>/link-repeat": acl(post="ct"),
    "api/v1/petitions/<petition_id>/satisfaction": acl(post="cdt"),
    "api/v1/petitions/<petition_id>/route": acl(post="c"),  # the county gives its own to a township
    "api/v1/petitions/<petition_id>/beneficiary": acl(post="ct"),
    # Public: anyone with the receipt code and the phone tail, the other township's clerk too.
    "api/v1/public/petitions/<receipt_code>": acl(get=ANYONE + "o"),
    "api/v1/public/petitions/<receipt_code>/satisfaction": acl(post=""),
    "api/v1/": acl(get="", post=""),
}

# Cells whose success the walk's samples cannot show (so only their refusals are checked), each
# with why: "METHOD route [action]" → the reason.
_ONE_BATCH = "the walk's batch is approved and still open: the county has one open batch at a time"
NO_WITNESS: dict[str, str] = {
    "POST /benefits/": _ONE_BATCH,
    "POST /api/v1/batches": _ONE_BATCH,
    "POST /benefits/batches/<int:batch_id>/approve/": "the walk's batch is approved already",
    "POST /api/v1/batches/<batch_id>/approve": "the walk's batch is approved already",
    "POST /benefits/batches/<int:batch_id>/discard/": "an approved batch is not discarded",
    "POST /api/v1/batches/<batch_id>/discard": "an approved batch is not discarded",
    "POST /benefits/batches/<int:batch_id>/close/": "the walk's batch has no bank returns to close on",
    "POST /api/v1/batches/<batch_id>/close": "the walk's batch has no bank returns to close on",
    "POST /benefits/batches/<int:batch_id>/returns/": "the walk's batch is not exported",
    "POST /api/v1/batches/<batch_id>/returns": "the walk's batch is not exported",
}

# Cells where the app still lets through a persona the table refuses: "METHOD route [action]
# persona" → why it is not fixed here. Reported, not failed; once the app refuses, the walk warns
# that the entry can go (a warning, not a failure: the fix may land apart from the table).
PENDING: dict[str, str] = {}

# Audit records a refused request may write: they record the refusal itself.
REFUSAL_EVENTS = {121}  # REGISTRY_IMPORT_CHECKED: an import refused as a whole, nothing written

# Each area of the care apps describes its own routes beside its tests.
AREA_WALKS = [
    walk_accounts,
    walk_grants,
    walk_medical,
    walk_housing,
    walk_discoveries,
    walk_pairing,
    walk_visits,
    walk_needs,
    walk_reports,
]
for _area in AREA_WALKS:
    SAMPLES.update(_area.SAMPLES)
    WRITES.update(_area.WRITES)
    NAMES_A_IN_PAYLOAD.update(_area.NAMES_A_IN_PAYLOAD)
    READ_ONLY.update(_area.READ_ONLY)
    ACCESS.update(_area.ACCESS)
    QUERIES.update(getattr(_area, "QUERIES", {}))
    READ_AT.update(getattr(_area, "READ_AT", {}))
    POST_READS.update(getattr(_area, "POST_READS", set()))
    NO_WITNESS.update(getattr(_area, "NO_WITNESS", {}))
    PENDING.update(getattr(_area, "PENDING", {}))


# --- the walk ----------------------------------------------------------------------------------

READ_METHODS = ("GET",)
EMPTY = Write(nothing)  # a read-only page's POST: sent with no body


def routes() -> list[Route]:
    """Every route once (django-ninja registers a path once per operation)."""
    found: dict[str, Route] = {}
    for route in all_routes():
        found.setdefault(route.template, route)
    return list(found.values())


def methods_of(route: Route) -> list[str]:
    return sorted((route.methods or frozenset({"GET", "POST"})) - {"HEAD", "OPTIONS"})


def names_township_a(method: str, route: Route) -> bool:
    """Whether the request names a record of township A, in its path or in its body."""
    owned = any(not isinstance(SAMPLES.get(p), Shared) for p in route.params)
    return owned or (method, route.template) in NAMES_A_IN_PAYLOAD


@dataclass(frozen=True)
class Cell:
    method: str
    route: Route
    action: str | None  # the payload's "action", where the table splits a page's forms
    who: str  # the letters of those who get through, the other township's clerk ("o") included

    @property
    def name(self) -> str:
        action = f" [{self.action or '-'}]" if self.action is not None else ""
        return f"{self.method} /{self.route.template}{action}"

    @property
    def api(self) -> bool:
        return self.route.template.startswith("api/")


def cells() -> list[Cell]:
    """The table, one cell per route, method and (where split) action."""
    found = []
    for route in routes():
        row = ACCESS.get(route.template)
        if row is None:
            raise AssertionError(f"route {route.template!r} is not in the access table: add it to ACCESS")
        for method in methods_of(route):
            spec = row.get(method)
            if spec is None:
                raise AssertionError(f"{method} {route.template!r}: say who gets through in ACCESS")
            split = spec.items() if isinstance(spec, dict) else [(None, spec)]
            for action, who in split:
                derived = "t" in who and not names_township_a(method, route)
                outsider = "o" if derived and "o" not in who else ""
                found.append(Cell(method, route, action, who + outsider))
    return found


def write_of(method: str, route: Route) -> Write:
    if method in READ_METHODS:
        return EMPTY
    key = (method, route.template)
    write = WRITES.get(key) or NAMES_A_IN_PAYLOAD.get(key)
    if write is None:
        if route.template not in READ_ONLY:
            raise AssertionError(f"{method} {route.template!r}: give it a payload in WRITES (or READ_ONLY)")
        return EMPTY
    return write


@dataclass(frozen=True)
class Request:
    url: str
    write: Write
    payload: dict[str, Any]


def requests_of(cell: Cell, world: World) -> list[Request]:
    """What the walk sends for a cell: its URL with township A's records, and each payload."""
    write = write_of(cell.method, cell.route)
    built = write.build(world)
    payloads = built if isinstance(built, list) else [built]
    if cell.action is not None:
        payloads = [p for p in payloads if p.get("action", "") == cell.action]
    found = []
    for payload in payloads:
        at = {k[1:]: v for k, v in payload.items() if k.startswith("@")}
        if write is EMPTY and cell.route.template in READ_AT:
            at = READ_AT[cell.route.template](world)
        body = {k: v for k, v in payload.items() if not k.startswith("@")}
        url = concrete(cell.route, world, at)
        if cell.method in READ_METHODS and cell.route.template in QUERIES:
            url += "?" + QUERIES[cell.route.template]
        found.append(Request(url, write, body))
    return found


# Rows that may change while a refused request is served: sessions, the login time, a token's
# last use, and the audit log (read separately: any record a refused request writes is a finding).
VOLATILE_MODELS = {"sessions.Session", "audit.AuditEvent", "audit.AuditChainHead"}
VOLATILE_FIELDS = {"accounts.User": {"last_login"}, "accounts.ApiToken": {"last_used_at"}}
_WRITE = re.compile(
    r'^\s*(?:WITH\b.*?\)\s*)?(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?', re.I | re.S
)
_SET = re.compile(r'"(\w+)"\s*=')


class Writes:
    """The tables a request wrote rows to and kept: Django's execute wrapper sees every statement
    the test client's requests run on the test's connection, with the rows it changed, and the
    savepoints the request rolled back."""

    def __init__(self) -> None:
        self.tables: list[str] = []
        self.marks: dict[str, int] = {}  # savepoint → how many writes came before it
        labels = {m._meta.label: m._meta.db_table for m in apps.get_models()}
        self.volatile = {labels[label] for label in VOLATILE_MODELS}
        self.volatile_columns = {
            labels[label]: {m._meta.get_field(f).column for f in fields}
            for label, fields in VOLATILE_FIELDS.items()
            for m in [apps.get_model(label)]
        }

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        words = sql.split(None, 3)
        # What a request's own atomic block rolled back was never written.
        if words[0].upper() == "SAVEPOINT":
            self.marks[words[1]] = len(self.tables)
            return result
        if words[0].upper() == "ROLLBACK" and len(words) == 4 and words[1].upper() == "TO":
            del self.tables[self.marks.get(words[3], len(self.tables)) :]
            return result
        match = _WRITE.match(sql)
        if match is None or match.group(1) in self.volatile or context["cursor"].rowcount == 0:
            return result
        table = match.group(1)
        if sql.lstrip().upper().startswith("UPDATE") and table in self.volatile_columns:
            assigned = set(_SET.findall(sql.split(" WHERE ")[0]))
            if assigned <= self.volatile_columns[table]:
                return result
        self.tables.append(table)
        return result


@dataclass
class Outcome:
    status: int
    wrote: list[str]
    events: list[AuditEvent]
    text: str

    @property
    def success(self) -> bool:
        return 200 <= self.status < 300


def hidden_from(persona: str, world: World) -> list[str]:
    """Names the persona must never be shown."""
    if persona == "o":
        return [*markers(world), *PEOPLE]
    if persona in "au":
        return list(PEOPLE)
    if persona == "d":
        return [p for p in PEOPLE if p not in DEPARTMENTS_PEOPLE]
    return []


@dataclass
class Walk:
    """What one persona's walk found."""

    persona: str
    cells: int = 0
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # PENDING cells seen still getting through
    soft: list[str] = field(default_factory=list)  # refusals that re-showed a page (200)
    unwitnessed: list[str] = field(default_factory=list)


class Walker:
    """Sends the table's requests as one persona: pages with its session, the API with its token."""

    def __init__(self, world: World, persona: str) -> None:
        self.world = world
        self.persona = persona
        self.user = getattr(world, PERSONAS[persona])
        self.client = Client(raise_request_exception=False)
        self.bearer = bearer(self.user)
        self.session_key = ""
        self.log_in()
        self.readable = {c.route.template for c in cells() if c.method in READ_METHODS and persona in c.who}

    def log_in(self) -> None:
        log_in(self.client, self.user)
        self.session_key = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def send(self, cell: Cell, request: Request, *, session_api: bool = False) -> Outcome:
        auth = self.bearer if cell.api and not session_api else {}
        writes = Writes()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        savepoint = transaction.savepoint()
        try:
            with connection.execute_wrapper(writes):
                response = self._call(cell.method, request, auth)
            events = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq"))
            body = b"".join(response.streaming_content) if response.streaming else response.content
        finally:
            transaction.savepoint_rollback(savepoint)
        self.client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is None or cookie.value != self.session_key:
            self.log_in()  # the walk also logs out and in
        return Outcome(response.status_code, writes.tables, events, body.decode("utf-8", "replace"))

    def _call(self, method: str, request: Request, auth: dict[str, str]) -> Any:
        call = getattr(self.client, method.lower())
        if method in READ_METHODS:
            return call(request.url, **auth)
        if request.write.as_json:
            return call(
                request.url, data=json.dumps(request.payload), content_type="application/json", **auth
            )
        assert method == "POST", f"{method} {request.url}: a form is posted; give this route a JSON payload"
        return call(request.url, request.payload, **auth)

    def walk(self, only: Callable[[Cell], bool] = lambda cell: True) -> Walk:
        report = Walk(self.persona)
        todo = [(cell, requests_of(cell, self.world)) for cell in cells() if only(cell)]
        for cell, requests in todo:
            report.cells += 1
            if not requests:
                report.problems.append(f"{cell.name}: no payload of its write has this action")
            outcomes = []
            for request in requests:
                outcomes.append((request, self.send(cell, request)))
                if self.persona == "o" and cell.api and cell.method in READ_METHODS:
                    outcomes.append((request, self.send(cell, request, session_api=True)))
            report.requests += len(outcomes)
            self.judge(cell, outcomes, report)
        return report

    def judge(self, cell: Cell, outcomes: list[tuple[Request, Outcome]], report: Walk) -> None:
        allowed = self.persona in cell.who
        found: list[str] = []
        for request, outcome in outcomes:
            what = f"{cell.name} as {self.persona} ({request.url})"
            if outcome.status >= 500:
                found.append(f"{what} answered {outcome.status}")
            if cell.api and cell.method not in READ_METHODS and outcome.status == 422:
                found.append(f"{what} answered 422: the payload in the table is not valid")
            for name in self.hidden(cell):
                if name in outcome.text:
                    found.append(f"{what} showed {name!r}")
            for event in outcome.events:
                if self.persona == "o" and (event.region_id or "")[:9] == self.world.township_a.code[:9]:
                    found.append(f"{what} wrote township-A audit event {event.event_type}")
        through = [self.got_through(cell, o) for _r, o in outcomes]
        if allowed:
            if not any(through):
                statuses = [o.status for _r, o in outcomes]
                if cell.name in NO_WITNESS:
                    report.unwitnessed.append(cell.name)
                else:
                    found.append(f"{cell.name} as {self.persona}: in the table, but refused {statuses}")
        else:
            wrong = []
            for request, outcome in outcomes:
                events = [e for e in outcome.events if e.event_type not in REFUSAL_EVENTS]
                if outcome.wrote or events:
                    kinds = sorted({*outcome.wrote, *(str(e.event_type) for e in events)})
                    wrong.append(f"{request.url} wrote {kinds}")
                elif outcome.success:
                    if cell.api or cell.method in READ_METHODS or cell.route.template not in self.readable:
                        wrong.append(f"{request.url} answered {outcome.status}")
                    else:
                        report.soft.append(cell.name)
            key = f"{cell.name} {self.persona}"
            if key in PENDING:
                if wrong:
                    report.pending.append(f"{key}: {PENDING[key]}")
                else:
                    # Not a failure: the fix may land in another change than the table's.
                    warnings.warn(f"{key} is refused now: remove it from PENDING", stacklevel=1)
            elif wrong:
                found.append(f"{cell.name} as {self.persona}: not in the table, but {'; '.join(wrong)}")
        report.problems.extend(found)

    def hidden(self, cell: Cell) -> list[str]:
        """Names this persona must not be shown in the answer. A request that names township A
        in its body may have its own words shown back (a form's error, a file's rows): there only
        the names of people are looked for."""
        names = hidden_from(self.persona, self.world)
        if self.persona == "o" and (cell.method, cell.route.template) in NAMES_A_IN_PAYLOAD:
            names = [n for n in names if n not in (self.world.township_a.name, self.world.village_a.name)]
        return names

    def got_through(self, cell: Cell, outcome: Outcome) -> bool:
        if cell.method in READ_METHODS or cell.route.template in POST_READS | READ_ONLY:
            return outcome.status < 400
        return bool(outcome.wrote or outcome.events) or (cell.api and outcome.success)


@pytest.fixture
def walk_world(world: World) -> World:
    do_issue_token(world.township_clerk, acting_user=world.township_clerk)
    register(world.township_clerk, world.village_a, name="柳湾张三")
    do_open_annual_review(2026, acting_user=world.county_clerk)
    # Make every sample up front, so list pages walked first already have them to leak.
    for sample in SAMPLES.values():
        sample(world)
    return world


def stats(report: Walk, part: str) -> None:
    """The figures for bench/README.md ("Access control"), when YOUFU_ACCESS_STATS names a file."""
    path = os.environ.get("YOUFU_ACCESS_STATS")
    if not path:
        return
    row = {
        "persona": report.persona,
        "part": part,
        "cells": report.cells,
        "requests": report.requests,
        "soft_refusals": len(report.soft),
        "unwitnessed": len(report.unwitnessed),
        "pending": len(report.pending),
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


PARTS: dict[str, Callable[[Cell], bool]] = {
    "pages": lambda cell: not cell.api,
    "api": lambda cell: cell.api,
}


@pytest.mark.django_db
@pytest.mark.parametrize("part", list(PARTS))
@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_access_table_holds(walk_world: World, persona: str, part: str) -> None:
    report = Walker(walk_world, persona).walk(PARTS[part])
    stats(report, part)
    assert report.problems == [], "\n".join(report.problems)


@pytest.mark.django_db
def test_the_walk_finds_a_leak_when_scope_is_broken(
    walk_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk can fail, and its payloads are valid: with region scope switched off, township B's
    clerk reads and writes township A's records on the routes a township clerk may use."""
    import youfu.core.scope as scope

    monkeypatch.setattr(scope, "apply_scope", lambda queryset, user: queryset)
    expected = (
        r"GET /regions/<str:code>/ as o.*answered 200",
        r"POST /registry/<int:beneficiary_id>/qualifications/new/ as o.*wrote",
        r"POST /registry/<int:beneficiary_id>/life-events/new/ as o.*wrote",
        r"POST /registry/reviews/<int:review_id>/ as o.*wrote",
        r"POST /benefits/lump-sums/<int:lump_sum_id>/payee/ as o.*wrote",
        r"POST /petitions/<int:petition_id>/attachments/ as o.*wrote",
        r"PATCH /api/v1/beneficiaries/<beneficiary_id> as o.*",
        r"POST /api/v1/beneficiaries/<beneficiary_id>/life-events as o.*wrote",
        r"POST /api/v1/petitions/<petition_id>/start as o.*wrote",
        r"POST /api/v1/petitions/<petition_id>/reply as o.*wrote",
        r"POST /registry/<int:beneficiary_id>/edit/ as o.*wrote",
        r"POST /api/v1/petitions as o.*wrote",  # a new petition of township B naming A's person
    )
    templates = {re.sub(r"^\S+ /|( as o).*$", "", e).replace("\\", "") for e in expected}
    report = Walker(walk_world, "o").walk(lambda cell: cell.route.template in templates)
    for pattern in expected:
        assert any(re.match(pattern, p) for p in report.problems), (pattern, report.problems)


@pytest.mark.django_db
def test_the_walk_finds_a_grant_when_a_role_is_broken(
    walk_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk can fail by role too: an auditor given every capability reads and writes what the
    table refuses it."""
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.AUDITOR, frozenset(Capability))
    expected = (
        r"GET /registry/ as u: not in the table, but .* answered 200",
        r"GET /api/v1/beneficiaries/<beneficiary_id> as u: not in the table",
        r"POST /registry/<int:beneficiary_id>/edit/ as u: not in the table, but .* wrote",
        r"GET /registry/<int:beneficiary_id>/ as u.* showed '柳湾张三'",
    )
    report = Walker(walk_world, "u").walk(
        lambda cell: cell.route.template.startswith(("registry/", "api/v1/beneficiaries"))
    )
    for pattern in expected:
        assert any(re.match(pattern, p) for p in report.problems), (pattern, report.problems)


@pytest.mark.django_db
def test_the_owner_does_see_their_own_records(walk_world: World, client: Client) -> None:
    client.force_login(walk_world.township_clerk)
    response = client.get(f"/regions/{walk_world.village_a.code}/")
    assert response.status_code == 200
    assert walk_world.village_a.name in response.content.decode()


def test_every_route_and_method_is_in_the_table() -> None:
    table = cells()  # raises on a route or method the table does not classify
    templates = {r.template for r in routes()}
    assert set(ACCESS) - templates == set(), "ACCESS names routes that are gone"
    for route in routes():
        stale = set(ACCESS[route.template]) - set(methods_of(route))
        assert stale == set(), f"{route.template}: ACCESS names methods it does not take: {stale}"
    for cell in table:
        assert set(cell.who) <= set(PERSONAS), cell
    names = {c.name for c in table}
    assert set(NO_WITNESS) - names == set(), "NO_WITNESS names cells that are gone"
    pending = {f"{c.name} {p}" for c in table for p in PERSONAS}
    assert set(PENDING) - pending == set(), "PENDING names cells that are gone"


def test_every_route_parameter_has_a_sample() -> None:
    unknown = {p for r in all_routes() for p in r.params if p not in SAMPLES}
    assert unknown == set(), f"add township-A samples for {unknown} to SAMPLES"


def test_every_write_has_a_payload() -> None:
    writes = {(m, r.template) for r in routes() for m in methods_of(r) if m not in READ_METHODS}
    missing = {
        f"{m} {t}"
        for m, t in writes
        if (m, t) not in WRITES and (m, t) not in NAMES_A_IN_PAYLOAD and t not in READ_ONLY
    }
    assert missing == set(), f"add a valid payload for {missing} to WRITES (or the page to READ_ONLY)"
    stale = (set(WRITES) | set(NAMES_A_IN_PAYLOAD)) - writes
    assert stale == set(), f"WRITES names routes that no longer take these writes: {stale}"
