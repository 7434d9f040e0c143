"""``youfu relief-settings``: a leader sets the caps and the leader line (the setting is the
approval), audited, kept as versions; anyone else is refused with exit code 1."""

from __future__ import annotations

import json

import pytest

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.relief.grants.models import ReliefSettings
from youfu.relief.tests.factories_grants import apply, eligible_person, fingerprint
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    return run_command("relief-settings", *args)


def test_without_options_it_prints_the_defaults(world: World) -> None:
    code, out, _err = run("--json", "--as", "leader")
    assert code == 0
    result = json.loads(out)
    assert (result["case_cap"], result["year_cap"], result["leader_above"], result["version"]) == (
        "5000.00",
        "10000.00",
        "3000.00",
        1,
    )
    assert set(result["categories"]) == {
        "disabled_veteran",
        "returned_ill_veteran",
        "demobilized_veteran",
        "martyr_survivor",
        "duty_death_survivor",
        "illness_death_survivor",
        "active_duty_family",
        "conscript_family",
    }
    assert not AuditEvent.objects.filter(event_type=EventType.RELIEF_SETTINGS_CHANGED).exists()


def test_a_leader_sets_them_as_a_new_audited_version(world: World) -> None:
    person = eligible_person(world)
    before = apply(world, person, "1000.00")
    code, out, _err = run(
        "--case-cap", "6000", "--year-cap", "12000.50", "--leader-above", "2500", "--json", "--as", "leader"
    )
    assert code == 0
    result = json.loads(out)
    assert (result["case_cap"], result["year_cap"], result["leader_above"], result["version"]) == (
        "6000.00",
        "12000.50",
        "2500.00",
        2,
    )
    assert result["set_by"] == "leader"
    event = AuditEvent.objects.get(event_type=EventType.RELIEF_SETTINGS_CHANGED)
    assert event.old["case_cap_fen"] == 500_000 and event.new["case_cap_fen"] == 600_000
    # The grant entered before keeps the version it was checked against; a new one takes version 2.
    before.refresh_from_db()
    assert before.settings_version.number == 1
    assert apply(world, person, "5500.00").settings_version.number == 2
    # The plain output names each setting.
    code, out, _err = run("--as", "leader")
    assert code == 0 and "case_cap: 6000.00" in out and "version: 2" in out


def test_the_same_values_again_make_no_new_version(world: World) -> None:
    run("--case-cap", "5000", "--as", "leader")
    assert ReliefSettings.objects.count() == 1
    assert not AuditEvent.objects.filter(event_type=EventType.RELIEF_SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("who", ["clerk", "township", "admin", "auditor"])
def test_anyone_but_a_leader_is_refused(world: World, who: str) -> None:
    before = fingerprint()
    code, out, _err = run("--case-cap", "6000", "--json", "--as", who)
    assert code == 1
    assert json.loads(out)["ok"] is False
    assert fingerprint() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--case-cap", "-5"],
        ["--case-cap", "abc"],
        ["--case-cap", "0"],
        ["--case-cap", "20000"],  # more than the yearly cap
        ["--year-cap", "1.234"],
        ["--categories", "dragon_rider"],
        [],  # no --as
    ],
)
def test_bad_values_are_refused_and_change_nothing(world: World, args: list[str]) -> None:
    before = fingerprint()
    code, _out, err = run(*args, *(["--as", "leader"] if args else []))
    assert code == 1, err
    assert fingerprint() == before


def test_the_categories_are_set_by_code(world: World) -> None:
    code, out, _err = run("--categories", "war_participant,disabled_veteran", "--json", "--as", "leader")
    assert code == 0
    assert sorted(json.loads(out)["categories"]) == ["disabled_veteran", "war_participant"]
