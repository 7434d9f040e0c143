"""Account recovery, maker-checker (security.md section 5, GB/T 22239's separation of duties): a
lost second factor, and the password of an account whose role requires a second factor, are
given back only when a leader who neither asked for it nor owns the account approves what the
admin asked. Until then nothing changes; on approval the devices go (or the password is set) and
every session and token ends. Other accounts' passwords are still reset at once by the admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import AccountRecovery, RecoveryKind, RecoveryState, RoleRequest, User
from youfu.accounts.services import (
    check_password_step,
    do_approve_recovery,
    do_create_user,
    do_issue_token,
    do_refuse_recovery,
    do_request_second_factor_reset,
    do_reset_password,
    do_set_password,
    do_withdraw_recovery,
    recovery_actions,
    user_for_token,
)
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied, YoufuError
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.testing import COUNTY, PASSWORD, World, api_get, api_post, enrol_totp, log_in, make_user

GIVEN = "given-by-admin-42"
LOST = "手机丢失"


@pytest.fixture(autouse=True)
def _phones(request: pytest.FixtureRequest) -> None:
    """The leader and the admin have their authenticator apps, as their roles require: only a
    second factor there is can be reset."""
    if "world" in request.fixturenames:
        world: World = request.getfixturevalue("world")
        for user in (world.leader, world.admin):
            enrol_totp(user)


def refused(exc: type[YoufuError], attempt: Callable[[], Any], code: str) -> YoufuError:
    with pytest.raises(exc) as caught:
        attempt()
    assert caught.value.code == code, caught.value.code
    return caught.value


def events(kind: EventType, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind, object_id=str(user.pk)).order_by("seq"))


def second_leader(world: World) -> User:
    return make_user("leader2", Role.LEADER, world.county)


def ask_second_factor(world: World, user: User | None = None) -> AccountRecovery:
    return do_request_second_factor_reset(user or world.leader, reason=LOST, acting_user=world.admin)


def signed_in(user: User) -> tuple[Client, str]:
    """A browser session and an API token of ``user``."""
    browser = Client()
    log_in(browser, user)
    key, _token = do_issue_token(user, acting_user=user)
    return browser, key


def ended(browser: Client, key: str) -> bool:
    return browser.get("/")["Location"].startswith("/accounts/login") and user_for_token(key) is None


@pytest.mark.django_db
class TestSecondFactor:
    def test_an_account_without_one_has_nothing_to_reset(self, world: World, client: Client) -> None:
        # A leader would be asked to approve a request that changes nothing.
        clerk = world.county_clerk
        refused(Conflict, lambda: ask_second_factor(world, clerk), "no_second_factor")
        answer = api_post(
            client,
            world.admin,
            "/api/v1/recovery-requests",
            {"user": clerk.pk, "kind": "second_factor", "reason": LOST},
        )
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_second_factor"
        log_in(client, world.admin)
        page = client.get(f"/accounts/users/{clerk.pk}/").content.decode()
        assert 'data-testid="second-factor"' in page and 'data-testid="reset-second-factor"' not in page
        posted = client.post(
            f"/accounts/users/{clerk.pk}/",
            {"action": "reset_second_factor", "reason": LOST},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert posted.status_code == 200 and "未启用双因素认证，无可重置" in posted.content.decode()
        assert not AccountRecovery.objects.exists()
        assert not events(EventType.RECOVERY_REQUESTED, clerk)
        enrol_totp(clerk)
        again = client.get(f"/accounts/users/{clerk.pk}/").content.decode()
        assert 'data-testid="reset-second-factor"' in again

    def test_nothing_changes_until_a_leader_approves(self, world: World) -> None:
        device = enrol_totp(world.leader)
        browser, key = signed_in(world.leader)
        recovery = ask_second_factor(world)
        assert (recovery.kind, recovery.state, recovery.reason) == ("second_factor", "pending", LOST)
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
        check = check_password_step("leader", PASSWORD)
        assert check.needs_otp and check.has_device
        assert browser.get("/").status_code == 200 and user_for_token(key) is not None
        [asked] = events(EventType.RECOVERY_REQUESTED, world.leader)
        assert asked.actor == world.admin
        assert asked.extra == {"request": recovery.pk, "kind": "second_factor", "reason": LOST}

    def test_approval_deletes_the_devices_ends_everything_and_is_audited(self, world: World) -> None:
        browser, key = signed_in(world.leader)
        recovery = ask_second_factor(world)
        leader2 = second_leader(world)
        do_approve_recovery(recovery, acting_user=leader2)
        recovery.refresh_from_db()
        assert (recovery.state, recovery.decided_by) == (RecoveryState.APPROVED, leader2)
        assert not TOTPDevice.objects.filter(user=world.leader).exists()
        assert ended(browser, key)
        # The owner signs in with their password and enrols a new device before anything else.
        check = check_password_step("leader", PASSWORD)
        assert check.needs_otp and not check.has_device
        owner = Client()
        response = owner.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
        assert response["Location"] == "/accounts/login/enrol/"
        [approved] = events(EventType.RECOVERY_APPROVED, world.leader)
        assert approved.actor == leader2
        assert approved.extra == {
            "request": recovery.pk,
            "kind": "second_factor",
            "requested_by": "admin",
            "devices_removed": 1,
        }
        assert len(events(EventType.TOTP_REMOVED, world.leader)) == 1
        [sessions] = events(EventType.SESSIONS_ENDED, world.leader)
        assert sessions.extra == {"reason": "second_factor_reset", "tokens_revoked": 1}

    def test_refused_with_a_reason_the_account_keeps_its_device(self, world: World) -> None:
        enrol_totp(world.leader)
        recovery = ask_second_factor(world)
        leader2 = second_leader(world)
        refused(
            InvalidInput,
            lambda: do_refuse_recovery(recovery, reason=" ", acting_user=leader2),
            "reason_required",
        )
        do_refuse_recovery(recovery, reason="未见本人", acting_user=leader2)
        recovery.refresh_from_db()
        assert (recovery.state, recovery.decision_reason) == (RecoveryState.REFUSED, "未见本人")
        assert TOTPDevice.objects.filter(user=world.leader).exists()
        assert events(EventType.RECOVERY_REFUSED, world.leader)[0].extra["reason"] == "未见本人"
        refused(Conflict, lambda: do_approve_recovery(recovery, acting_user=leader2), "recovery_decided")
        assert TOTPDevice.objects.filter(user=world.leader).exists()

    def test_the_admin_withdraws_it(self, world: World) -> None:
        enrol_totp(world.leader)
        recovery = ask_second_factor(world)
        refused(
            PermissionDenied, lambda: do_withdraw_recovery(recovery, acting_user=world.leader), "forbidden"
        )
        do_withdraw_recovery(recovery, acting_user=world.admin, reason="找到了")
        assert AccountRecovery.objects.get(pk=recovery.pk).state == RecoveryState.WITHDRAWN
        assert len(events(EventType.RECOVERY_WITHDRAWN, world.leader)) == 1
        assert TOTPDevice.objects.filter(user=world.leader).exists()

    def test_what_an_admin_may_ask(self, world: World) -> None:
        refused(
            InvalidInput,
            lambda: do_request_second_factor_reset(world.leader, reason="  ", acting_user=world.admin),
            "reason_required",
        )
        refused(
            InvalidInput,
            lambda: do_request_second_factor_reset(world.admin, reason=LOST, acting_user=world.admin),
            "self_recovery",
        )
        for actor in (world.leader, world.county_clerk, world.auditor):
            refused(
                PermissionDenied,
                lambda a=actor: do_request_second_factor_reset(
                    world.township_clerk, reason=LOST, acting_user=a
                ),
                "forbidden",
            )
        assert not AccountRecovery.objects.exists()

    def test_the_admin_of_another_region_is_refused(self, world: World) -> None:
        other_county = Region.objects.create(code="341198000000", name="白水县", level=RegionLevel.COUNTY)
        stranger = make_user("stranger", Role.COUNTY_ADMIN, other_county)
        refused(
            PermissionDenied,
            lambda: do_request_second_factor_reset(world.leader, reason=LOST, acting_user=stranger),
            "forbidden",
        )
        refused(
            PermissionDenied,
            lambda: do_reset_password(world.leader, GIVEN, acting_user=stranger),
            "forbidden",
        )
        recovery = ask_second_factor(world)
        refused(PermissionDenied, lambda: do_withdraw_recovery(recovery, acting_user=stranger), "forbidden")
        far_leader = make_user("far", Role.LEADER, other_county)
        refused(PermissionDenied, lambda: do_approve_recovery(recovery, acting_user=far_leader), "forbidden")
        assert AccountRecovery.objects.get().state == RecoveryState.PENDING

    def test_one_pending_per_account_whatever_its_kind(self, world: World) -> None:
        ask_second_factor(world)
        refused(Conflict, lambda: ask_second_factor(world), "recovery_pending")
        refused(
            Conflict,
            lambda: do_reset_password(world.leader, GIVEN, acting_user=world.admin),
            "recovery_pending",
        )
        assert AccountRecovery.objects.count() == 1
        assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)
        # Another account is another matter.
        enrol_totp(world.county_clerk)
        ask_second_factor(world, world.county_clerk)
        assert AccountRecovery.objects.count() == 2


@pytest.mark.django_db
class TestWhoDecides:
    def test_asker_approver_and_account_are_three_people(self, world: World) -> None:
        recovery = ask_second_factor(world)
        for user in (world.admin, world.auditor, world.county_clerk, world.township_clerk, world.liaison):
            refused(
                PermissionDenied, lambda u=user: do_approve_recovery(recovery, acting_user=u), "forbidden"
            )
        # The account's own leader does not decide on it, either way.
        error = refused(
            PermissionDenied, lambda: do_approve_recovery(recovery, acting_user=world.leader), "own_account"
        )
        assert "另一位领导" in error.message.zh
        refused(
            PermissionDenied,
            lambda: do_refuse_recovery(recovery, reason="x", acting_user=world.leader),
            "own_account",
        )
        # Roles change: one who asked and became a leader still does not decide it.
        leader2 = second_leader(world)
        AccountRecovery.objects.filter(pk=recovery.pk).update(requested_by=leader2)
        recovery.refresh_from_db()
        refused(PermissionDenied, lambda: do_approve_recovery(recovery, acting_user=leader2), "own_request")
        assert recovery_actions(recovery, leader2) == []
        leader3 = make_user("leader3", Role.LEADER, world.county)
        assert recovery_actions(recovery, leader3) == ["approve", "refuse"]
        assert AccountRecovery.objects.get(pk=recovery.pk).state == RecoveryState.PENDING

    def test_nobody_but_a_leader_in_the_page_list(self, world: World) -> None:
        recovery = ask_second_factor(world)
        assert recovery_actions(recovery, world.admin) == ["withdraw"]
        assert recovery_actions(recovery, world.leader) == []
        assert recovery_actions(recovery, world.county_clerk) == []


@pytest.mark.django_db
class TestPassword:
    def test_a_leaders_password_waits_and_only_its_hash_is_kept(self, world: World) -> None:
        browser, key = signed_in(world.leader)
        done = do_reset_password(world.leader, GIVEN, acting_user=world.admin, reason="忘记密码")
        assert done.waits and done.tokens_revoked == 0
        recovery = AccountRecovery.objects.get(pk=done.recovery.pk if done.recovery else 0)
        assert recovery.kind == RecoveryKind.PASSWORD and recovery.password_hash != GIVEN
        assert check_password(GIVEN, recovery.password_hash)
        # Nothing changed: the old password still works, the sessions and tokens go on.
        leader = User.objects.get(pk=world.leader.pk)
        assert leader.check_password(PASSWORD) and not leader.check_password(GIVEN)
        assert not leader.must_change_password
        assert browser.get("/").status_code == 200 and user_for_token(key) is not None
        assert not events(EventType.PASSWORD_RESET, leader)
        # Neither the password nor its hash is in the audit log.
        logged = json.dumps([[e.new, e.old, e.extra] for e in AuditEvent.objects.all()], default=str)
        assert GIVEN not in logged and recovery.password_hash not in logged

    def test_approval_sets_the_one_time_password_and_ends_everything(self, world: World) -> None:
        browser, key = signed_in(world.leader)
        done = do_reset_password(world.leader, GIVEN, acting_user=world.admin)
        assert done.recovery is not None
        leader2 = second_leader(world)
        do_approve_recovery(done.recovery, acting_user=leader2)
        leader = User.objects.get(pk=world.leader.pk)
        assert leader.check_password(GIVEN) and leader.must_change_password
        assert ended(browser, key)
        recovery = AccountRecovery.objects.get(pk=done.recovery.pk)
        assert recovery.password_hash == ""  # not kept once used
        [reset] = events(EventType.PASSWORD_RESET, leader)
        assert reset.actor == leader2 and reset.extra == {"request": recovery.pk}
        assert events(EventType.RECOVERY_APPROVED, leader)[0].extra["kind"] == "password"
        assert events(EventType.SESSIONS_ENDED, leader)[0].extra["reason"] == "password_reset"
        logged = json.dumps([[e.new, e.old, e.extra] for e in AuditEvent.objects.all()], default=str)
        assert GIVEN not in logged

    def test_refusal_and_withdrawal_forget_the_hash(self, world: World) -> None:
        leader2 = second_leader(world)
        first = do_reset_password(world.leader, GIVEN, acting_user=world.admin).recovery
        assert first is not None
        do_refuse_recovery(first, reason="未见本人", acting_user=leader2)
        second = do_reset_password(world.leader, GIVEN, acting_user=world.admin).recovery
        assert second is not None
        do_withdraw_recovery(second, acting_user=world.admin)
        assert set(AccountRecovery.objects.values_list("password_hash", flat=True)) == {""}
        assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)

    def test_it_is_withdrawn_when_the_owner_chooses_a_password(self, world: World) -> None:
        done = do_reset_password(world.leader, GIVEN, acting_user=world.admin)
        assert done.recovery is not None
        do_set_password(world.leader, "the-owner's-own-9", acting_user=world.leader)
        recovery = AccountRecovery.objects.get(pk=done.recovery.pk)
        assert recovery.state == RecoveryState.WITHDRAWN and recovery.password_hash == ""
        assert events(EventType.RECOVERY_WITHDRAWN, world.leader)[0].actor == world.leader
        refused(
            Conflict,
            lambda: do_approve_recovery(recovery, acting_user=second_leader(world)),
            "recovery_decided",
        )
        assert User.objects.get(pk=world.leader.pk).check_password("the-owner's-own-9")

    def test_the_leader_may_not_approve_their_own(self, world: World) -> None:
        done = do_reset_password(world.leader, GIVEN, acting_user=world.admin)
        assert done.recovery is not None
        refused(
            PermissionDenied,
            lambda: do_approve_recovery(done.recovery, acting_user=world.leader),  # type: ignore[arg-type]
            "own_account",
        )
        assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)

    def test_another_admins_password_waits_too(self, world: World) -> None:
        admin2 = make_user("admin2", Role.COUNTY_ADMIN, world.county)
        assert do_reset_password(admin2, GIVEN, acting_user=world.admin).waits
        assert User.objects.get(pk=admin2.pk).check_password(PASSWORD)

    def test_an_account_waiting_for_a_leaders_role_waits(self, world: World) -> None:
        zhang = do_create_user(
            "zhang", role=Role.LEADER, region_code=COUNTY, password=GIVEN, acting_user=world.admin
        )
        assert zhang.role == "" and RoleRequest.objects.filter(user=zhang).exists()
        assert do_reset_password(zhang, "another-given-43", acting_user=world.admin).waits

    def test_a_clerks_password_is_still_reset_at_once(self, world: World) -> None:
        done = do_reset_password(world.county_clerk, GIVEN, acting_user=world.admin)
        assert not done.waits and done.recovery is None
        clerk = User.objects.get(pk=world.county_clerk.pk)
        assert clerk.check_password(GIVEN) and clerk.must_change_password
        assert not AccountRecovery.objects.exists()

    def test_a_weak_password_is_refused_before_anything_is_asked(self, world: World) -> None:
        refused(
            InvalidInput,
            lambda: do_reset_password(world.leader, "short", acting_user=world.admin),
            "weak_password",
        )
        assert not AccountRecovery.objects.exists()


@pytest.mark.django_db
class TestBootstrap:
    def test_before_any_leader_the_admins_recovery_applies_at_once(self) -> None:
        Region.objects.create(code=COUNTY, name="青山县", level=RegionLevel.COUNTY)
        root = do_create_user(
            "root", role=Role.COUNTY_ADMIN, region_code=COUNTY, password=GIVEN, acting_user=None
        )
        admin2 = do_create_user(
            "admin2", role=Role.COUNTY_ADMIN, region_code=COUNTY, password=GIVEN, acting_user=root
        )
        enrol_totp(admin2)
        recovery = do_request_second_factor_reset(admin2, reason=LOST, acting_user=root)
        assert recovery.state == RecoveryState.APPROVED and recovery.decided_by is None
        assert not TOTPDevice.objects.filter(user=admin2).exists()
        assert events(EventType.RECOVERY_APPROVED, admin2)[0].extra["bootstrap"] == "no_leader_yet"
        done = do_reset_password(admin2, "river-stone-2026", acting_user=root)
        assert not done.waits
        assert User.objects.get(pk=admin2.pk).check_password("river-stone-2026")

    def test_once_a_leader_exists_it_waits(self, world: World) -> None:
        admin2 = make_user("admin2", Role.COUNTY_ADMIN, world.county)
        enrol_totp(admin2)
        assert do_request_second_factor_reset(admin2, reason=LOST, acting_user=world.admin).state == "pending"


@pytest.mark.django_db
class TestTheApi:
    def test_the_admin_asks_and_a_second_leader_approves(self, world: World, client: Client) -> None:
        enrol_totp(world.leader)
        asked = api_post(
            client,
            world.admin,
            "/api/v1/recovery-requests",
            {"user": world.leader.pk, "kind": "second_factor", "reason": LOST},
        )
        assert asked.status_code == 201, asked.content
        body = asked.json()
        assert (body["state"], body["kind"], body["username"]) == ("pending", "second_factor", "leader")
        assert "password_hash" not in body
        user = api_get(client, world.admin, f"/api/v1/users/{world.leader.pk}").json()
        assert user["pending_recovery"] == body["id"]
        own = api_post(client, world.leader, f"/api/v1/recovery-requests/{body['id']}/approve", {})
        assert own.status_code == 403 and own.json()["error"]["code"] == "own_account"
        leader2 = second_leader(world)
        listed = api_get(client, leader2, "/api/v1/recovery-requests").json()
        assert [r["id"] for r in listed["results"]] == [body["id"]]
        approved = api_post(client, leader2, f"/api/v1/recovery-requests/{body['id']}/approve", {})
        assert approved.status_code == 200 and approved.json()["state"] == "approved"
        assert approved.json()["decided_by"] == "leader2"
        assert not TOTPDevice.objects.filter(user=world.leader).exists()
        again = api_post(client, leader2, f"/api/v1/recovery-requests/{body['id']}/approve", {})
        assert again.status_code == 409 and again.json()["error"]["code"] == "recovery_decided"

    def test_a_password_refusal_and_a_withdrawal(self, world: World, client: Client) -> None:
        asked = api_post(
            client,
            world.admin,
            "/api/v1/recovery-requests",
            {"user": world.leader.pk, "kind": "password", "password": GIVEN},
        )
        assert asked.status_code == 201, asked.content
        assert GIVEN not in asked.content.decode()
        second = api_post(
            client,
            world.admin,
            "/api/v1/recovery-requests",
            {"user": world.leader.pk, "kind": "second_factor", "reason": LOST},
        )
        assert second.status_code == 409 and second.json()["error"]["code"] == "recovery_pending"
        leader2 = second_leader(world)
        url = f"/api/v1/recovery-requests/{asked.json()['id']}"
        blank = api_post(client, leader2, f"{url}/refuse", {"reason": " "})
        assert blank.status_code == 400 and blank.json()["error"]["fields"]["reason"]
        done = api_post(client, leader2, f"{url}/refuse", {"reason": "未见本人"})
        assert done.status_code == 200 and done.json()["decision_reason"] == "未见本人"
        assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)
        third = api_post(
            client,
            world.admin,
            "/api/v1/recovery-requests",
            {"user": world.leader.pk, "kind": "second_factor", "reason": LOST},
        )
        withdrawn = api_post(
            client, world.admin, f"/api/v1/recovery-requests/{third.json()['id']}/withdraw", {}
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
        every = api_get(client, world.admin, "/api/v1/recovery-requests", {"state": "all"}).json()
        assert every["count"] == 2
        assert api_get(client, world.admin, "/api/v1/recovery-requests", {"state": "nope"}).status_code == 400

    def test_bad_input_is_a_clear_error_and_changes_nothing(self, world: World, client: Client) -> None:
        cases = [
            ({"user": world.leader.pk, "kind": "password"}, 400, "password_required"),
            (
                {"user": world.county_clerk.pk, "kind": "password", "password": GIVEN},
                400,
                "no_approval_needed",
            ),
            ({"user": world.leader.pk, "kind": "phone"}, 400, "unknown_kind"),
            ({"user": world.leader.pk, "kind": "second_factor"}, 400, "reason_required"),
            ({"user": world.admin.pk, "kind": "second_factor", "reason": LOST}, 400, "self_recovery"),
            ({"user": 999999, "kind": "second_factor", "reason": LOST}, 404, None),
        ]
        for body, status, code in cases:
            answer = api_post(client, world.admin, "/api/v1/recovery-requests", body)
            assert answer.status_code == status, (body, answer.content)
            if code:
                assert answer.json()["error"]["code"] == code
        assert not AccountRecovery.objects.exists()
        assert User.objects.get(pk=world.county_clerk.pk).check_password(PASSWORD)

    @pytest.mark.parametrize("persona", ["county_clerk", "township_clerk", "auditor", "liaison"])
    def test_others_read_and_decide_nothing(self, world: World, client: Client, persona: str) -> None:
        recovery_id = ask_second_factor(world).pk
        user = getattr(world, persona)
        assert api_get(client, user, "/api/v1/recovery-requests").status_code == 403
        assert api_get(client, user, f"/api/v1/recovery-requests/{recovery_id}").status_code == 403
        assert (
            api_post(client, user, f"/api/v1/recovery-requests/{recovery_id}/approve", {}).status_code == 403
        )
        assert AccountRecovery.objects.get().state == RecoveryState.PENDING


@pytest.mark.django_db
class TestThePages:
    def test_the_admin_asks_for_a_second_factor_reset(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        url = f"/accounts/users/{world.leader.pk}/"
        blank = client.post(url, {"action": "reset_second_factor", "reason": ""})
        assert blank.status_code == 200 and blank.context["second_factor_form"].errors
        assert not AccountRecovery.objects.exists()
        response = client.post(
            url,
            {"action": "reset_second_factor", "reason": LOST},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        page = response.content.decode()
        assert 'data-testid="pending-recovery"' in page and "等待领导审批" in page
        assert AccountRecovery.objects.get().kind == RecoveryKind.SECOND_FACTOR
        listed = client.get("/accounts/users/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'data-testid="pending-recovery"' in listed
        client.post(url, {"action": "withdraw_recovery", "reason": "找到了"})
        assert AccountRecovery.objects.get().state == RecoveryState.WITHDRAWN

    def test_the_password_reset_of_a_leader_says_it_waits(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        url = f"/accounts/users/{world.leader.pk}/"
        form = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'data-testid="password-waits"' in form
        response = client.post(
            url, {"action": "reset_password", "password": GIVEN}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert "等待领导审批" in response.content.decode()
        assert User.objects.get(pk=world.leader.pk).check_password(PASSWORD)
        assert AccountRecovery.objects.get().kind == RecoveryKind.PASSWORD
        # A clerk's reset is still the admin's own act, and says so.
        clerk_page = client.get(f"/accounts/users/{world.county_clerk.pk}/").content.decode()
        assert 'data-testid="password-waits"' not in clerk_page

    def test_a_second_leader_approves_on_the_list(self, world: World, client: Client) -> None:
        enrol_totp(world.leader)
        recovery = ask_second_factor(world)
        leader2 = second_leader(world)
        log_in(client, leader2)
        home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'href="/accounts/approvals/"' in home
        page = client.get("/accounts/approvals/").content.decode()
        assert f'data-testid="recovery-{recovery.pk}"' in page and 'data-testid="approve-recovery"' in page
        response = client.post(
            "/accounts/approvals/recoveries/", {"recovery": recovery.pk, "decision": "approve"}
        )
        assert response.status_code == 302 and response["Location"] == "/accounts/approvals/"
        assert not TOTPDevice.objects.filter(user=world.leader).exists()

    def test_the_row_is_replaced_in_place_with_htmx(self, world: World, client: Client) -> None:
        recovery = ask_second_factor(world)
        log_in(client, second_leader(world))
        blank = client.post(
            "/accounts/approvals/recoveries/",
            {"recovery": recovery.pk, "decision": "refuse", "reason": ""},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert (
            blank.startswith("<tr")
            and 'data-testid="recovery-error"' in blank
            and 'data-state="pending"' in blank
        )
        done = client.post(
            "/accounts/approvals/recoveries/",
            {"recovery": recovery.pk, "decision": "refuse", "reason": "未见本人"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert 'data-state="refused"' in done and "未见本人" in done

    def test_the_leader_is_not_offered_their_own_and_is_refused(self, world: World, client: Client) -> None:
        recovery = ask_second_factor(world)
        log_in(client, world.leader)
        assert f"recovery-{recovery.pk}" not in client.get("/accounts/approvals/").content.decode()
        response = client.post(
            "/accounts/approvals/recoveries/",
            {"recovery": recovery.pk, "decision": "approve"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert "另一位领导" in response.content.decode()
        assert AccountRecovery.objects.get().state == RecoveryState.PENDING

    @pytest.mark.parametrize("persona", ["admin", "auditor", "county_clerk", "township_clerk"])
    def test_only_leaders_decide(self, world: World, client: Client, persona: str) -> None:
        recovery = ask_second_factor(world)
        log_in(client, getattr(world, persona))
        answer = client.post(
            "/accounts/approvals/recoveries/", {"recovery": recovery.pk, "decision": "approve"}
        )
        assert answer.status_code == 403
        assert client.get("/accounts/approvals/recoveries/").status_code in (403, 405)
        assert AccountRecovery.objects.get().state == RecoveryState.PENDING

    def test_bad_posts_are_404_not_500(self, world: World, client: Client) -> None:
        recovery = ask_second_factor(world)
        log_in(client, second_leader(world))
        for body in (
            {},
            {"recovery": "x"},
            {"recovery": recovery.pk, "decision": "nope"},
            {"recovery": 99999},
        ):
            assert client.post("/accounts/approvals/recoveries/", body).status_code == 404
        assert AccountRecovery.objects.get().state == RecoveryState.PENDING
