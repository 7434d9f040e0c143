"""Batches recompute what changed, not the county's history: the marks each change writes,
what a batch recomputes from them, and ``youfu reconcile --full`` (the oracle)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import Client

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits import changes, engine
from youfu.benefits.models import Batch, BatchLine, RecomputeMark
from youfu.benefits.services import (
    do_create_batch,
    do_discard_batch,
    do_schedule_one_off,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import (
    BASE_STANDARDS,
    at,
    csv_bytes,
    pay_month,
    person,
    setup_county,
    standards_in_force,
    topup_in_force,
)
from youfu.registry.categories import Category
from youfu.registry.models import LifeEventKind
from youfu.registry.services import do_record_life_event, do_update_beneficiary
from youfu.testing import World, api_post, log_in, run_command

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
DISABLED = {
    "category": Category.DISABLED_VETERAN,
    "approved_on": date(2020, 1, 1),
    "disability_cause": "combat",
    "disability_level": 6,
}


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 1, 2), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 1, 1))
    yield world


def marks(**filters: object) -> list[tuple[int | None, str, int, str]]:
    return list(
        RecomputeMark.objects.filter(**filters)
        .order_by("pk")
        .values_list("beneficiary_id", "category", "since", "reason")
    )


def test_each_change_marks_the_months_it_can_reach(county: World) -> None:
    with time_machine.travel(at(2026, 5, 20), tick=False):
        someone = person(county, WAR)
        assert marks(beneficiary=someone) == [(someone.pk, "", 0, "registered")]
        RecomputeMark.objects.all().delete()
        q = someone.qualifications.get()
        clerk = county.county_clerk
        do_record_life_event(
            someone, LifeEventKind.SUSPENSION, date(2026, 3, 9), acting_user=clerk, qualification=q
        )
        do_record_life_event(
            someone, LifeEventKind.SUSPENSION_END, date(2026, 4, 2), acting_user=clerk, qualification=q
        )
        do_record_life_event(
            someone, LifeEventKind.PHONE_CHANGE, date(2026, 5, 1), acting_user=clerk, phone="1"
        )
        do_update_beneficiary(someone, acting_user=clerk, residence="urban")
        do_record_life_event(someone, LifeEventKind.DEATH, date(2026, 2, 14), acting_user=clerk)
        assert marks(beneficiary=someone) == [
            (someone.pk, "", 202603, "suspension"),
            (someone.pk, "", 202603, "suspension_end"),  # from the suspension's start
            (someone.pk, "", 0, "residence"),  # a residence has no date: every month
            (someone.pk, "", 202602, "death"),
        ]  # a phone changes nothing that is due
        assert {m.county_id for m in RecomputeMark.objects.all()} == {county.county.code}


def test_money_parameters_mark_every_holder_of_what_they_set(county: World) -> None:
    RecomputeMark.objects.all().delete()
    with time_machine.travel(at(2026, 5, 20), tick=False):
        raised = [r for r in BASE_STANDARDS if r[0] == "参战退役人员"]
        standards_in_force(
            county, csv_bytes([[*raised[0][:4], "6600", "2026-02-01", ""]]), filename="raise.csv"
        )
        topup_in_force(county, "10", date(2026, 3, 1))
        do_update_benefit_settings(acting_user=county.admin, allowance_month=10)
    assert marks() == [
        (None, Category.WAR_PARTICIPANT.value, 202602, "standards"),
        (None, "", 202603, "topup"),
        (None, Category.CONSCRIPT_FAMILY.value, 0, "allowance_month"),
    ]


def test_a_quiet_month_recomputes_the_new_month_only(county: World) -> None:
    for n in range(3):
        person(county, WAR, name=f"甲{n}")
    pay_month(county, "2026-01")
    pay_month(county, "2026-02")
    with time_machine.travel(at(2026, 3, 5), tick=False):
        batch = do_create_batch(date(2026, 3, 1), acting_user=county.county_clerk)
    plan = _plan_of(batch)
    assert plan["mode"] == "changes"
    assert set(plan["from"].values()) == {202603}
    assert batch.items == 3 and batch.arrears_fen == 0


def test_a_raise_reaching_back_recomputes_its_category_from_its_date(county: World) -> None:
    war = person(county, WAR, name="参战")
    disabled = person(county, DISABLED, name="伤残")
    pay_month(county, "2026-01")
    pay_month(county, "2026-02")
    pay_month(county, "2026-03")
    with time_machine.travel(at(2026, 3, 20), tick=False):
        raised = [r for r in BASE_STANDARDS if r[0] == "参战退役人员"]
        standards_in_force(
            county, csv_bytes([[*raised[0][:4], "7200", "2026-02-01", ""]]), filename="raise.csv"
        )
    batch = pay_month(county, "2026-04")
    plan = _plan_of(batch)
    assert plan["from"]["living_subsidy"] == 202602
    assert plan["from"]["lump_sum_living_subsidy"] == 202602
    assert plan["from"]["disability_pension"] == 202604
    # 7,200 × 1.08 / 12 = 648.00 a month, 540.00 paid: 108.00 more for February and March.
    arrears = batch.items - 2
    assert arrears == 2 and batch.arrears_fen == 2 * 10800
    assert war.pk and disabled.pk


def test_a_line_the_bank_did_not_pay_is_recomputed_from_its_first_month(county: World) -> None:
    someone = person(county, WAR)
    other = person(county, WAR, name="乙")
    pay_month(county, "2026-01")
    pay_month(county, "2026-02", failed={someone.pk: "账户冻结"})
    batch = pay_month(county, "2026-03")
    assert batch.arrears_fen == 54000  # February again
    assert batch.persons == 2 and other.pk


def test_a_discarded_batch_gives_its_marks_back(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-01")
    with time_machine.travel(at(2026, 1, 20), tick=False):
        do_record_life_event(
            someone,
            LifeEventKind.SUSPENSION,
            date(2026, 1, 1),
            acting_user=county.county_clerk,
            qualification=someone.qualifications.get(),
        )
    with time_machine.travel(at(2026, 2, 5), tick=False):
        draft = do_create_batch(date(2026, 2, 1), acting_user=county.county_clerk)
        assert RecomputeMark.objects.filter(batch=draft).count() == 1
        assert draft.recoveries == 1
        do_discard_batch(draft, acting_user=county.county_clerk)
        assert RecomputeMark.objects.filter(batch__isnull=True).count() == 1
        again = do_create_batch(date(2026, 2, 1), acting_user=county.county_clerk)
    assert again.recoveries == 1  # January is still claimed back


def test_one_off_payments_are_marked(county: World) -> None:
    someone = person(county, WAR)
    pay_month(county, "2026-01")
    with time_machine.travel(at(2026, 1, 20), tick=False):
        do_schedule_one_off(
            someone, kind="relief", amount_fen=30000, reference="relief:1", acting_user=county.county_clerk
        )
    assert marks(reason="one_off") == [(someone.pk, "", 202602, "one_off")]


def _plan_of(batch: Batch) -> dict[str, object]:
    event = AuditEvent.objects.get(event_type=EventType.BATCH_CREATED, object_id=str(batch.pk))
    return dict(event.extra["recomputed"])


# --- the oracle -------------------------------------------------------------------------------


def _paid_three_months(county: World) -> None:
    for n in range(4):
        person(county, WAR if n % 2 else DISABLED, name=f"丙{n}")
    for month in ("2026-01", "2026-02", "2026-03"):
        pay_month(county, month)


def test_reconcile_agrees_and_exits_0(county: World) -> None:
    _paid_three_months(county)
    with time_machine.travel(at(2026, 3, 20), tick=False):
        code, out, err = run_command("reconcile", "--full", "--json", "--as", "clerk")
    assert code == 0, err
    result = json.loads(out)
    assert result["agree"] is True and result["differences"] == 0 and result["listed"] == []
    assert result["checked"] == "next" and result["batch"] is None and result["period"] == "2026-04"
    assert result["items"] == {"batch": 4, "full": 4}
    assert result["total"]["batch"] == result["total"]["full"]
    # Nothing was written but the audit record: the county's next batch does not exist.
    assert not Batch.objects.filter(period=date(2026, 4, 1)).exists()
    assert AuditEvent.objects.filter(event_type=EventType.BATCH_RECONCILED).count() == 1
    latest = Batch.objects.get(period=date(2026, 3, 1))
    with time_machine.travel(at(2026, 3, 20), tick=False):
        code, out, _ = run_command("reconcile", "--full", "--batch", str(latest.pk), "--as", "clerk")
    assert code == 0 and "agree" in out


def test_reconcile_lists_a_change_made_behind_the_services_back_and_exits_1(county: World) -> None:
    _paid_three_months(county)
    someone = Batch.objects.get(period=date(2026, 3, 1))
    with connection.cursor() as cursor:  # a death written by raw SQL: no service, no mark
        cursor.execute(
            "UPDATE registry_beneficiary SET death_date = %s, status = 'deceased' WHERE name = %s",
            ["2026-01-10", "丙1"],
        )
    with time_machine.travel(at(2026, 3, 20), tick=False):
        code, out, _ = run_command("reconcile", "--full", "--json", "--as", "clerk")
    assert code == 1
    result = json.loads(out)
    assert result["agree"] is False
    assert {(d["kind"], d["month"]) for d in result["listed"]} == {
        ("recovery", "2026-02"),
        ("recovery", "2026-03"),
    }
    assert all(d["batch"] is None and d["full"]["amount"] == "540.00" for d in result["listed"])
    assert someone.pk


def test_reconcile_cannot_check_an_earlier_batch_or_a_stranger(county: World) -> None:
    _paid_three_months(county)
    first = Batch.objects.get(period=date(2026, 1, 1))
    code, _, err = run_command("reconcile", "--full", "--batch", str(first.pk), "--as", "clerk")
    assert code == 2 and "latest batch" in err
    code, _, err = run_command("reconcile", "--full", "--batch", "999999", "--as", "clerk")
    assert code == 2
    code, _, err = run_command("reconcile", "--full", "--as", "township")
    assert code == 2


def test_the_api_and_the_page_run_the_same_check(county: World, client: Client) -> None:
    _paid_three_months(county)
    url = "/api/v1/reconciliation/full"
    with time_machine.travel(at(2026, 3, 20), tick=False):
        response = api_post(client, county.county_clerk, url, {})
        assert response.status_code == 200
        assert response.json()["agree"] is True and response.json()["checked"] == "next"
        assert api_post(client, county.county_clerk, url, {"batch": 999999}).status_code == 404
        assert api_post(client, county.auditor, url, {}).status_code == 403
        log_in(client, county.county_clerk)
        page = client.post("/benefits/reconciliation/")
        assert page.status_code == 200
        assert "full-result" in page.content.decode()


def test_the_engine_plan_is_full_for_a_first_batch(county: World) -> None:
    person(county, WAR)
    with time_machine.travel(at(2026, 1, 5), tick=False):
        batch = do_create_batch(date(2026, 1, 1), acting_user=county.county_clerk)
    assert _plan_of(batch) == {"mode": "full"}
    assert changes.plan_for(
        batch, engine.Window(county.county.code, date(2026, 1, 1), batch.period, 12)
    ).is_full


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the items are partitioned on PostgreSQL only")
def test_on_postgresql_the_items_are_partitioned_by_month(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-01")
    pay_month(county, "2026-02")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'benefits_batchitem'")
        assert cursor.fetchone()[0] == "p"
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'benefits_batchitem' ORDER BY 1"
        )
        assert [r[0] for r in cursor.fetchall()] == [
            "benefits_batchitem_m202601",
            "benefits_batchitem_m202602",
        ]
        cursor.execute("SELECT COUNT(*) FROM benefits_batchitem_m202602")
        assert cursor.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lines are partitioned on PostgreSQL only")
def test_on_postgresql_each_month_s_lines_have_a_partition_of_their_own(county: World) -> None:
    """A batch writes its lines into its month's partition, whose indexes hold nothing else."""
    person(county, WAR)
    first = pay_month(county, "2026-01")
    second = pay_month(county, "2026-02")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'benefits_batchline'")
        assert cursor.fetchone()[0] == "p"
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'benefits_batchline' ORDER BY 1"
        )
        partitions = [r[0] for r in cursor.fetchall()]
        assert partitions == ["benefits_batchline_m202601", "benefits_batchline_m202602"]
        cursor.execute("SELECT batch_id, month FROM benefits_batchline_m202602")
        assert cursor.fetchall() == [(second.pk, 202602)]
    assert list(BatchLine.objects.filter(batch=first).values_list("month", flat=True)) == [202601]


def test_a_line_carries_its_batch_s_month(county: World) -> None:
    person(county, WAR)
    batch = pay_month(county, "2026-03")
    assert list(BatchLine.objects.filter(batch=batch).values_list("month", flat=True)) == [202603]


def test_a_mark_for_a_category_no_batch_pays_changes_nothing(county: World) -> None:
    person(county, WAR)
    pay_month(county, "2026-01")
    RecomputeMark.objects.create(county=county.county, category=Category.OTHER_VETERAN, since=0, reason="x")
    batch = pay_month(county, "2026-02")
    assert set(_plan_of(batch)["from"].values()) == {202602}  # type: ignore[union-attr]
    assert batch.items == 1


def test_a_dirty_person_s_payments_are_found_through_the_items_key(county: World) -> None:
    """Never by reading every item of the history: on SQLite the items are searched by (batch,
    person) for each dirty person; on PostgreSQL no month partition is scanned whole."""
    person(county, WAR)
    for month in ("2026-01", "2026-02", "2026-03"):
        pay_month(county, month)
    window = engine.Window(county.county.code, date(2026, 1, 1), date(2026, 4, 1), 12)
    codes = engine.BENEFIT_CODES.values()
    plan = engine.Plan(tuple((c, 202604) for c in codes), marks_batch=None, unpaid_batch=1)
    sql = engine._paid_branch(engine.paid_batches(county.county.code), plan)
    params = [202601, 202604, 202601, 202604]
    with connection.cursor() as cursor, engine.scratch(window, cursor, plan=plan):
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            steps = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN dp" in steps and "SEARCH i USING INDEX" in steps, steps
            assert "SCAN i" not in steps.replace("SCAN dp", ""), steps
        else:
            # The planner's own choice at a long history, on a test's few rows: a join that is
            # not a nested loop (it hashed every month's items for 200 people when the LATERAL
            # subquery could be pulled up into a plain join).
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            steps = " | ".join(str(row[0]) for row in cursor.fetchall())
            assert "Seq Scan on benefits_batchitem_m" not in steps, steps
            # Each month's items are probed by the dirty person, not hashed against them.
            assert "Hash Join" not in steps and "beneficiary_id = dp.beneficiary_id" in steps, steps


def test_a_liaison_reads_no_payments_and_is_refused_the_reconciliation(county: World, client: Client) -> None:
    # A department liaison has casework rights but no payment in scope: the full check (which
    # locks the county's payments while it runs) and the county's totals are not theirs.
    _paid_three_months(county)
    with time_machine.travel(at(2026, 3, 20), tick=False):
        full = api_post(client, county.liaison, "/api/v1/reconciliation/full", {})
        assert full.status_code == 403 and full.json()["error"]["code"] == "payments_not_read"
        named = api_post(client, county.liaison, "/api/v1/reconciliation/full", {"batch": 1})
        assert named.status_code == 403
        code, _, err = run_command("reconcile", "--full", "--as", "liaison")
        assert code == 2 and "department liaison" in err
        log_in(client, county.liaison)
        for page in (client.get("/benefits/reconciliation/"), client.post("/benefits/reconciliation/")):
            assert page.status_code == 403
            assert "department liaison" in page.content.decode() or "部门联络员" in page.content.decode()
        assert 'href="/benefits/reconciliation/"' not in client.get("/benefits/recoveries/").content.decode()
        log_in(client, county.county_clerk)
        assert 'href="/benefits/reconciliation/"' in client.get("/benefits/recoveries/").content.decode()
        assert client.get("/benefits/reconciliation/").status_code == 200
