"""Issue 10, item 20: pages speak the page's language only (the command line keeps both),
the template's 选项 sheet is Chinese, amounts carry thousands separators on pages (never in
files or JSON), and no drop-down shows Django's ``---------``."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

import youfu
from youfu.accounts.services import do_issue_token
from youfu.core.templatetags.amounts import amount
from youfu.registry.columns import HEADER_OF
from youfu.registry.models import Beneficiary
from youfu.registry.template import registry_template
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.registry.tests.test_people_pages import create_data
from youfu.testing import World, log_in

# A valid-looking ID number whose check character is wrong (the right one is 5).
BAD_ID = "341199196005040000"
ZH_CHECK = "校验码不正确"
EN_CHECK = "check character"


def page(response: Any) -> str:
    return str(response.content.decode())


# --- errors in the page's language ------------------------------------------------------


@pytest.mark.django_db
class TestErrorsSpeakThePagesLanguage:
    def test_the_registry_form(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        data = create_data(world, id_number=BAD_ID)
        zh = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert ZH_CHECK in page(zh) and EN_CHECK not in page(zh)
        en = client.post("/registry/new/", data, HTTP_ACCEPT_LANGUAGE="en")
        assert EN_CHECK in page(en) and ZH_CHECK not in page(en)
        assert not Beneficiary.objects.exists()

    def test_the_registry_import_page(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        data = xlsx(table([person_row(id_number=BAD_ID)]))

        def post(language: str) -> str:
            upload = SimpleUploadedFile("名册.xlsx", data, content_type="application/octet-stream")
            return page(
                client.post(reverse("registry:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE=language)
            )

        zh, en = post("zh-hans"), post("en")
        assert 'data-testid="import-errors"' in zh and ZH_CHECK in zh and EN_CHECK not in zh
        assert 'data-testid="import-errors"' in en and EN_CHECK in en and ZH_CHECK not in en
        assert not Beneficiary.objects.exists()

    def test_the_api_answers_in_the_requests_language(self, world: World, client: Client) -> None:
        key, _ = do_issue_token(world.county_clerk, acting_user=world.county_clerk)
        data = xlsx(table([person_row(id_number=BAD_ID)]))
        for language, own, other in (("zh-hans", ZH_CHECK, EN_CHECK), ("en", EN_CHECK, ZH_CHECK)):
            upload = SimpleUploadedFile("名册.xlsx", data, content_type="application/octet-stream")
            response = client.post(
                "/api/v1/registry/imports",
                {"file": upload},
                HTTP_AUTHORIZATION=f"Bearer {key}",
                HTTP_ACCEPT_LANGUAGE=language,
            )
            assert response.status_code == 400
            error = response.json()["error"]
            row = error["rows"][0]
            assert own in row["message"] and other not in row["message"], language
            # Both languages stay available by name.
            assert ZH_CHECK in row["message_zh"] and EN_CHECK in row["message_en"]
            assert ("导入" in error["message"]) == (language == "zh-hans")

    def test_the_command_line_still_prints_both(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "people.xlsx"
        path.write_bytes(xlsx(table([person_row(id_number=BAD_ID)])))
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError) as failed:
            call_command("import-registry", str(path), "--as", "clerk", stdout=out, stderr=err)
        assert failed.value.returncode == 1
        assert ZH_CHECK in err.getvalue() and EN_CHECK in err.getvalue()
        out = StringIO()
        with pytest.raises(CommandError):
            call_command(
                "import-registry", str(path), "--as", "clerk", "--json", stdout=out, stderr=StringIO()
            )
        message = json.loads(out.getvalue())["errors"][0]["message"]
        assert ZH_CHECK in message and EN_CHECK in message and " / " in message


# --- the template's 选项 sheet -------------------------------------------------------------


def test_the_options_sheet_has_chinese_headers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(registry_template(["城关镇"])))
    headers = [c.value for c in book["选项"][1] if c.value]
    assert headers[:6] == ["性别", "户籍性质", "优抚类别", "伤残性质", "伤残等级", "民族"]
    assert "乡镇(街道)" in headers
    assert set(headers) <= set(HEADER_OF.values())
    assert all(not h.isascii() for h in headers)


# --- amounts --------------------------------------------------------------------------------


class TestTheAmountFilter:
    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (Decimal("12345.67"), "12,345.67"),
            (Decimal("1234567.005"), "1,234,567.01"),  # half-up, as the money rule
            (Decimal("-2500"), "-2,500.00"),
            (Decimal("999.5"), "999.50"),
            (100000, "100,000.00"),
            ("7000.5", "7,000.50"),
            (Decimal("0"), "0.00"),
        ],
    )
    def test_numbers(self, value: Any, shown: str) -> None:
        assert amount(value) == shown

    @pytest.mark.parametrize("value", [None, "", "—", "abc", Decimal("NaN"), Decimal("Infinity")])
    def test_anything_else_passes_through(self, value: Any) -> None:
        result = amount(value)
        assert result is value or result == value or (isinstance(value, Decimal) and result is value)

    def test_in_a_template(self) -> None:
        template = Template("{% load amounts %}{{ total|amount }} {{ missing|amount }}")
        assert template.render(Context({"total": Decimal("98765.40")})) == "98,765.40 "


@pytest.mark.django_db
def test_amounts_on_pages_have_separators_but_not_in_json(world: World, client: Client) -> None:
    from youfu.benefits.tests.helpers import setup_county

    setup_county(world)
    log_in(client, world.county_clerk)
    standards = page(client.get("/benefits/standards/"))
    assert "100,000.00" in standards and "7,000.50" in standards
    assert "100000.00" not in standards
    key, _ = do_issue_token(world.county_clerk, acting_user=world.county_clerk)
    listed = client.get("/api/v1/standards", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert listed.status_code == 200
    text = listed.content.decode()
    assert "100000" in text and "100,000" not in text


def test_every_amount_in_the_benefits_templates_is_formatted() -> None:
    """A new amount column added without the filter fails here."""
    templates = Path(youfu.__file__).parent / "benefits" / "templates" / "benefits"
    names = ("amount", "total", "arrears", ".due", ".paid", ".failed", ".difference", ".claimed", ".refunded")
    unformatted = []
    for path in sorted(templates.glob("*.html")):
        text = path.read_text()
        for chunk in text.split("{{")[1:]:
            expression = chunk.split("}}")[0].strip()
            if "|" in expression or not any(expression.endswith(n) or f"{n}." in expression for n in names):
                continue
            if expression.endswith(("_fen", "percent")) or expression in ("total", "arrears", "amount"):
                continue  # blocktranslate variables are formatted where they are bound
            unformatted.append(f"{path.name}: {expression}")
    assert unformatted == []


# --- drop-downs ---------------------------------------------------------------------------


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(youfu.__path__, "youfu."):
        leaf = module.name.rsplit(".", 1)[-1]
        if ".tests" in module.name or ".migrations" in module.name:
            continue
        if leaf.startswith(("forms", "views")):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    stack: list[type[forms.BaseForm]] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("youfu."):
                found.append(sub)
    return found


def test_no_dropdown_shows_djangos_dashes() -> None:
    classes = _all_form_classes()
    assert len(classes) > 20
    offenders = []
    for cls in classes:
        fields: dict[str, forms.Field] = getattr(cls, "base_fields", {})
        for name, field in fields.items():
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None and str(field.empty_label).strip("-") == "":
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
            elif isinstance(field, forms.ChoiceField):
                choices: Any = field.choices
                labels = [str(choice[1]) for choice in choices]
                if any(label and label.strip("-") == "" for label in labels):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []


@pytest.mark.django_db
def test_the_petition_register_form_says_choose(world: World, client: Client) -> None:
    log_in(client, world.county_clerk)
    zh = page(client.get("/petitions/new/"))
    assert "---------" not in zh and "请选择" in zh
    en = page(client.get("/petitions/new/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "---------" not in en and "— choose —" in en


@pytest.mark.django_db
def test_a_new_user_has_no_role_until_the_admin_chooses_one(world: World, client: Client) -> None:
    from youfu.accounts.models import User

    log_in(client, world.admin)
    form = page(client.get("/accounts/users/"))
    assert '<option value="" selected>请选择…</option>' in form and "---------" not in form
    data = {"username": "zhao", "region": world.county.code, "password": "river-stone-2026"}
    response = client.post("/accounts/users/", data)
    assert response.status_code == 200 and not User.objects.filter(username="zhao").exists()
    assert client.post("/accounts/users/", {**data, "role": "county_clerk"}).status_code == 302
