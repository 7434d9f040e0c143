"""The upload page, the annotated error file (for the uploader only) and the template."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.registry.importing import ERROR_HEADER
from youfu.registry.models import Beneficiary
from youfu.registry.tests.test_import_helpers import csv_bytes, person_row, table, xlsx
from youfu.testing import World, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: LazySettings, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def post(client: Client, data: bytes, name: str = "名册.xlsx", **flags: str) -> object:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("registry:import"), {"file": upload, **flags})


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_form(world: World, client: Client) -> None:
    log_in(client, world.township_clerk)
    page = client.get(reverse("registry:import"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'type="file"' in page and 'name="dry_run"' in page and 'name="update"' in page
    assert reverse("registry:import_template") in page


def test_an_import_shows_counts_and_warnings(world: World, client: Client) -> None:
    log_in(client, world.township_clerk)
    cells = table([person_row(), person_row(姓名="李四")], [*table([])[0], "照片"])
    response = post(client, xlsx(cells))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-result"' in page and 'data-testid="import-warnings"' in page
    assert response.context["result"].persons_created == 2
    assert "照片" in page
    assert Beneficiary.objects.count() == 2


def test_a_dry_run(world: World, client: Client) -> None:
    log_in(client, world.township_clerk)
    response = post(client, xlsx(table([person_row()])), dry_run="on")
    assert response.context["result"].dry_run is True
    assert Beneficiary.objects.count() == 0


def test_a_rejected_file_lists_the_rows_and_gives_the_file_back_to_its_uploader_only(
    world: World, client: Client
) -> None:
    log_in(client, world.township_clerk)
    data = xlsx(table([person_row(), person_row(**{"乡镇(街道)": "东岭镇", "村(社区)": "石桥村"})]))
    response = post(client, data)
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "乡镇(街道)")]
    assert Beneficiary.objects.count() == 0
    token = response.context["token"]
    url = reverse("registry:import_errors", kwargs={"token": token})
    assert url in page

    download = client.get(url)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(body(download))).active
    width = len(table([])[0])
    assert sheet.cell(row=1, column=width + 1).value == ERROR_HEADER
    assert "乡镇(街道)" in sheet.cell(row=3, column=width + 1).value
    assert sheet.cell(row=2, column=width + 1).value is None
    assert AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).count() == 1

    for other in (world.other_township_clerk, world.county_clerk):
        client.logout()
        log_in(client, other)
        assert client.get(url).status_code == 404
    for guess in ("..%2F..%2Fsecret_key", "0" * 32, token.upper()):
        assert client.get(f"/registry/imports/errors/{guess}/").status_code == 404


def test_a_rejected_csv_comes_back_as_csv(world: World, client: Client) -> None:
    log_in(client, world.county_clerk)
    response = post(client, csv_bytes(table([person_row(性别="女")]), "gbk"), "名册.csv")
    download = client.get(reverse("registry:import_errors", kwargs={"token": response.context["token"]}))
    text = body(download).decode("gb18030")
    assert text.splitlines()[0].endswith(ERROR_HEADER)
    assert "性别" in text.splitlines()[1]
    assert download["Content-Disposition"].endswith(".csv") or ".csv" in download["Content-Disposition"]


def test_an_unreadable_file_is_a_form_error(world: World, client: Client) -> None:
    log_in(client, world.county_clerk)
    response = post(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old.xls")
    assert response.context["form"].errors["file"]


def test_the_template_download(world: World, client: Client) -> None:
    log_in(client, world.township_clerk)
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book["优抚对象"]
    headers = [c.value for c in sheet[1]]
    assert headers == table([])[0]
    id_column = headers.index("公民身份号码") + 1
    assert sheet.cell(row=2, column=id_column).number_format == "@"
    assert sheet.cell(row=2, column=headers.index("银行账号") + 1).number_format == "@"
    lists = {str(v.formula1): str(v.sqref) for v in sheet.data_validations.dataValidation}
    assert len(lists) >= 6
    options = book["选项"]
    assert options.sheet_state == "hidden"
    townships = [c.value for c in options["G"][1:] if c.value]
    assert townships == ["城关镇"]


def test_the_template_imports_once_filled_in(world: World, client: Client) -> None:
    log_in(client, world.county_clerk)
    book = openpyxl.load_workbook(io.BytesIO(body(client.get(reverse("registry:import_template")))))
    sheet = book["优抚对象"]
    row = person_row()
    for column, header in enumerate(table([])[0], start=1):
        sheet.cell(row=2, column=column, value=row[header] or None)
    out = io.BytesIO()
    book.save(out)
    response = post(client, out.getvalue())
    assert response.context["result"].persons_created == 1
    assert response.context["result"].warnings == []


def test_only_writers_see_the_page(world: World, client: Client) -> None:
    for user in (world.auditor, world.leader, world.admin):
        client.logout()
        log_in(client, user)
        assert client.get(reverse("registry:import")).status_code == 403
        assert client.get(reverse("registry:import_template")).status_code == 403
    client.logout()
    assert client.get(reverse("registry:import")).status_code == 302
