"""Money parameters are maker-checker: a county clerk enters a standards file or a top-up, and
it applies only once a leader who did not enter it approves it. Pending and refused entries
never pay and never block a corrected one; the command line, the API and the work list offer
the same steps."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from youfu.accounts.services import do_issue_token
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.benefits.models import LocalTopUp, ParameterState, StandardImport
from youfu.benefits.rates import RateKey, StandardTable, TopUps
from youfu.benefits.selectors import explain_entitlements
from youfu.benefits.services import (
    do_approve_standards,
    do_approve_topup,
    do_create_batch,
    do_discard_batch,
    do_import_standards,
    do_refuse_standards,
    do_refuse_topup,
    do_set_topup,
    do_update_benefit_settings,
)
from youfu.benefits.tests.helpers import (
    at,
    csv_bytes,
    items_of,
    m,
    person,
    setup_county,
)
from youfu.benefits.work import money_parameters_to_approve
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied
from youfu.registry.categories import Category
from youfu.testing import World, make_user

pytestmark = pytest.mark.django_db

WAR = {"category": Category.WAR_PARTICIPANT, "approved_on": date(2020, 1, 1)}
RAISE = [["参战退役人员", "", "", "", "7200", "2026-10-01", ""]]  # from 6,000 a year
WAR_KEY = RateKey("war_participant", "", 0, "rural")


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def bearer(user: object) -> dict[str, str]:
    key, _ = do_issue_token(user, acting_user=user)  # type: ignore[arg-type]
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def pending_version(world: World, rows: list[list[str]] = RAISE) -> StandardImport:
    result = do_import_standards(csv_bytes(rows), acting_user=world.county_clerk)
    assert result.state == "pending" and result.version is not None
    return StandardImport.objects.get(pk=result.version)


@pytest.fixture
def county(world: World) -> Iterator[World]:
    with time_machine.travel(at(2026, 8, 20), tick=False):
        setup_county(world)
        do_update_benefit_settings(acting_user=world.admin, payments_start=date(2026, 10, 1))
    with time_machine.travel(at(2026, 11, 20), tick=False):
        yield world


def events(kind: EventType) -> int:
    return AuditEvent.objects.filter(event_type=kind).count()


# --- only approved versions apply ---------------------------------------------------------------


class TestOnlyApprovedApply:
    def test_a_pending_or_refused_standard_is_not_in_the_table_an_approved_one_is(
        self, county: World
    ) -> None:
        version = pending_version(county)
        assert StandardTable.load().applicable(WAR_KEY, date(2026, 11, 1)).annual_fen == 600000  # type: ignore[union-attr]
        do_refuse_standards(version, acting_user=county.leader, reason="日期有误")
        assert StandardTable.load().applicable(WAR_KEY, date(2026, 11, 1)).annual_fen == 600000  # type: ignore[union-attr]
        approved = pending_version(county)
        do_approve_standards(approved, acting_user=county.leader)
        assert StandardTable.load().applicable(WAR_KEY, date(2026, 11, 1)).annual_fen == 720000  # type: ignore[union-attr]

    def test_the_engine_and_the_explanation_pay_the_old_standard_until_approval(self, county: World) -> None:
        p = person(county, WAR)
        version = pending_version(county)
        # 6,000 × 1.08 / 12 = 540.00: the raise waits for a leader.
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert [i[2] for i in items_of(batch, p)] == ["540.00", "540.00"]
        explained = explain_entitlements(p, date(2026, 10, 1), date(2026, 11, 1)).as_dict()
        assert [r["due"] for r in explained["results"]] == ["540.00", "540.00"]
        do_discard_batch(batch, acting_user=county.county_clerk)
        do_approve_standards(version, acting_user=county.leader)
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        # 7,200 × 1.08 / 12 = 648.00 from October on.
        assert [i[2] for i in items_of(batch, p)] == ["648.00", "648.00"]
        explained = explain_entitlements(p, date(2026, 10, 1), date(2026, 11, 1)).as_dict()
        assert [r["due"] for r in explained["results"]] == ["648.00", "648.00"]
        assert explained["results"][0]["standard"]["version"] == version.pk

    def test_a_pending_or_refused_top_up_does_not_apply(self, county: World) -> None:
        p = person(county, WAR)
        refused = do_set_topup(Decimal("20"), date(2026, 10, 1), acting_user=county.county_clerk)
        do_refuse_topup(refused, acting_user=county.leader, reason="比例未经县政府批准")
        pending = do_set_topup(Decimal("10"), date(2026, 10, 1), acting_user=county.county_clerk)
        assert TopUps.load(county.county.code).in_force(date(2026, 11, 1)) == 800
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert [i[2] for i in items_of(batch, p)] == ["540.00", "540.00"]
        do_discard_batch(batch, acting_user=county.county_clerk)
        do_approve_topup(pending, acting_user=county.leader)
        assert TopUps.load(county.county.code).in_force(date(2026, 11, 1)) == 1000
        batch = do_create_batch(m("2026-11"), acting_user=county.county_clerk)
        assert [i[2] for i in items_of(batch, p)] == ["550.00", "550.00"]


# --- who decides ----------------------------------------------------------------------------------


class TestWhoDecides:
    @pytest.mark.parametrize("who", ["county_clerk", "admin", "township_clerk", "auditor"])
    def test_only_a_leader_approves_or_refuses(self, county: World, who: str) -> None:
        version = pending_version(county)
        topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
        actor = getattr(county, who)
        before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            do_approve_standards(version, acting_user=actor)
        with pytest.raises(PermissionDenied):
            do_refuse_standards(version, acting_user=actor, reason="x")
        with pytest.raises(PermissionDenied):
            do_approve_topup(topup, acting_user=actor)
        with pytest.raises(PermissionDenied):
            do_refuse_topup(topup, acting_user=actor, reason="x")
        version.refresh_from_db()
        topup.refresh_from_db()
        assert (version.state, topup.state) == ("pending", "pending")
        assert AuditEvent.objects.count() == before

    def test_the_one_who_entered_it_may_not_decide_on_it(self, county: World) -> None:
        version = pending_version(county)
        topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
        # Whatever the roles of the day, the same account never both enters and approves.
        StandardImport.objects.filter(pk=version.pk).update(imported_by=county.leader)
        LocalTopUp.objects.filter(pk=topup.pk).update(created_by=county.leader)
        version.refresh_from_db()
        topup.refresh_from_db()
        for attempt in (
            lambda: do_approve_standards(version, acting_user=county.leader),
            lambda: do_refuse_standards(version, acting_user=county.leader, reason="x"),
            lambda: do_approve_topup(topup, acting_user=county.leader),
            lambda: do_refuse_topup(topup, acting_user=county.leader, reason="x"),
        ):
            with pytest.raises(PermissionDenied) as refused:
                attempt()
            assert refused.value.code == "own_entry"
            assert "未参与录入的领导" in refused.value.message.zh
        version.refresh_from_db()
        topup.refresh_from_db()
        assert (version.state, topup.state) == ("pending", "pending")

    def test_a_decision_is_made_once(self, county: World) -> None:
        version = pending_version(county)
        do_approve_standards(version, acting_user=county.leader)
        second = make_user("leader2", "leader", county.county)  # type: ignore[arg-type]
        with pytest.raises(Conflict):
            do_approve_standards(version, acting_user=second)
        with pytest.raises(Conflict):
            do_refuse_standards(version, acting_user=second, reason="晚了")
        topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
        do_refuse_topup(topup, acting_user=county.leader, reason="x")
        with pytest.raises(Conflict):
            do_approve_topup(topup, acting_user=second)
        version.refresh_from_db()
        topup.refresh_from_db()
        assert (version.state, topup.state) == ("approved", "refused")

    def test_a_refusal_needs_a_reason(self, county: World) -> None:
        version = pending_version(county)
        with pytest.raises(InvalidInput):
            do_refuse_standards(version, acting_user=county.leader, reason="  ")
        with pytest.raises(InvalidInput):
            do_refuse_standards(version, acting_user=county.leader, reason="长" * 501)
        version.refresh_from_db()
        assert version.state == "pending"

    def test_every_step_is_audited(self, county: World) -> None:
        version = pending_version(county)
        do_approve_standards(version, acting_user=county.leader)
        other = pending_version(county, [["参战退役人员", "", "", "", "9000", "2027-01-01", ""]])
        do_refuse_standards(other, acting_user=county.leader, reason="金额有误")
        topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
        do_approve_topup(topup, acting_user=county.leader)
        wrong = do_set_topup(Decimal("90"), date(2027, 2, 1), acting_user=county.county_clerk)
        do_refuse_topup(wrong, acting_user=county.leader, reason="多了一个零")
        approved = AuditEvent.objects.get(event_type=EventType.STANDARDS_APPROVED, object_id=str(version.pk))
        assert approved.object_id == str(version.pk) and approved.actor == county.leader
        assert approved.new == {"state": "approved", "rows": 1, "effective_dates": ["2026-10-01"]}
        assert AuditEvent.objects.get(event_type=EventType.STANDARDS_REFUSED).object_id == str(other.pk)
        topup_approved = AuditEvent.objects.get(event_type=EventType.TOPUP_APPROVED, object_id=str(topup.pk))
        assert topup_approved.new == {"percent": "9.00", "effective_on": "2027-01-01", "state": "approved"}
        assert AuditEvent.objects.get(event_type=EventType.TOPUP_REFUSED).object_id == str(wrong.pk)
        assert events(EventType.TOPUP_SET) == 3  # the fixture's, and these two


# --- overlaps count approved versions only ----------------------------------------------------


class TestOverlaps:
    def test_a_bad_pending_file_never_blocks_a_corrected_one(self, county: World) -> None:
        bad = pending_version(county, [["参战退役人员", "", "", "", "72000", "2026-10-01", ""]])
        corrected = pending_version(county)  # the same qualification and date: not blocked
        do_refuse_standards(bad, acting_user=county.leader, reason="多了一个零")
        do_approve_standards(corrected, acting_user=county.leader)
        assert StandardTable.load().applicable(WAR_KEY, date(2026, 10, 1)).annual_fen == 720000  # type: ignore[union-attr]

    def test_the_overlap_is_checked_again_when_approving(self, county: World) -> None:
        first = pending_version(county)
        second = pending_version(county, [["参战退役人员", "", "", "农村", "7300", "2026-10-01", ""]])
        do_approve_standards(first, acting_user=county.leader)
        with pytest.raises(Conflict) as refused:
            do_approve_standards(second, acting_user=county.leader)
        assert refused.value.code == "standards_overlap" and "参战退役人员" in refused.value.message.zh
        second.refresh_from_db()
        assert second.state == "pending" and events(EventType.STANDARDS_APPROVED) == 2  # fixture + first
        do_refuse_standards(second, acting_user=county.leader, reason="与已批准的重叠")

    def test_a_top_up_for_a_date_in_force_corrects_it_once_approved(self, county: World) -> None:
        in_force = LocalTopUp.objects.get(state="approved")
        wrong = do_set_topup(Decimal("80"), in_force.effective_on, acting_user=county.county_clerk)
        right = do_set_topup(Decimal("9"), in_force.effective_on, acting_user=county.county_clerk)
        do_refuse_topup(wrong, acting_user=county.leader, reason="多了一个零")
        do_approve_topup(right, acting_user=county.leader)
        in_force.refresh_from_db()
        assert in_force.state == "superseded"
        assert list(LocalTopUp.objects.filter(state="approved")) == [right]
        assert TopUps.load(county.county.code).in_force(date(2026, 11, 1)) == 900

    def test_entering_what_is_in_force_enters_nothing(self, county: World) -> None:
        in_force = LocalTopUp.objects.get(state="approved")
        again = do_set_topup(Decimal("8"), in_force.effective_on, acting_user=county.county_clerk)
        assert again == in_force and LocalTopUp.objects.count() == 1


# --- the data migration -----------------------------------------------------------------------


def test_the_migration_marks_what_was_in_force_as_approved(county: World) -> None:
    migration = importlib.import_module("youfu.benefits.migrations.0004_money_parameters_maker_checker")
    pending_version(county)
    do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
    # As before the migration: nothing had a state of its own, everything imported applied.
    StandardImport.objects.update(state=ParameterState.PENDING)
    LocalTopUp.objects.update(state=ParameterState.PENDING)
    migration.approve_what_was_in_force(apps, None)
    assert set(StandardImport.objects.values_list("state", flat=True)) == {"approved"}
    assert set(LocalTopUp.objects.values_list("state", flat=True)) == {"approved"}
    assert any(
        getattr(op, "code", None) is migration.approve_what_was_in_force
        for op in migration.Migration.operations
    )


# --- the command line (the contract of issue 10) ----------------------------------------------


class TestCommands:
    def test_import_and_approve_standards(self, county: World, tmp_path: Path) -> None:
        file = tmp_path / "standards.csv"
        file.write_bytes(csv_bytes(RAISE))
        code, out, err = run("import-standards", str(file), "--as", "clerk", "--json")
        assert code == 0, err
        body = json.loads(out)
        assert set(body) == {"ok", "rows", "added", "unchanged", "version", "effective_dates", "id", "state"}
        assert (body["state"], body["id"], body["added"]) == ("pending", body["version"], 1)
        assert run("approve-standards", str(body["id"]), "--as", "clerk", "--json")[0] == 1
        code, out, err = run("approve-standards", str(body["id"]), "--as", "leader", "--json")
        assert code == 0, err
        assert json.loads(out)["state"] == "approved"
        assert run("approve-standards", str(body["id"]), "--as", "leader")[0] == 1  # once only
        assert run("approve-standards", "999999", "--as", "leader")[0] == 1

    def test_refuse_standards(self, county: World, tmp_path: Path) -> None:
        version = pending_version(county)
        code, out, err = run(
            "refuse-standards", str(version.pk), "--reason", "日期有误", "--as", "leader", "--json"
        )
        assert code == 0, err
        assert json.loads(out)["state"] == "refused"
        version.refresh_from_db()
        assert version.reason == "日期有误"

    def test_set_approve_and_refuse_a_top_up(self, county: World) -> None:
        code, out, err = run("set-topup", "10", "--from", "2027-01-01", "--as", "clerk", "--json")
        assert code == 0, err
        body = json.loads(out)
        assert set(body) == {"ok", "percent", "from", "id", "state"}
        assert (body["percent"], body["from"], body["state"]) == ("10.00", "2027-01-01", "pending")
        assert run("approve-topup", str(body["id"]), "--as", "clerk")[0] == 1
        code, out, err = run("approve-topup", str(body["id"]), "--as", "leader", "--json")
        assert code == 0, err
        assert json.loads(out)["state"] == "approved"
        code, out, _ = run("set-topup", "11", "--from", "2027-02-01", "--as", "clerk", "--json")
        wrong = json.loads(out)["id"]
        assert run("refuse-topup", str(wrong), "--reason", " ", "--as", "leader")[0] == 1
        code, out, err = run(
            "refuse-topup", str(wrong), "--reason", "未经县政府批准", "--as", "leader", "--json"
        )
        assert code == 0, err
        assert json.loads(out)["state"] == "refused"
        assert LocalTopUp.objects.get(pk=wrong).reason == "未经县政府批准"


# --- the API ------------------------------------------------------------------------------------


class TestApi:
    def test_standards_through_their_life(self, county: World, client: Client) -> None:
        clerk, leader = bearer(county.county_clerk), bearer(county.leader)
        response = client.post(
            "/api/v1/standards/import",
            {"file": _file(csv_bytes(RAISE))},
            **clerk,  # type: ignore[arg-type]
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["state"], body["id"] == body["version"]) == ("pending", True)
        version_id = body["id"]
        listed = client.get("/api/v1/standards?page_size=500", **leader).json()  # type: ignore[arg-type]
        assert {r["state"] for r in listed["results"]} == {"approved", "pending"}
        waiting = client.get("/api/v1/standards/versions?state=pending", **leader).json()  # type: ignore[arg-type]
        assert [v["id"] for v in waiting["results"]] == [version_id]
        nonsense = client.get("/api/v1/standards/versions?state=nonsense", **leader)  # type: ignore[arg-type]
        assert nonsense.status_code == 400
        denied = client.post(f"/api/v1/standards/{version_id}/approve", **clerk)  # type: ignore[arg-type]
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
        assert client.post("/api/v1/standards/999999/approve", **leader).status_code == 404  # type: ignore[arg-type]
        approved = client.post(f"/api/v1/standards/{version_id}/approve", **leader)  # type: ignore[arg-type]
        assert approved.status_code == 200 and approved.json()["state"] == "approved"
        assert approved.json()["decided_by"] == "leader"
        again = client.post(
            f"/api/v1/standards/{version_id}/refuse",
            {"reason": "晚了"},
            content_type="application/json",
            **leader,  # type: ignore[arg-type]
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "parameter_state"

    def test_top_ups_through_their_life(self, county: World, client: Client) -> None:
        clerk, leader = bearer(county.county_clerk), bearer(county.leader)
        created = client.post(
            "/api/v1/topups",
            {"percent": "10", "from": "2027-01-01"},
            content_type="application/json",
            **clerk,  # type: ignore[arg-type]
        )
        assert created.status_code == 201, created.content
        topup = created.json()
        assert topup["state"] == "pending" and topup["percent"] == "10.00"
        listed = client.get("/api/v1/topups", **leader).json()  # type: ignore[arg-type]
        assert {t["state"] for t in listed["results"]} == {"approved", "pending"}
        no_reason = client.post(
            f"/api/v1/topups/{topup['id']}/refuse",
            {"reason": ""},
            content_type="application/json",
            **leader,  # type: ignore[arg-type]
        )
        assert no_reason.status_code == 400
        refused = client.post(
            f"/api/v1/topups/{topup['id']}/refuse",
            {"reason": "未经县政府批准"},
            content_type="application/json",
            **leader,  # type: ignore[arg-type]
        )
        assert refused.status_code == 200 and refused.json()["state"] == "refused"
        assert refused.json()["reason"] == "未经县政府批准"
        late = client.post(f"/api/v1/topups/{topup['id']}/approve", **leader)  # type: ignore[arg-type]
        assert late.status_code == 409
        assert LocalTopUp.objects.get(pk=topup["id"]).state == "refused"

    def test_a_clerk_may_not_approve_a_top_up(self, county: World, client: Client) -> None:
        topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
        response = client.post(
            f"/api/v1/topups/{topup.pk}/approve",
            **bearer(county.county_clerk),  # type: ignore[arg-type]
        )
        assert response.status_code == 403
        topup.refresh_from_db()
        assert topup.state == "pending"


def _file(data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("standards.csv", data, content_type="text/csv")


# --- the leader's work list ---------------------------------------------------------------------


def test_pending_entries_wait_in_the_leaders_work_list(county: World) -> None:
    pending_version(county)
    topup = do_set_topup(Decimal("9"), date(2027, 1, 1), acting_user=county.county_clerk)
    items = {str(i.label): i.count for i in money_parameters_to_approve(county.leader)}
    assert items == {"待审批的抚恤补助标准": 1, "待审批的地方增发比例": 1}
    assert all(i.url == "/benefits/standards/#pending" for i in money_parameters_to_approve(county.leader))
    for other in (county.county_clerk, county.township_clerk, county.admin, county.auditor):
        assert list(money_parameters_to_approve(other)) == []
    do_approve_topup(topup, acting_user=county.leader)
    items = {str(i.label): i.count for i in money_parameters_to_approve(county.leader)}
    assert items["待审批的地方增发比例"] == 0
