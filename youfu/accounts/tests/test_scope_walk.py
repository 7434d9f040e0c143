"""Walk every route of the project as the clerk of another township.

Every URL pattern registered in the project (pages and /api/v1 alike, including routes
that later apps add) is requested with GET and POST, its path parameters filled with
records that belong to township A, by ``other_township_clerk`` of township B. None may
show A's records or change anything. A route with a parameter this walker does not know
fails the test: register a sample for it in ``SAMPLES`` below.

Then it writes: every route that takes an object id and accepts POST, PUT, PATCH or DELETE
(a page form or an API operation) is sent a VALID payload that names township A's records,
as township B's clerk. Each must answer 403 or 404 and change nothing in the database (on
a county-wide record such as a batch, which the outsider may open, only the latter). A
write route without a payload in ``WRITES`` fails the test, as a parameter without a
sample does; a page without a method restriction that only ever reads is listed in
``READ_ONLY``. Writes that name township A's records in the payload only (creating in A's
region, linking A's person to B's petition) are in ``NAMES_A_IN_PAYLOAD``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from youfu.accounts.models import ApiToken, Department
from youfu.accounts.services import do_issue_token
from youfu.audit.models import AuditEvent
from youfu.benefits.tests import samples as benefit_samples
from youfu.benefits.tests.helpers import RETURN_COLUMNS, csv_bytes
from youfu.core.imports import ImportRejected, RowError
from youfu.core.messages import Message
from youfu.outreach.tests import walk_needs, walk_pairing, walk_visits
from youfu.petitions.tests import factories as petition_samples
from youfu.registry.importing import store_error_report
from youfu.registry.models import AnnualReview, Beneficiary, ReviewItem
from youfu.registry.reviews import do_open_annual_review
from youfu.registry.tests.factories import id_number_for, register
from youfu.relief.tests import walk_discoveries, walk_grants, walk_housing, walk_medical
from youfu.reports.tests import walk_reports
from youfu.testing import World

from . import walk_accounts
from .walking import DAY, Shared, Write, api, nothing, page, person_a, upload

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


def concrete(route: Route, world: World) -> str:
    path = route.template.lstrip("^").rstrip("$")
    for name in route.params:
        if name not in SAMPLES:
            raise AssertionError(
                f"route {route.template!r} takes <{name}>: add a township-A sample for it to SAMPLES"
            )
        value = str(SAMPLES[name](world))
        path = re.sub(r"<(?:[^>:]+:)?" + re.escape(name) + ">", value, path)
        path = re.sub(r"\(\?P<" + re.escape(name) + r">[^)]*\)", value, path)
    return "/" + path.replace("\\", "")


def leaks(world: World, client: Client, auth: dict[str, str]) -> list[str]:
    """Every way in which a route showed or changed township A's data."""
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
            for mark in marks:
                if mark in text:
                    found.append(f"{method.upper()} {url} showed {mark!r}")
            changed = AuditEvent.objects.filter(pk__gt=0).count() - before
            writes = AuditEvent.objects.order_by("-seq")[: max(changed, 0)]
            for event in writes:
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
    ("POST", "registry/reviews/<int:review_id>/"): page(
        lambda w: {"item": [ReviewItem.objects.get(qualification__beneficiary__name="柳湾张三").pk]}
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
        lambda w: {"date": "2025-03-17", "time": "上午", "place": "新接待室", "leader_name": "镇长"}
    ),
    ("POST", "petitions/receptions/<int:reception_id>/cancel/"): page(lambda w: {"reason": "镇长出差"}),
    ("POST", "petitions/<int:petition_id>/"): page(
        lambda w: [{"action": name, **build(w)} for name, build in PETITION_ACTIONS.items()]
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
    ("PATCH", "api/v1/petitions/reception-days/<reception_id>"): api(lambda w: {"place": "新接待室"}),
    ("POST", "api/v1/petitions/reception-days/<reception_id>/cancel"): api(lambda w: {"reason": "镇长出差"}),
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

# Pages with a path parameter and no method restriction that never write (POST reads).
READ_ONLY = {
    "areas/<slug:key>/",
    "regions/<str:code>/",
    "petitions/receptions/<int:reception_id>/",
    "petitions/<int:petition_id>/receipt/",
    "petitions/<int:petition_id>/reply.pdf",
    "petitions/<int:petition_id>/attachments/<int:attachment_id>/",
}

# Each area of the care apps describes its own routes beside its tests.
AREA_WALKS = [
    walk_grants,
    walk_medical,
    walk_housing,
    walk_discoveries,
    walk_pairing,
    walk_visits,
    walk_needs,
    walk_reports,
    walk_accounts,
]
for _area in AREA_WALKS:
    SAMPLES.update(_area.SAMPLES)
    WRITES.update(_area.WRITES)
    NAMES_A_IN_PAYLOAD.update(_area.NAMES_A_IN_PAYLOAD)
    READ_ONLY.update(_area.READ_ONLY)

# Rows that may change while a refused request is served: sessions, the login time, a
# token's last use, and the audit log (a refusal may itself be a security event; what the
# log says about township A is checked separately).
VOLATILE_MODELS = {"sessions.Session", "audit.AuditEvent", "audit.AuditChainHead"}
VOLATILE_FIELDS = {"accounts.User": {"last_login"}, "accounts.ApiToken": {"last_used_at"}}


def write_routes() -> list[tuple[str, Route]]:
    """(method, route) for every write a route with a path parameter accepts."""
    found: dict[tuple[str, str], Route] = {}
    for route in all_routes():
        if not route.params or (not route.methods and route.template in READ_ONLY):
            continue
        for method in sorted(route.writes):
            # django-ninja registers a path once per operation: one write is enough.
            found.setdefault((method, route.template), route)
    return [(method, route) for (method, _), route in found.items()]


def fingerprint() -> dict[str, int]:
    """One hash per table of everything stored, but for the volatile rows above."""
    prints = {}
    for model in apps.get_models():
        label = model._meta.label
        if label in VOLATILE_MODELS:
            continue
        skip = VOLATILE_FIELDS.get(label, set())
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        prints[label] = hash(repr(list(model._base_manager.order_by("pk").values_list(*fields))))
    return prints


def _send(
    client: Client, method: str, url: str, write: Write, payload: dict[str, Any], auth: dict[str, str]
) -> Any:
    call = getattr(client, method.lower())
    if write.as_json:
        return call(url, data=json.dumps(payload), content_type="application/json", **auth)
    assert method == "POST", f"{method} {url}: a form is posted; give this route a JSON payload"
    return call(url, payload, **auth)


def payload_routes() -> list[tuple[str, Route]]:
    """(method, route) for the entries of ``NAMES_A_IN_PAYLOAD``, as the project routes them."""
    routes = {r.template: r for r in all_routes() if not r.params}
    return [(method, routes[template]) for method, template in NAMES_A_IN_PAYLOAD]


def write_leaks(world: World, client: Client, auth: dict[str, str]) -> list[str]:
    """Every write in ``WRITES`` and ``NAMES_A_IN_PAYLOAD`` that township B's clerk got
    through on township A's data."""
    found: list[str] = []
    for method, route in [*write_routes(), *payload_routes()]:
        if auth and not route.template.startswith("api/"):
            continue  # a token opens the API only
        write = WRITES.get((method, route.template)) or NAMES_A_IN_PAYLOAD[(method, route.template)]
        url = concrete(route, world)
        built = write.build(world)
        for payload in built if isinstance(built, list) else [built]:
            what = f"{method} {url} {sorted(payload)}"
            if not auth:
                client.force_login(world.other_township_clerk)
            before = fingerprint()
            last_event = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            response = _send(client, method, url, write, payload, auth)
            owned = [p for p in route.params if not isinstance(SAMPLES[p], Shared)]
            if owned and response.status_code not in (403, 404):
                found.append(f"{what} answered {response.status_code}, not 403/404")
            if write.as_json and response.status_code == 422:
                found.append(f"{what} answered 422: the payload in the table is not valid")
            after = fingerprint()
            changed = sorted(label for label in before if before[label] != after.get(label))
            if changed:
                found.append(f"{what} changed {changed}")
            for event in AuditEvent.objects.filter(seq__gt=last_event):
                if event.event_type // 100 != 9 and (event.region_id or "")[:9] == world.township_a.code[:9]:
                    found.append(f"{what} wrote township-A audit event {event}")
    return found


@pytest.fixture
def walk_world(world: World) -> World:
    do_issue_token(world.township_clerk, acting_user=world.township_clerk)
    register(world.township_clerk, world.village_a, name="柳湾张三")
    do_open_annual_review(2026, acting_user=world.county_clerk)
    # Make every sample up front, so list pages walked first already have them to leak.
    for sample in SAMPLES.values():
        sample(world)
    return world


@pytest.mark.django_db
def test_the_outsider_session_sees_nothing_of_township_a(walk_world: World, client: Client) -> None:
    assert leaks(walk_world, client, {}) == []


@pytest.mark.django_db
def test_the_outsider_session_writes_nothing_of_township_a(walk_world: World, client: Client) -> None:
    assert write_leaks(walk_world, client, {}) == []


@pytest.mark.django_db
def test_the_outsider_token_sees_nothing_of_township_a(walk_world: World, client: Client) -> None:
    key, _ = do_issue_token(walk_world.other_township_clerk, acting_user=walk_world.other_township_clerk)
    assert leaks(walk_world, client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}) == []


@pytest.mark.django_db
def test_the_outsider_token_writes_nothing_of_township_a(walk_world: World, client: Client) -> None:
    key, _ = do_issue_token(walk_world.other_township_clerk, acting_user=walk_world.other_township_clerk)
    assert write_leaks(walk_world, client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}) == []


@pytest.mark.django_db
def test_the_walker_finds_a_leak_when_scope_is_broken(
    walk_world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk can fail: with region scope switched off, it reports township A's records."""
    import youfu.core.scope as scope

    monkeypatch.setattr(scope, "apply_scope", lambda queryset, user: queryset)
    found = leaks(walk_world, client, {})
    assert any("/regions/" in leak for leak in found), found


@pytest.mark.django_db
def test_the_write_walk_finds_writes_when_scope_is_broken(
    walk_world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write walk can fail, and its payloads are valid: with region scope switched off,
    township B's clerk gets through with them on the routes a township clerk may use."""
    import youfu.core.scope as scope

    monkeypatch.setattr(scope, "apply_scope", lambda queryset, user: queryset)
    changed = [leak for leak in write_leaks(walk_world, client, {}) if " changed " in leak]
    for expected in (
        r"POST /registry/\d+/qualifications/new/ ",
        r"POST /registry/\d+/life-events/new/ ",
        r"POST /registry/reviews/\d+/ ",
        r"POST /benefits/lump-sums/\d+/payee/ ",
        r"POST /petitions/\d+/attachments/ ",
        r"PATCH /api/v1/beneficiaries/\d+ ",
        r"POST /api/v1/beneficiaries/\d+/life-events ",
        r"POST /api/v1/petitions/\d+/start ",
        r"POST /api/v1/petitions/\d+/reply ",
        r"POST /registry/\d+/edit/ ",
        r"POST /api/v1/petitions \[",  # a new petition of township B naming A's person
    ):
        assert any(re.match(expected, leak) for leak in changed), (expected, changed)


@pytest.mark.django_db
def test_the_owner_does_see_their_own_records(walk_world: World, client: Client) -> None:
    client.force_login(walk_world.township_clerk)
    response = client.get(f"/regions/{walk_world.village_a.code}/")
    assert response.status_code == 200
    assert walk_world.village_a.name in response.content.decode()


def test_every_route_parameter_has_a_sample() -> None:
    unknown = {p for r in all_routes() for p in r.params if p not in SAMPLES}
    assert unknown == set(), f"add township-A samples for {unknown} to SAMPLES"


def test_every_write_route_has_a_payload() -> None:
    missing = {f"{m} {r.template}" for m, r in write_routes() if (m, r.template) not in WRITES}
    assert missing == set(), f"add a township-A payload for {missing} to WRITES (or the page to READ_ONLY)"
    stale = set(WRITES) - {(m, r.template) for m, r in write_routes()}
    assert stale == set(), f"WRITES names routes that no longer take these writes: {stale}"
    for method, route in payload_routes():
        assert method in route.writes, f"{route.template} takes no {method}"
