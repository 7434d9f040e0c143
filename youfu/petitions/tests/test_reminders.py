"""The daily reminder task: due within 3 working days → liaison(s) and lead; overdue → the
bureau head too; each notice once, in-app and by mail when mail is configured."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import LazySettings
from django.core import mail
from django.test import Client
from time_machine import TimeMachineFixture

from youfu.accounts.models import User
from youfu.core.roles import Role
from youfu.petitions.models import Notification, NotificationKind
from youfu.petitions.reminders import send_deadline_reminders
from youfu.petitions.tasks import daily_deadline_reminders
from youfu.petitions.tests.conftest import at
from youfu.petitions.tests.factories import accepted, register
from youfu.testing import World, log_in, make_user

pytestmark = pytest.mark.django_db


def notified(kind: str | None = None) -> set[str]:
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("user__username", flat=True))


@pytest.fixture
def head(world: World) -> User:
    return make_user("head", Role.LEADER, world.county)


class TestWhoIsReminded:
    def test_due_soon_reaches_the_liaison_and_the_lead(self, world: World, head: User) -> None:
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))  # due Wed 18 June
        result = send_deadline_reminders()
        assert result.delivered == 2
        assert notified(NotificationKind.DUE_SOON) == {"liaison", "leader"}

    def test_overdue_reaches_the_bureau_head_too(self, world: World, head: User) -> None:
        accepted(world, received_on=date(2025, 4, 10))  # due Mon 9 June
        send_deadline_reminders()
        assert notified(NotificationKind.OVERDUE) == {"liaison", "leader", "head"}

    def test_a_matter_due_later_is_left_alone(self, world: World) -> None:
        accepted(world, received_on=date(2025, 5, 1))  # due 30 June
        assert send_deadline_reminders().delivered == 0

    def test_an_unassigned_matter_reminds_the_clerk_who_registered_it(self, world: World) -> None:
        register(world.township_clerk, received_on=date(2025, 6, 3))  # decision due 18 June
        send_deadline_reminders()
        assert notified() == {"township"}

    def test_three_working_days_count_holidays(self, world: World, time_machine: TimeMachineFixture) -> None:
        # Tue 30 Sep 2025: the next working days are 9, 10 and 11 (a make-up Saturday) October.
        time_machine.move_to(at(2025, 9, 30), tick=False)
        accepted(world, received_on=date(2025, 8, 11), accepted_on=date(2025, 8, 12))  # due Sat 11 Oct
        send_deadline_reminders()
        assert notified(NotificationKind.DUE_SOON) == {"liaison", "leader"}


class TestOnce:
    def test_running_again_sends_nothing_new(self, world: World) -> None:
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        first = send_deadline_reminders()
        second = send_deadline_reminders()
        assert (first.delivered, second.delivered, second.created) == (2, 0, 0)
        assert Notification.objects.count() == 2

    def test_a_notice_claimed_by_another_worker_is_not_sent_again(self, world: World) -> None:
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        send_deadline_reminders()
        Notification.objects.update(sent_at=None)
        claimed = Notification.objects.first()
        assert claimed is not None
        from youfu.petitions.reminders import _claim

        assert _claim(claimed) is True and _claim(claimed) is False

    def test_the_next_day_overdue_is_a_new_notice(
        self, world: World, time_machine: TimeMachineFixture
    ) -> None:
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))  # due 18 June
        send_deadline_reminders()
        time_machine.move_to(at(2025, 6, 19), tick=False)
        send_deadline_reminders()
        assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 2


class TestDelivery:
    def test_mail_goes_out_after_commit_when_configured(
        self, world: World, settings: LazySettings, django_capture_on_commit_callbacks: object
    ) -> None:
        settings.EMAIL_HOST = "smtp.example.org"
        User.objects.filter(pk=world.liaison.pk).update(email="liaison@example.org")
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            result = send_deadline_reminders()
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            send_deadline_reminders()
        assert result.emailed == 1 and len(mail.outbox) == 1
        assert mail.outbox[0].to == ["liaison@example.org"] and "2025-06-18" in mail.outbox[0].subject

    def test_no_mail_without_a_mail_server(
        self, world: World, settings: LazySettings, django_capture_on_commit_callbacks: object
    ) -> None:
        settings.EMAIL_HOST = ""
        User.objects.filter(pk=world.liaison.pk).update(email="liaison@example.org")
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            send_deadline_reminders()
        assert mail.outbox == [] and Notification.objects.count() == 2

    def test_shown_in_app(self, world: World, client: Client) -> None:
        p = accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        send_deadline_reminders()
        log_in(client, world.liaison)
        html = client.get("/petitions/notifications/").content.decode()
        assert p.receipt_code_display in html and "2025-06-18" in html
        client.post("/petitions/notifications/")
        assert not Notification.objects.filter(user=world.liaison, read_at__isnull=True).exists()

    def test_the_periodic_task_runs(self, world: World) -> None:
        accepted(world, received_on=date(2025, 4, 18), accepted_on=date(2025, 4, 19))
        assert daily_deadline_reminders.call_local() == 2
