"""Formula injection (issue 10, item 13): a name is checked by one rule at every entry, and every
export writes its other cells through the shared writer, so nothing runs as a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from youfu.core.errors import InvalidInput
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import id_number_for, register
from youfu.registry.tests.test_api_people import API, bearer, new_person, post
from youfu.registry.tests.test_import import rejected
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.registry.validation import Invalid, parse_name
from youfu.testing import World, log_in

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(A1)", "=cmd|' /C calc'!A0"]


class TestTheNameRule:
    @pytest.mark.parametrize("name", [*FORMULAS, "张三(已故)", "李四1", "<b>王五</b>", "张三;"])
    def test_it_refuses_what_is_not_a_name(self, name: str) -> None:
        with pytest.raises(Invalid):
            parse_name(name)

    @pytest.mark.parametrize(
        "name", ["张三", "欧阳小明", "阿依古丽·买买提", "𠮷野", "李〇", "John Smith", "O'Neil", "张　三"]
    )
    def test_it_takes_real_names(self, name: str) -> None:
        assert parse_name(name) == " ".join(name.replace("\u3000", " ").split())


@pytest.mark.django_db
class TestEveryEntry:
    def test_the_api_create_and_patch(self, world: World, client: Client) -> None:
        response = post(client, API, new_person(world, name=FORMULAS[0]), world.township_clerk)
        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]
        assert not Beneficiary.objects.exists()
        person = register(world.township_clerk, world.village_a, name="张三")
        response = client.patch(
            f"{API}/{person.pk}",
            {"name": "@SUM(A1)"},
            content_type="application/json",
            **bearer(world.township_clerk),
        )
        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]
        person.refresh_from_db()
        assert person.name == "张三"

    def test_the_edit_form(self, world: World, client: Client) -> None:
        person = register(world.township_clerk, world.village_a, name="张三")
        log_in(client, world.township_clerk)
        response = client.post(
            f"/registry/{person.pk}/edit/",
            {"name": "=1+1", "residence": "rural", "phone": "13800000000"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "name" in response.context["form"].errors
        person.refresh_from_db()
        assert person.name == "张三"

    def test_the_import(self, world: World) -> None:
        exc = rejected(world, xlsx(table([person_row(姓名="=1+1"), person_row(姓名="李四")])))
        assert {(e.row, e.column) for e in exc.errors} == {(2, "姓名")}

    def test_a_death_payee(self, world: World, client: Client) -> None:
        person = register(world.township_clerk, world.village_a, name="张三")
        log_in(client, world.township_clerk)
        response = client.post(
            f"/registry/{person.pk}/life-events/new/",
            {
                "kind": "death",
                "effective_on": "2024-05-01",
                "payee_name": "+HYPERLINK(1)",
                "payee_id_number": id_number_for(),
                "payee_bank_name": "中国农业银行",
                "payee_bank_account": "6210000000000000123",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        person.refresh_from_db()
        assert person.status == "alive"

    def test_a_lump_sum_payee(self) -> None:
        from youfu.benefits.api import clean_payee

        with pytest.raises(InvalidInput) as info:
            clean_payee(
                {
                    "name": "-2+3",
                    "id_number": id_number_for(),
                    "bank_name": "中国农业银行",
                    "bank_account": "6210000000000000123",
                }
            )
        assert "name" in info.value.fields


def _export(client: Client, fmt: str) -> bytes:
    response = client.get("/registry/export/", {"format": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
class TestExports:
    @pytest.fixture
    def people(self, world: World) -> list[Beneficiary]:
        # Texts written before names were checked, or free text: the export must hold them as data.
        return [
            register(world.county_clerk, world.village_a, name=FORMULAS[0], notes="@SUM(A1)"),
            register(world.county_clerk, world.village_a, name="李四", notes="-3+4", phone="13800000001"),
        ]

    def test_the_csv_export(self, world: World, client: Client, people: Any) -> None:
        log_in(client, world.county_clerk)
        data = _export(client, "csv")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert "'" + FORMULAS[0] in cells and "'@SUM(A1)" in cells and "'-3+4" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
        assert not any(cell.startswith("-") and not cell[1:].replace(".", "").isdigit() for cell in cells)

    def test_the_xlsx_export(self, world: World, client: Client, people: Any) -> None:
        log_in(client, world.county_clerk)
        sheet = openpyxl.load_workbook(io.BytesIO(_export(client, "xlsx"))).active
        assert sheet is not None
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells)
        values = {c.value for c in cells}
        assert {FORMULAS[0], "@SUM(A1)", "-3+4"} <= values  # the text itself, as text
