"""Exporting the registry: the template's columns, masking, the audit record, the page, the
API and the command, a fixed query count, and the round trip through the import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.test import Client

from youfu.accounts.models import User
from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.crypto import decrypt
from youfu.registry.categories import Category
from youfu.registry.columns import HEADERS
from youfu.registry.exporting import ExportRequest, export_to_file
from youfu.registry.models import (
    AnnualReview,
    Beneficiary,
    DeathPayee,
    DisabilityAssessment,
    Household,
    LifeEvent,
    Qualification,
    ReviewItem,
    Suspension,
)
from youfu.registry.services import do_add_qualification
from youfu.registry.tests.factories import id_number_for, qualification_data, register
from youfu.testing import World, log_in


@pytest.fixture
def people(world: World) -> dict[str, Beneficiary]:
    clerk = world.county_clerk
    zhang = register(
        clerk,
        world.village_a,
        (Category.DISABLED_VETERAN, Category.WAR_PARTICIPANT),
        name="张三",
        phone="13912345678",
        id_number=id_number_for(date(1950, 3, 1)),
        notes="老党员",
    )
    li = register(
        clerk,
        world.township_a,
        (),
        name="李四",
        male=False,
        residence="urban",
        phone="",
        bank_name="",
        bank_account="",
    )
    wang = register(clerk, world.village_b, (Category.MARTYR_SURVIVOR,), name="王五", ethnicity="回族")
    do_add_qualification(
        wang,
        qualification_data(
            Category.ELDERLY_RURAL_VETERAN,
            approved_on=date(2021, 6, 1),
            enlisted_on=date(1968, 3, 1),
            discharged_on=date(1973, 1, 1),
        ),
        acting_user=clerk,
    )
    return {"zhang": zhang, "li": li, "wang": wang}


def xlsx_rows(data: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def exported() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=EventType.PERSONAL_DATA_EXPORTED).order_by("seq"))


def by_name(rows: list[list[Any]]) -> dict[str, list[list[Any]]]:
    grouped: dict[str, list[list[Any]]] = {}
    for row in rows[1:]:
        grouped.setdefault(row[0], []).append(row)
    return grouped


@pytest.mark.django_db
class TestContent:
    def test_the_workbook_has_the_templates_columns_one_row_per_qualification(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        response = client.get("/registry/export/", {"format": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert 'attachment; filename="registry-' in response["Content-Disposition"]
        rows = xlsx_rows(body(response))
        assert rows[0] == HEADERS
        grouped = by_name(rows)
        assert {name: len(r) for name, r in grouped.items()} == {"张三": 2, "李四": 1, "王五": 2}
        zhang = people["zhang"]
        number = decrypt(zhang.id_number_encrypted)
        disabled = next(r for r in grouped["张三"] if r[9] == "残疾军人")
        assert disabled == [
            "张三",
            "男",
            number,
            "汉族",
            "1950-03-01",
            "农村",
            "城关镇",
            "柳湾村",
            "13912345678",
            "残疾军人",
            "因战",
            6,
            "2020-01-01",
            None,
            None,
            "农村商业银行",
            "6230000000000000001",
            "老党员",
        ]
        (li,) = grouped["李四"]
        assert li[:9] == [
            "李四",
            "女",
            decrypt(people["li"].id_number_encrypted),
            "汉族",
            "1950-03-01",
            "城镇",
            "城关镇",
            None,
            None,
        ]
        assert li[9:] == [None] * 9  # no qualification: the qualification columns stay empty
        elderly = next(r for r in grouped["王五"] if r[9] == "农村籍退役士兵")
        assert elderly[3] == "回族" and elderly[12:15] == ["2021-06-01", "1968-03-01", "1973-01-01"]

    def test_identifier_columns_are_text_in_the_workbook(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        data = body(client.get("/registry/export/", {"format": "xlsx"}))
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        id_cell, phone_cell, account_cell = sheet["C2"], sheet["I2"], sheet["Q2"]
        assert id_cell.data_type == "s" and id_cell.number_format == "@"
        assert phone_cell.number_format == "@" and account_cell.number_format == "@"
        assert sheet.freeze_panes == "A2"

    def test_csv_has_a_bom_and_the_same_rows(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        response = client.get("/registry/export/", {"format": "csv"})
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = csv_rows(body(response))
        assert rows[0] == HEADERS and len(rows) == 6
        xlsx = xlsx_rows(body(client.get("/registry/export/", {"format": "xlsx"})))
        as_text = [["" if v is None else str(v) for v in row] for row in xlsx]
        assert rows == as_text

    def test_a_township_clerk_gets_masked_identifiers_of_their_township(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.township_clerk)
        rows = csv_rows(body(client.get("/registry/export/", {"format": "csv"})))
        grouped = by_name(rows)
        assert set(grouped) == {"张三", "李四"}
        zhang = people["zhang"]
        row = grouped["张三"][0]
        assert row[2] == zhang.id_number_masked and row[16] == zhang.bank_account_masked
        assert decrypt(zhang.id_number_encrypted) not in "".join(",".join(r) for r in rows)
        (event,) = exported()
        assert event.extra["unmasked"] is False and event.extra["count"] == 2

    def test_the_page_export_follows_the_filters(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        response = client.get(
            "/registry/export/", {"format": "csv", "category": "martyr_survivor", "q": "ww"}
        )
        rows = csv_rows(body(response))
        assert [r[0] for r in rows[1:]] == ["王五", "王五"]  # the person, with all qualifications
        (event,) = exported()
        assert event.extra == {
            "filters": {"category": "martyr_survivor", "q": "ww"},
            "format": "csv",
            "count": 1,
            "unmasked": True,
        }
        assert event.actor_id == world.county_clerk.pk and event.channel == "web"

    def test_a_searched_id_number_is_masked_in_the_audit_record(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        number = decrypt(people["zhang"].id_number_encrypted)
        rows = csv_rows(body(client.get("/registry/export/", {"format": "csv", "q": number})))
        assert len(rows) == 3
        (event,) = exported()
        assert event.extra["filters"]["q"] == people["zhang"].id_number_masked
        assert number not in json.dumps(event.extra)

    def test_an_unknown_format_goes_back_to_the_list(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        log_in(client, world.county_clerk)
        response = client.get("/registry/export/", {"format": "pdf", "q": "zs"})
        assert response.status_code == 302 and response["Location"] == "/registry/?q=zs"
        assert exported() == []

    @pytest.mark.parametrize("persona", ["admin", "auditor"])
    def test_roles_without_personal_data_get_403(self, world: World, client: Client, persona: str) -> None:
        log_in(client, getattr(world, persona))
        assert client.get("/registry/export/").status_code == 403
        assert exported() == []


def bearer(user: User) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.django_db
class TestApi:
    def test_it_exports_with_filters(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        response = client.get(
            "/api/v1/beneficiaries/export",
            {"format": "csv", "township": world.township_a.code},
            **bearer(world.leader),
        )
        assert response.status_code == 200
        rows = csv_rows(body(response))
        assert sorted({r[0] for r in rows[1:]}) == ["张三", "李四"]
        assert rows[1][2] == decrypt(people["zhang"].id_number_encrypted)  # a leader may reveal
        (event,) = exported()
        assert event.channel == "api" and event.extra["filters"] == {"township": world.township_a.code}

    def test_the_default_is_a_workbook(
        self, world: World, client: Client, people: dict[str, Beneficiary]
    ) -> None:
        response = client.get("/api/v1/beneficiaries/export", **bearer(world.township_clerk))
        rows = xlsx_rows(body(response))
        assert rows[0] == HEADERS and len(rows) == 4
        assert exported()[0].extra["rows"] == 3

    def test_errors(self, world: World, client: Client) -> None:
        response = client.get("/api/v1/beneficiaries/export?format=pdf", **bearer(world.county_clerk))
        assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_format"
        response = client.get("/api/v1/beneficiaries/export?level=11", **bearer(world.county_clerk))
        assert response.status_code == 400 and "level" in response.json()["error"]["fields"]
        response = client.get("/api/v1/beneficiaries/export", **bearer(world.auditor))
        assert response.status_code == 403
        assert exported() == []


@pytest.mark.django_db
class TestCommand:
    def test_it_writes_the_file_and_prints_json(
        self, world: World, people: dict[str, Beneficiary], tmp_path: Path
    ) -> None:
        target = tmp_path / "registry.xlsx"
        out = io.StringIO()
        call_command("export-registry", "-o", str(target), "--as", "clerk", "--json", stdout=out)
        result = json.loads(out.getvalue())
        assert result == {
            "ok": True,
            "format": "xlsx",
            "people": 3,
            "rows": 5,
            "unmasked": True,
            "file": str(target),
        }
        assert len(xlsx_rows(target.read_bytes())) == 6
        assert not (tmp_path / "registry.xlsx.part").exists()
        (event,) = exported()
        assert event.channel == "cli" and event.actor_name == "clerk"

    def test_one_region_as_csv(self, world: World, people: dict[str, Beneficiary], tmp_path: Path) -> None:
        target = tmp_path / "village.csv"
        call_command(
            "export-registry",
            "-o",
            str(target),
            "--region",
            world.village_a.code,
            "--as",
            "township",
            stdout=io.StringIO(),
        )
        rows = csv_rows(target.read_bytes())
        assert [r[0] for r in rows[1:]] == ["张三", "张三"]
        assert rows[1][2] == people["zhang"].id_number_masked
        assert exported()[0].extra["filters"] == {"region": world.village_a.code}

    def test_refusals(self, world: World, people: dict[str, Beneficiary], tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="--as"):
            call_command("export-registry", "-o", str(tmp_path / "x.csv"), stdout=io.StringIO())
        with pytest.raises(CommandError, match="xlsx or csv"):
            call_command(
                "export-registry", "-o", str(tmp_path / "x.pdf"), "--as", "clerk", stdout=io.StringIO()
            )
        with pytest.raises(CommandError, match=world.village_b.code):
            call_command(
                "export-registry",
                "-o",
                str(tmp_path / "x.csv"),
                "--region",
                world.village_b.code,
                "--as",
                "township",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        with pytest.raises(CommandError):
            call_command(
                "export-registry", "-o", str(tmp_path / "x.csv"), "--as", "auditor", stdout=io.StringIO()
            )
        with pytest.raises(CommandError, match="Cannot write"):
            call_command(
                "export-registry",
                "-o",
                str(tmp_path / "missing" / "x.csv"),
                "--as",
                "clerk",
                stdout=io.StringIO(),
            )
        assert list(tmp_path.iterdir()) == [] and exported() == []


@pytest.mark.django_db
class TestScale:
    @pytest.mark.parametrize("size", [3, 30])
    def test_a_fixed_number_of_queries(
        self, world: World, tmp_path: Path, django_assert_num_queries: Any, size: int
    ) -> None:
        for n in range(size):
            categories = (Category.DISABLED_VETERAN, Category.WAR_PARTICIPANT) if n % 2 else ()
            register(
                world.county_clerk, world.village_a if n % 3 else world.township_b, categories, name=f"周{n}"
            )
        # count, people, their qualifications, and the audit record (chain head, insert, update)
        with django_assert_num_queries(8):
            result = export_to_file(world.county_clerk, tmp_path / "all.csv", ExportRequest())
        assert result.people == size


def wipe_registry() -> None:
    """An empty registry for the re-import (tests may delete; the application never does).
    Raw deletes: the collector would visit every app's relations, including tables that
    other apps add later."""
    for model in (
        ReviewItem,
        AnnualReview,
        DeathPayee,
        LifeEvent,
        Suspension,
        DisabilityAssessment,
        Qualification,
        Beneficiary,
        Household,
    ):
        model.objects.all()._raw_delete(using="default")


@pytest.mark.django_db
class TestRoundTrip:
    """An export (by a role that sees identifiers) re-imports into an empty registry unchanged."""

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_export_then_import_gives_the_same_export(
        self, world: World, client: Client, people: dict[str, Beneficiary], fmt: str
    ) -> None:
        from youfu.registry import importing

        # people["li"] holds no qualification: the export writes a row with the
        # qualification columns empty, and the import registers the person alone.
        log_in(client, world.county_clerk)
        first = body(client.get("/registry/export/", {"format": fmt}))
        before = snapshot()
        wipe_registry()
        result = importing.import_registry(first, f"registry.{fmt}", acting_user=world.county_clerk)
        assert result.persons_created == 3 and result.qualifications_created == 4
        second = body(client.get("/registry/export/", {"format": fmt}))
        read = xlsx_rows if fmt == "xlsx" else csv_rows
        assert read(second) == read(first)
        assert snapshot() == before


def snapshot() -> list[tuple[Any, ...]]:
    """What the template carries, read from the database."""
    rows = []
    for person in Beneficiary.objects.order_by("name").prefetch_related("qualifications"):
        rows.append(
            (
                person.name,
                person.sex,
                decrypt(person.id_number_encrypted),
                person.ethnicity,
                person.birth_date,
                person.residence,
                person.region_id,
                person.township_id,
                person.phone,
                person.bank_name,
                decrypt(person.bank_account_encrypted),
                person.notes,
                sorted(
                    (
                        q.category,
                        q.disability_cause,
                        q.disability_level,
                        q.approved_on,
                        q.enlisted_on,
                        q.discharged_on,
                    )
                    for q in person.qualifications.all()
                ),
            )
        )
    return rows
