from __future__ import annotations

import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.services import record_event
from youfu.audit.tasks import nightly_verify_audit
from youfu.audit.verify import verify_chain
from youfu.testing import World


def verify_audit() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify-audit", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def behind_the_back(sql: str, params: list[object]) -> None:
    """Change the table the way someone with database access would, bypassing the app
    (and, on PostgreSQL, the append-only trigger: superusers can switch triggers off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def logged(world: World) -> list[AuditEvent]:
    return [
        record_event(
            EventType.USER_CHANGED, actor=world.admin, obj=world.county_clerk, old={"n": i}, new={"n": i + 1}
        )
        for i in range(5)
    ]


@pytest.mark.django_db
class TestChain:
    def test_an_untouched_log_verifies(self, logged: list[AuditEvent]) -> None:
        assert verify_chain().ok
        head = AuditEvent.objects.get(seq=5).hash
        assert verify_audit() == (0, f"ok: True\nchecked: 5\nhead: 5:{head}\nanchors: 0\n")

    def test_events_chain_to_their_predecessor(self, logged: list[AuditEvent]) -> None:
        assert [e.seq for e in logged] == [1, 2, 3, 4, 5]
        assert logged[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(logged))

    def test_an_edited_value_is_found(self, logged: list[AuditEvent]) -> None:
        behind_the_back("UPDATE audit_auditevent SET new = %s WHERE seq = 3", ['{"n": 99}'])
        code, message = verify_audit()
        assert code == 1
        assert "#3" in message

    def test_an_edited_actor_is_found(self, logged: list[AuditEvent]) -> None:
        behind_the_back("UPDATE audit_auditevent SET actor_name = 'someone' WHERE seq = 2", [])
        assert verify_chain().broken_seq == 2

    def test_a_deleted_event_is_found(self, logged: list[AuditEvent]) -> None:
        behind_the_back("DELETE FROM audit_auditevent WHERE seq = 4", [])
        result = verify_chain()
        assert not result.ok and result.broken_seq == 4

    def test_a_deleted_last_event_is_found(self, logged: list[AuditEvent]) -> None:
        behind_the_back("DELETE FROM audit_auditevent WHERE seq = 5", [])
        result = verify_chain()
        assert not result.ok and result.broken_seq == 5

    def test_a_rehashed_forgery_without_the_key_is_found(self, logged: list[AuditEvent]) -> None:
        import hashlib

        forged = hashlib.sha256(b"anything").hexdigest()
        behind_the_back("UPDATE audit_auditevent SET hash = %s WHERE seq = 5", [forged])
        assert verify_chain().broken_seq == 5

    def test_the_orm_refuses_to_change_or_delete_events(self, logged: list[AuditEvent]) -> None:
        with pytest.raises(TypeError):
            AuditEvent.objects.filter(seq=1).update(actor_name="x")
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()
        with pytest.raises(TypeError):
            logged[0].delete()
        logged[0].actor_name = "x"
        with pytest.raises(TypeError):
            logged[0].save()
        assert verify_chain().ok

    def test_the_nightly_task_records_its_verdict(self, logged: list[AuditEvent]) -> None:
        assert nightly_verify_audit.call_local() is True
        event = AuditEvent.objects.get(event_type=EventType.AUDIT_VERIFIED)
        assert event.extra["ok"] is True and event.channel == "task"
        assert verify_chain().ok


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
class TestAppendOnlyTrigger:
    def test_update_is_refused(self, logged: list[AuditEvent]) -> None:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET actor_name = 'x' WHERE seq = 1")
        assert AuditEvent.objects.get(seq=1).actor_name == "admin"

    def test_delete_is_refused(self, logged: list[AuditEvent]) -> None:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM audit_auditevent")
        assert AuditEvent.objects.count() == 5
