"""The auditor reads the log, not the registry (issue 10, items 11 and 20): audit records hold
field names, ids and masked values; older events are masked when shown, and their rows (and
the chain over them) stay as written."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client

from youfu.audit import services as audit_services
from youfu.audit.events import EventType
from youfu.audit.masking import (
    describe_changes,
    mask_birth_date,
    mask_event_values,
    mask_name,
    mask_phone,
)
from youfu.audit.models import AuditEvent
from youfu.audit.services import record_event
from youfu.audit.verify import verify_chain
from youfu.core.crypto import decrypt
from youfu.registry.models import Beneficiary
from youfu.registry.services import do_record_life_event, do_update_beneficiary
from youfu.registry.tests.factories import register
from youfu.testing import World, log_in

PERSONAL = ("张三丰", "13912345678", "1950-03-01", "住在东门外老屋", "6230000000000000001", "中国农业银行")


class TestMaskingRules:
    def test_names_phones_and_birth_dates(self) -> None:
        assert mask_name("张三") == "张*"
        assert mask_name("欧阳小明") == "欧***"
        assert mask_name("张") == "张*"
        assert mask_phone("13812345678") == "138****5678"
        assert mask_phone("0551-1234567") == "********4567"
        assert mask_birth_date("1950-03-01") == "1950-**-**"
        assert mask_birth_date(date(1950, 3, 1)) == "1950-**-**"

    def test_masking_twice_changes_nothing(self) -> None:
        person: dict[str, Any] = {
            "name": "张三丰",
            "phone": "13912345678",
            "birth_date": "1950-03-01",
            "notes": "住在东门外老屋",
            "bank_name": "中国农业银行",
            "bank_account": "6230000000000000001",
            "id_number": "341199195003010490",
            "sex": "male",
            "region": "341199100201",
        }
        once = mask_event_values(EventType.BENEFICIARY_CREATED, None, person, {})
        twice = mask_event_values(EventType.BENEFICIARY_CREATED, None, once.new, once.extra)
        assert once == twice
        assert once.new == {
            "name": "张**",
            "phone": "139****5678",
            "birth_date": "1950-**-**",
            "notes": "(given)",
            "bank_name": "(given)",
            "bank_account": "***************0001",
            "id_number": "341199********0490",
            "sex": "male",
            "region": "341199100201",
        }

    def test_staff_and_reference_data_are_shown_as_written(self) -> None:
        region = mask_event_values(EventType.REGION_CHANGED, {"name": "城关镇"}, {"name": "城关街道"}, {})
        assert (region.old, region.new) == ({"name": "城关镇"}, {"name": "城关街道"})
        user = mask_event_values(EventType.USER_CHANGED, None, {"full_name": "王经办"}, {})
        assert user.new == {"full_name": "王经办"}


@pytest.mark.django_db
class TestWhatIsWritten:
    def test_registering_editing_and_life_events_write_no_personal_data(self, world: World) -> None:
        person = register(
            world.county_clerk,
            world.village_a,
            name="张三丰",
            birth_date=date(1950, 3, 1),
            phone="13912345678",
            notes="住在东门外老屋",
        )
        do_update_beneficiary(
            person, acting_user=world.county_clerk, name="张三峰", phone="13800001111", notes="改了备注"
        )
        do_record_life_event(
            person, "phone_change", date(2024, 1, 2), acting_user=world.county_clerk, phone="13700002222"
        )
        do_record_life_event(
            person,
            "bank_change",
            date(2024, 1, 3),
            acting_user=world.county_clerk,
            bank_name="中国农业银行",
            bank_account="6228480000000000777",
        )
        number = decrypt(Beneficiary.objects.get(pk=person.pk).id_number_encrypted)
        events = list(AuditEvent.objects.order_by("seq"))
        assert len(events) == 4
        text = str([(e.old, e.new, e.extra) for e in events])
        for value in (
            "张三丰",
            "张三峰",
            "13912345678",
            "13800001111",
            "13700002222",
            "1950-03-01",
            "住在东门外老屋",
            "改了备注",
            "中国农业银行",
            "6228480000000000777",
            number,
        ):
            assert value not in text, value
        created, changed, phone, bank = events
        assert created.new is not None and created.new["name"] == "张**"
        assert created.new["birth_date"] == "1950-**-**" and created.new["notes"] == "(given)"
        assert changed.old == {"name": "张**", "phone": "139****5678", "notes": "(changed)"}
        assert phone.new is not None and (phone.new["old"], phone.new["new"]) == (
            "138****1111",
            "137****2222",
        )
        assert (
            bank.new is not None and bank.new["new"].endswith("0777") and bank.new["bank_name"] == "(given)"
        )
        # Ids and field names stay, for the auditor to follow.
        assert created.object_id == str(person.pk) and bank.new["beneficiary"] == person.pk


def _raw_event(world: World, person: Beneficiary) -> AuditEvent:
    """An event as written before values were masked at the source."""
    return record_event(
        EventType.BENEFICIARY_CHANGED,
        actor=world.county_clerk,
        region=person.region_id,
        obj=person,
        old={"name": "张三丰", "phone": "13912345678", "birth_date": "1950-03-01", "notes": "住在东门外老屋"},
        new={"name": "张三峰", "phone": "13800001111", "birth_date": "1950-03-02", "notes": "=HYPERLINK(1)"},
        extra={"bank_name": "中国农业银行", "bank_account": "6230000000000000001"},
    )


@pytest.fixture
def old_event(world: World, monkeypatch: pytest.MonkeyPatch) -> AuditEvent:
    person = register(world.county_clerk, world.village_a)
    with monkeypatch.context() as patch:
        patch.setattr(
            audit_services,
            "mask_event_values",
            lambda t, old, new, extra: type("Raw", (), {"old": old, "new": new, "extra": extra})(),
        )
        event = _raw_event(world, person)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.old is not None and stored.old["name"] == "张三丰"  # the row holds clear values
    return stored


@pytest.mark.django_db
class TestOlderEventsAreMaskedWhenShown:
    def test_the_page_shows_field_old_new_in_chinese_masked(
        self, world: World, client: Client, old_event: AuditEvent
    ) -> None:
        log_in(client, world.auditor)
        page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for value in PERSONAL:
            assert value not in page, value
        assert "姓名: 张** → 张**" in page
        assert "联系电话: 139****5678 → 138****1111" in page
        assert "出生日期: 1950-**-** → 1950-**-**" in page
        assert "备注: （已更改）" in page
        assert "开户银行: （已填写）" in page
        assert "{&#x27;" not in page and "{'" not in page  # no Python dicts

    def test_the_csv_and_the_api_mask_them_too(
        self, world: World, client: Client, old_event: AuditEvent
    ) -> None:
        log_in(client, world.auditor)
        response = client.get("/audit/export.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
        body = b"".join(response.streaming_content).decode("utf-8")
        api = client.get("/api/v1/audit/events").content.decode("utf-8")
        for text in (body, api):
            for value in PERSONAL:
                assert value not in text, value
        rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
        row = next(r for r in rows if r["seq"] == str(old_event.seq))
        assert "联系电话: 139****5678 → 138****1111" in row["changes"]
        assert '"phone": "139****5678"' in row["old"]

    def test_the_rows_and_the_chain_are_untouched(self, old_event: AuditEvent) -> None:
        assert AuditEvent.objects.get(pk=old_event.pk).old == old_event.old
        result = verify_chain()
        assert result.ok and result.checked >= 2


@pytest.mark.django_db
class TestAuditCsvIsData:
    def test_a_cell_that_looks_like_a_formula_is_neutralised(self, world: World, client: Client) -> None:
        # Issue 10, item 13: the audit CSV goes through the shared writer.
        record_event(
            EventType.DEPARTMENT_CREATED,
            actor=world.admin,
            object_type='=HYPERLINK("http://evil","x")',
            object_id="@SUM(A1)",
        )
        log_in(client, world.auditor)
        body = b"".join(client.get("/audit/export.csv").streaming_content).decode("utf-8")
        (row,) = [r for r in csv.reader(io.StringIO(body.lstrip("\ufeff"))) if "HYPERLINK" in str(r)]
        assert '\'=HYPERLINK("http://evil","x")' in row and "'@SUM(A1)" in row
        assert not any(cell.startswith(("=", "@", "+")) for cell in row)


class TestDescribeChanges:
    def test_labels_are_translated_and_dicts_become_lines(self) -> None:
        from django.utils import translation

        with translation.override("zh-hans"):
            lines = describe_changes(
                EventType.REGISTRY_IMPORTED, None, None, {"rows": 3, "beneficiary_ids": [[1, 3], [7, 7]]}
            )
        assert [str(line) for line in lines] == ["行数: 3", "登记的编号: 1–3、7"]
