"""Issue 15, item 4: a backup of a county restores into a new installation on either engine — the
test's own engine (SQLite in the plain run, PostgreSQL in the PostgreSQL leg) into SQLite and into
PostgreSQL, so the two legs together make all four trips — with every table's count and money
sums as they were, the audit chain intact, the files byte for byte, the personal data readable
with the same key, and an installation that goes on working."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.backup.tests.county import build_county
from youfu.backup.tests.targets import ENGINES, Target, figures, here
from youfu.core.crypto import decrypt
from youfu.registry.models import Beneficiary
from youfu.reports.tests.scenario import County
from youfu.testing import COUNTY, PASSWORD, World, run_command

pytestmark = pytest.mark.django_db(transaction=True)

DECRYPTED = (
    "import json; from youfu.core.crypto import decrypt; from youfu.registry.models import Beneficiary; "
    "print(json.dumps(sorted([b.pk, decrypt(b.id_number_encrypted), decrypt(b.bank_account_encrypted)] "
    "for b in Beneficiary.objects.all())))"  # scope: a test's view of the whole table
)


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


def backup(path: Path) -> dict[str, Any]:
    code, out, err = run_command("backup", "-o", str(path), "--as", "admin", "--json")
    assert code == 0, out + err
    result: dict[str, Any] = json.loads(out)
    return result


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        raw = tar.extractfile("manifest.json")
        assert raw is not None
        result: dict[str, Any] = json.loads(raw.read())
        return result


def decrypted_here() -> list[list[Any]]:
    people = Beneficiary.objects.all()  # scope: a test's view of the whole table
    return sorted([b.pk, decrypt(b.id_number_encrypted), decrypt(b.bank_account_encrypted)] for b in people)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_county_comes_back_whole_on_either_engine(
    county: County, engine: str, new_target: Any, tmp_path: Path
) -> None:
    before = figures(here)
    written = backup(tmp_path / "county.tar")
    manifest = manifest_of(tmp_path / "county.tar")
    assert written["database"] == manifest["database"] == connection.vendor
    # The manifest is the database's own account of itself.
    assert {t: (e["rows"], *e["sums"].values()) for t, e in manifest["tables"].items()} == before

    target: Target = new_target(engine)
    done = target.youfu("restore", str(tmp_path / "county.tar"), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    restored = json.loads(done.stdout)
    assert (restored["from_database"], restored["to_database"]) == (connection.vendor, engine)
    assert restored["rows"] == written["rows"] == sum(f[0] for f in before.values())

    # Every count and money sum as it was; the log has one event more: the restore's.
    after = figures(target.query)
    events, *_ = before["audit_auditevent"]
    assert after == {**before, "audit_auditevent": (events + 1,)}
    assert sum(1 for f in after.values() if f[0]) >= 45  # the county fills most tables
    assert after["benefits_batchitem"][0] > 0 and after["relief_housingphoto"][0] == 1

    verified = target.youfu("verify-audit", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    said = json.loads(verified.stdout)
    assert (said["ok"], said["checked"], said["anchors"]) == (True, events + 1, 0)
    assert said["head"].startswith(f"{events + 1}:")
    assert target.query("SELECT event_type, actor_name FROM audit_auditevent ORDER BY seq DESC LIMIT 1") == [
        (EventType.BACKUP_RESTORED, "system")
    ]

    # The files, byte for byte: an attachment, a document, a photo and an archived report.
    names = sorted(manifest["files"])
    assert {n.split("/")[0] for n in names} == {"petitions", "relief", "housing", "reports"}
    for name in names:
        assert (target.files / name).read_bytes() == (Path(settings.MEDIA_ROOT) / name).read_bytes()

    # ID numbers and accounts decrypt with the same key.
    assert target.python(DECRYPTED) == decrypted_here()

    if engine == "postgresql":  # the items went into their monthly partitions
        parts = target.query(
            "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'benefits_batchitem'"
        )
        assert parts[0][0] >= 3

    # The installation goes on: a new user (the ids go on after the restored ones), and a backup
    # of it holds what this one held.
    made = target.youfu(
        "create-user",
        "wang",
        "--role",
        "county_clerk",
        "--region",
        COUNTY,
        "--password-stdin",
        "--as",
        "admin",
        "--json",
        stdin=PASSWORD + "!x9\n",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    again = target.youfu("backup", "-o", str(tmp_path / "again.tar"), "--as", "admin", "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    second = manifest_of(tmp_path / "again.tar")
    assert second["database"] == engine
    for table, entry in manifest["tables"].items():
        # The new user, and the role it waits for a leader to approve (the county has a leader).
        if table not in {"audit_auditevent", "audit_auditchainhead", "accounts_user", "accounts_rolerequest"}:
            assert (second["tables"][table]["rows"], second["tables"][table]["sums"]) == (
                entry["rows"],
                entry["sums"],
            ), table


def test_the_backup_holds_no_key_and_is_audited(county: County, tmp_path: Path) -> None:
    path = tmp_path / "county.tar"
    written = backup(path)
    data = path.read_bytes()
    assert settings.YOUFU_DATA_KEY.encode() not in data
    assert settings.SECRET_KEY.encode() not in data
    with tarfile.open(path) as tar:
        members = tar.getnames()
    assert members[-1] == "manifest.json"  # last: a file cut short has none
    assert not any("key" in m for m in members)
    assert path.stat().st_mode & 0o077 == 0  # readable by the owner only

    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.event_type == EventType.BACKUP_WRITTEN
    assert event.actor_name == "admin"
    assert event.extra["sha256"] == written["sha256"]
    assert event.extra["file"] == "county.tar" and event.extra["rows"] == written["rows"]
