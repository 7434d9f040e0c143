"""POST /api/v1/registry/imports and GET /api/v1/registry/imports/template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.registry.models import Beneficiary
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.testing import World

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/imports"


def bearer(user: User) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def upload(data: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_it_imports_and_answers_the_counts(world: World, client: Client) -> None:
    response = client.post(URL, {"file": upload(xlsx(table([person_row()])))}, **bearer(world.county_clerk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True and body["persons_created"] == 1 and body["errors"] == []
    assert Beneficiary.objects.count() == 1


def test_dry_run_as_query_or_form_field(world: World, client: Client) -> None:
    auth = bearer(world.county_clerk)
    data = xlsx(table([person_row()]))
    response = client.post(URL + "?dry_run=true", {"file": upload(data)}, **auth)
    assert response.status_code == 200 and response.json()["dry_run"] is True
    response = client.post(URL, {"file": upload(data), "dry_run": "1"}, **auth)
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert Beneficiary.objects.count() == 0


def test_a_rejected_file_is_a_400_with_the_rows(world: World, client: Client) -> None:
    auth = bearer(world.county_clerk)
    events = AuditEvent.objects.count()
    data = xlsx(table([person_row(), person_row(优抚类别="残疾军人", 伤残性质="因病", 伤残等级="七级")]))
    response = client.post(URL, {"file": upload(data)}, **auth)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert [(r["row"], r["column"]) for r in error["rows"]] == [(3, "伤残等级")]
    assert "warnings" in error
    assert Beneficiary.objects.count() == 0
    # Only the refused file's own trace (issue 10, item 16): its rows and outcome.
    (check,) = AuditEvent.objects.filter(seq__gt=events)
    assert check.event_type == EventType.REGISTRY_IMPORT_CHECKED
    assert (check.extra["outcome"], check.extra["rows"], check.extra["errors"]) == ("rejected", 2, 1)


def test_unreadable_files_and_forbidden_users(world: World, client: Client) -> None:
    response = client.post(
        URL, {"file": upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls")}, **bearer(world.county_clerk)
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unsupported_file"
    response = client.post(URL, {"file": upload(xlsx(table([person_row()])))}, **bearer(world.auditor))
    assert response.status_code == 403
    assert client.post(URL, {"file": upload(b"x")}).status_code == 401


def test_the_template(world: World, client: Client) -> None:
    response = client.get(URL + "/template", **bearer(world.township_clerk))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.active.cell(row=1, column=3).value == "公民身份号码"
    assert client.get(URL + "/template", **bearer(world.auditor)).status_code == 403
