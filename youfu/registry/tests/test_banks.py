"""开户银行 is a bank from the maintained list (issue 10, item 7): what clerks write is folded onto
it wherever people are registered or their bank changes, a bank not on it is refused on its row,
and the names recorded before the list are folded by a migration that loses nothing."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from youfu.accounts.services import do_issue_token
from youfu.core.banks import bank_key, normalize_bank
from youfu.registry.importing import RegistryImportRejected, import_registry
from youfu.registry.models import Beneficiary
from youfu.registry.tests.factories import register
from youfu.registry.tests.test_import_helpers import person_row, table, xlsx
from youfu.registry.validation import Invalid, parse_bank
from youfu.testing import World


@pytest.mark.parametrize(
    ("written", "bank"),
    [
        ("农行城关支行", "中国农业银行"),
        ("中国农业银行青山县支行", "中国农业银行"),
        ("农行（城关支行）", "中国农业银行"),
        ("工行", "中国工商银行"),
        ("icbc", "中国工商银行"),
        ("中国工商银行股份有限公司青山支行", "中国工商银行"),
        ("中行城关支行", "中国银行"),
        ("建行", "中国建设银行"),
        ("交行", "交通银行"),
        ("邮政", "中国邮政储蓄银行"),
        ("邮储银行城关营业所", "中国邮政储蓄银行"),
        ("农商行", "农村商业银行"),
        ("信用社", "农村商业银行"),
        ("青山县农村信用合作联社城关信用社", "农村商业银行"),
        ("安徽青山农村商业银行股份有限公司城关支行", "农村商业银行"),
        ("青山村镇银行", "村镇银行"),
        ("ＣＣＢ", "中国建设银行"),
    ],
)
def test_what_clerks_write_is_folded_onto_the_list(written: str, bank: str) -> None:
    assert normalize_bank(written) == bank
    assert parse_bank(written) == bank


@pytest.mark.parametrize("written", ["某某银行", "城关支行", "中国农业发展银行", "银行", "农"])
def test_a_bank_not_on_the_list_is_refused(written: str) -> None:
    assert normalize_bank(written) is None
    with pytest.raises(Invalid) as refused:
        parse_bank(written)
    assert "中国农业银行" in refused.value.message.zh and written in refused.value.message.zh
    assert bank_key(written) == written  # an old record's name groups as itself, never merged


@pytest.mark.django_db
def test_the_import_stores_the_bank_and_refuses_an_unknown_one_on_its_row(world: World) -> None:
    rows = [person_row(姓名="张三", 开户银行="农行城关支行")]
    import_registry(xlsx(table(rows)), "名册.xlsx", acting_user=world.county_clerk)
    assert Beneficiary.objects.get(name="张三").bank_name == "中国农业银行"
    with pytest.raises(RegistryImportRejected) as refused:
        import_registry(
            xlsx(table([person_row(姓名="王五", 开户银行="某某银行", 银行账号="6230000000000000077")])),
            "名册.xlsx",
            acting_user=world.county_clerk,
        )
    assert {(e.row, e.column) for e in refused.value.errors} == {(2, "开户银行")}
    assert not Beneficiary.objects.filter(name="王五").exists()


@pytest.mark.django_db
def test_a_bank_change_through_the_api_is_folded_or_refused(world: World, client: Client) -> None:
    person = register(world.county_clerk, world.village_a, name="赵六")
    key, _ = do_issue_token(world.county_clerk, acting_user=world.county_clerk)
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = f"/api/v1/beneficiaries/{person.pk}/life-events"
    body = {"kind": "bank_change", "effective_on": "2024-05-01", "bank_account": "6210000000000000999"}
    refused = client.post(url, {**body, "bank_name": "某某银行"}, content_type="application/json", **auth)
    assert refused.status_code == 400 and "bank_name" in refused.json()["error"]["fields"]
    assert Beneficiary.objects.get(pk=person.pk).bank_name == "农村商业银行"
    done = client.post(
        url, {**body, "bank_name": "邮储银行城关营业所"}, content_type="application/json", **auth
    )
    assert done.status_code == 201, done.content
    assert Beneficiary.objects.get(pk=person.pk).bank_name == "中国邮政储蓄银行"


@pytest.mark.django_db
def test_the_migration_folds_old_names_and_keeps_the_unknown_as_written(world: World) -> None:
    migration = import_module("youfu.registry.migrations.0003_normalise_bank_names")
    known = register(world.county_clerk, world.village_a, name="甲")
    unknown = register(world.county_clerk, world.village_a, name="乙")
    Beneficiary.objects.filter(pk=known.pk).update(bank_name="农行城关支行")
    Beneficiary.objects.filter(pk=unknown.pk).update(bank_name="青山合作银行")
    migration.normalise(apps, None)
    assert Beneficiary.objects.get(pk=known.pk).bank_name == "中国农业银行"
    assert Beneficiary.objects.get(pk=unknown.pk).bank_name == "青山合作银行"
