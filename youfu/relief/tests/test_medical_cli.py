"""``youfu medical-settings``: a leader sets the target, the yearly cap and who may claim."""

from __future__ import annotations

import json

import pytest

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.relief.medical.models import MedicalSettings
from youfu.relief.medical.services import settings_in_force
from youfu.relief.tests.factories_medical import fingerprint
from youfu.testing import World, run_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    return run_command("medical-settings", *args)


def test_without_options_it_prints_the_defaults(world: World) -> None:
    code, out, _err = run("--json", "--as", "leader")
    assert code == 0
    result = json.loads(out)
    assert (result["target"], result["year_cap"], result["set_by"]) == ("90.00", "20000.00", None)
    assert "war_participant" in result["categories"]
    assert "conscript_family" not in result["categories"]  # no regular benefit


def test_a_leader_sets_them_and_it_is_audited(world: World) -> None:
    code, out, _err = run("--target", "85.5", "--year-cap", "30000", "--json", "--as", "leader")
    assert code == 0, out
    result = json.loads(out)
    assert (result["target"], result["year_cap"], result["set_by"]) == ("85.50", "30000.00", "leader")
    rule = settings_in_force(world.county.code)
    assert (rule.target_bp, rule.year_cap_fen) == (8550, 3_000_000)
    event = AuditEvent.objects.get(event_type=EventType.MEDICAL_SETTINGS_CHANGED)
    assert event.old["target"] == "90.00"
    assert event.new == {"target": "85.50", "year_cap": "30000.00", "categories": result["categories"]}
    # Then only the cap: the target stays, the history keeps both rows.
    code, out, _err = run("--year-cap", "25000", "--as", "leader")
    assert code == 0
    assert "target: 85.50%" in out and "year_cap: 25000.00" in out
    assert MedicalSettings.objects.count() == 2


def test_categories(world: World) -> None:
    code, out, _err = run("--categories", "disabled_veteran,martyr_survivor", "--json", "--as", "leader")
    assert code == 0
    assert json.loads(out)["categories"] == ["disabled_veteran", "martyr_survivor"]


@pytest.mark.parametrize("who", ["clerk", "township", "admin", "auditor"])
def test_not_a_leader_exits_1_and_changes_nothing(world: World, who: str) -> None:
    before = fingerprint()
    code, out, _err = run("--target", "80", "--json", "--as", who)
    assert code == 1
    assert json.loads(out)["error"]["code"] == "forbidden"
    assert fingerprint() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--target", "0"],
        ["--target", "101"],
        ["--target", "ninety"],
        ["--target", "90.123"],
        ["--year-cap", "-5"],
        ["--year-cap", "0"],
        ["--year-cap", "abc"],
        ["--categories", "conscript_family"],
        ["--categories", ","],
    ],
)
def test_bad_values_exit_1_and_change_nothing(world: World, args: list[str]) -> None:
    before = fingerprint()
    code, out, _err = run(*args, "--json", "--as", "leader")
    assert code == 1
    assert json.loads(out)["ok"] is False
    assert fingerprint() == before


def test_without_an_acting_user(world: World) -> None:
    code, _out, err = run("--target", "80")
    assert code == 1
    assert "--as" in err
