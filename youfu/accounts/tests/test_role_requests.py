"""Separation of duties (issue 15, GB/T 22239's three administrators): a role that reads personal
data is asked for by the admin and given only when a leader who neither asked for it nor receives
it approves it; the bootstrap (the first admin, the first leader, the command and the demo while
there is no leader) is the one exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import RoleRequest, RoleRequestState, User
from youfu.accounts.services import (
    LoginFailed,
    check_password_step,
    do_approve_role_request,
    do_create_user,
    do_issue_token,
    do_refuse_role_request,
    do_request_role,
    do_update_user,
    do_withdraw_role_request,
    grants_directly,
    user_for_token,
)
from youfu.accounts.tests.factories import approved_user
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import Conflict, InvalidInput, PermissionDenied, YoufuError
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.testing import COUNTY, World, api_get, api_post, bearer, log_in, make_user

STRONG = "river-stone-2026"


def new_clerk(world: World, username: str = "zhao", role: Role = Role.TOWNSHIP_CLERK) -> User:
    region = world.township_a if role == Role.TOWNSHIP_CLERK else world.county
    return do_create_user(
        username, role=role, region_code=region.code, password=STRONG, acting_user=world.admin
    )


def pending(user: User) -> RoleRequest:
    return RoleRequest.objects.get(user=user, state=RoleRequestState.PENDING)


def refused(exc: type[YoufuError], attempt: Callable[[], Any], code: str) -> YoufuError:
    with pytest.raises(exc) as caught:
        attempt()
    assert caught.value.code == code, caught.value.code
    return caught.value


def events(kind: EventType, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind, object_id=str(user.pk)).order_by("seq"))


@pytest.mark.django_db
class TestANewAccount:
    def test_it_waits_without_a_role_and_cannot_sign_in(self, world: World) -> None:
        zhao = new_clerk(world)
        assert (zhao.role, zhao.region_id, zhao.is_active) == ("", world.township_a.code, True)
        request = pending(zhao)
        assert (request.role, request.region_id, request.new_account) == (
            Role.TOWNSHIP_CLERK,
            world.township_a.code,
            True,
        )
        assert request.requested_by == world.admin
        # The right password is told why; a wrong one learns nothing more than before.
        error = refused(LoginFailed, lambda: check_password_step("zhao", STRONG), "awaiting_approval")
        assert "领导" in error.message.zh
        refused(LoginFailed, lambda: check_password_step("zhao", "wrong-password-1"), "login_failed")
        response = Client().post(
            "/api/v1/auth/token", {"username": "zhao", "password": STRONG}, content_type="application/json"
        )
        assert response.status_code == 401 and response.json()["error"]["code"] == "awaiting_approval"
        created, asked = events(EventType.USER_CREATED, zhao), events(EventType.ROLE_REQUESTED, zhao)
        assert created[0].new is not None and created[0].new["role"] == ""
        assert asked[0].new == {
            "user": "zhao",
            "role": "township_clerk",
            "region": world.township_a.code,
            "department": None,
        }
        assert asked[0].actor == world.admin

    def test_a_leader_approves_it_and_it_signs_in(self, world: World) -> None:
        zhao = new_clerk(world)
        do_approve_role_request(pending(zhao), acting_user=world.leader)
        zhao.refresh_from_db()
        assert zhao.role == Role.TOWNSHIP_CLERK
        assert check_password_step("zhao", STRONG).user == zhao
        approved = events(EventType.ROLE_APPROVED, zhao)
        assert approved[0].actor == world.leader
        assert approved[0].new is not None and approved[0].new["role"] == "township_clerk"
        assert RoleRequest.objects.get(user=zhao).state == RoleRequestState.APPROVED

    def test_a_leader_refuses_it_with_a_reason(self, world: World) -> None:
        zhao = new_clerk(world)
        request = pending(zhao)
        refused(
            InvalidInput,
            lambda: do_refuse_role_request(request, reason="  ", acting_user=world.leader),
            "reason_required",
        )
        do_refuse_role_request(request, reason="不在编", acting_user=world.leader)
        zhao.refresh_from_db()
        assert zhao.role == ""
        assert (request.state, request.reason, request.decided_by) == ("refused", "不在编", world.leader)
        assert events(EventType.ROLE_REFUSED, zhao)[0].extra["reason"] == "不在编"
        refused(LoginFailed, lambda: check_password_step("zhao", STRONG), "awaiting_approval")

    def test_the_admin_withdraws_it(self, world: World) -> None:
        zhao = new_clerk(world)
        do_withdraw_role_request(pending(zhao), acting_user=world.admin, reason="录错")
        assert RoleRequest.objects.get(user=zhao).state == RoleRequestState.WITHDRAWN
        assert len(events(EventType.ROLE_REQUEST_WITHDRAWN, zhao)) == 1
        refused(
            PermissionDenied,
            lambda: do_withdraw_role_request(RoleRequest.objects.get(user=zhao), acting_user=world.leader),
            "forbidden",
        )

    def test_roles_that_read_no_personal_data_are_given_at_once(self, world: World) -> None:
        for username, role in (("admin2", Role.COUNTY_ADMIN), ("auditor2", Role.AUDITOR)):
            user = do_create_user(
                username, role=role, region_code=COUNTY, password=STRONG, acting_user=world.admin
            )
            assert user.role == role
            assert not RoleRequest.objects.filter(user=user).exists()

    @pytest.mark.parametrize(
        "role", [Role.COUNTY_CLERK, Role.VILLAGE_ASSISTANT, Role.LEADER, Role.DEPARTMENT_LIAISON]
    )
    def test_every_role_that_reads_personal_data_waits(self, world: World, role: Role) -> None:
        region = world.village_a if role == Role.VILLAGE_ASSISTANT else world.county
        user = do_create_user(
            "x", role=role, region_code=region.code, password=STRONG, acting_user=world.admin
        )
        assert user.role == "" and pending(user).role == role

    def test_the_factory_helper_goes_through_the_approval(self, world: World) -> None:
        zhao = approved_user(
            "zhao", role=Role.TOWNSHIP_CLERK, region=world.township_a, admin=world.admin, leader=world.leader
        )
        assert zhao.role == Role.TOWNSHIP_CLERK
        assert len(events(EventType.ROLE_APPROVED, zhao)) == 1


@pytest.mark.django_db
class TestWhoDecides:
    def test_nobody_but_a_leader(self, world: World) -> None:
        request = pending(new_clerk(world))
        for user in (world.admin, world.auditor, world.county_clerk, world.township_clerk, world.liaison):
            refused(
                PermissionDenied, lambda u=user: do_approve_role_request(request, acting_user=u), "forbidden"
            )
            refused(
                PermissionDenied,
                lambda u=user: do_refuse_role_request(request, reason="x", acting_user=u),
                "forbidden",
            )
        assert pending(request.user) == request

    def test_not_for_their_own_account(self, world: World) -> None:
        do_update_user(world.leader, acting_user=world.admin, role=Role.COUNTY_CLERK)
        request = pending(world.leader)
        error = refused(
            PermissionDenied,
            lambda: do_approve_role_request(request, acting_user=world.leader),
            "own_account",
        )
        assert "另一位领导" in error.message.zh
        refused(
            PermissionDenied,
            lambda: do_refuse_role_request(request, reason="x", acting_user=world.leader),
            "own_account",
        )
        world.leader.refresh_from_db()
        assert world.leader.role == Role.LEADER
        second = make_user("leader2", Role.LEADER, world.county)
        do_approve_role_request(request, acting_user=second)
        world.leader.refresh_from_db()
        assert world.leader.role == Role.COUNTY_CLERK

    def test_not_what_they_asked_for_themselves(self, world: World) -> None:
        # Roles change: an admin who asked and became a leader still does not decide it.
        request = pending(new_clerk(world))
        RoleRequest.objects.filter(pk=request.pk).update(requested_by=world.leader)
        request.refresh_from_db()
        error = refused(
            PermissionDenied,
            lambda: do_approve_role_request(request, acting_user=world.leader),
            "own_request",
        )
        assert "未提出申请的领导" in error.message.zh

    def test_a_request_is_decided_once(self, world: World) -> None:
        request = pending(new_clerk(world))
        do_approve_role_request(request, acting_user=world.leader)
        second = make_user("leader2", Role.LEADER, world.county)
        stale = RoleRequest.objects.get(pk=request.pk)
        stale.state = RoleRequestState.PENDING  # a page opened before the first decision
        for attempt in (
            lambda: do_approve_role_request(stale, acting_user=second),
            lambda: do_refuse_role_request(stale, reason="晚了", acting_user=second),
            lambda: do_withdraw_role_request(stale, acting_user=world.admin),
        ):
            refused(Conflict, attempt, "role_request_decided")

    def test_an_account_changed_since_the_request_is_not_approved_over(self, world: World) -> None:
        zhao = new_clerk(world)
        request = pending(zhao)
        User.objects.filter(pk=zhao.pk).update(region=world.township_b)  # behind the request's back
        before = AuditEvent.objects.count()
        refused(
            Conflict, lambda: do_approve_role_request(request, acting_user=world.leader), "account_changed"
        )
        zhao.refresh_from_db()
        assert zhao.role == "" and pending(zhao) == request  # rolled back whole
        assert AuditEvent.objects.count() == before


@pytest.mark.django_db
class TestChangingAnAccount:
    def test_a_promotion_waits_and_the_account_keeps_its_role(self, world: World) -> None:
        auditor = world.auditor
        do_update_user(auditor, acting_user=world.admin, role=Role.COUNTY_CLERK, full_name="赵审计")
        auditor.refresh_from_db()
        assert (auditor.role, auditor.full_name) == (Role.AUDITOR, "赵审计")  # the name applies at once
        request = pending(auditor)
        assert (request.from_role, request.role, request.new_account) == (
            Role.AUDITOR,
            Role.COUNTY_CLERK,
            False,
        )
        key, _ = do_issue_token(auditor, acting_user=auditor)
        do_approve_role_request(request, acting_user=world.leader)
        auditor.refresh_from_db()
        assert auditor.role == Role.COUNTY_CLERK
        assert user_for_token(key) is None  # signed in as an auditor: that ends

    def test_a_move_to_another_township_waits(self, world: World) -> None:
        clerk = world.township_clerk
        do_update_user(clerk, acting_user=world.admin, region_code=world.township_b.code)
        clerk.refresh_from_db()
        assert clerk.region_id == world.township_a.code
        assert pending(clerk).region_id == world.township_b.code

    def test_taking_access_away_applies_at_once_and_ends_the_request(self, world: World) -> None:
        clerk = world.township_clerk
        do_update_user(clerk, acting_user=world.admin, region_code=world.township_b.code)
        request = pending(clerk)
        do_update_user(clerk, acting_user=world.admin, role=Role.AUDITOR, region_code=COUNTY)
        clerk.refresh_from_db()
        assert clerk.role == Role.AUDITOR
        request.refresh_from_db()
        assert (request.state, request.reason) == (RoleRequestState.WITHDRAWN, "superseded")
        refused(
            Conflict,
            lambda: do_approve_role_request(request, acting_user=world.leader),
            "role_request_decided",
        )

    def test_one_request_at_a_time(self, world: World) -> None:
        clerk = world.township_clerk
        do_update_user(clerk, acting_user=world.admin, region_code=world.township_b.code)
        refused(
            Conflict,
            lambda: do_update_user(
                clerk, acting_user=world.admin, role=Role.COUNTY_CLERK, region_code=COUNTY
            ),
            "role_request_pending",
        )
        refused(
            Conflict,
            lambda: do_request_role(
                clerk, role=Role.COUNTY_CLERK, region_code=COUNTY, acting_user=world.admin
            ),
            "role_request_pending",
        )

    def test_what_a_request_may_ask(self, world: World) -> None:
        clerk = world.township_clerk
        refused(
            InvalidInput,
            lambda: do_request_role(clerk, role=Role.AUDITOR, region_code=COUNTY, acting_user=world.admin),
            "no_approval_needed",
        )
        refused(
            InvalidInput,
            lambda: do_request_role(
                clerk, role=Role.TOWNSHIP_CLERK, region_code=world.township_a.code, acting_user=world.admin
            ),
            "no_change",
        )
        refused(
            InvalidInput,
            lambda: do_request_role(
                clerk, role=Role.TOWNSHIP_CLERK, region_code=COUNTY, acting_user=world.admin
            ),
            "role_region_mismatch",
        )
        refused(
            PermissionDenied,
            lambda: do_request_role(
                clerk, role=Role.COUNTY_CLERK, region_code=COUNTY, acting_user=world.leader
            ),
            "forbidden",
        )
        assert not RoleRequest.objects.exists()


@pytest.mark.django_db
class TestBootstrap:
    def county(self) -> Region:
        return Region.objects.create(code=COUNTY, name="青山县", level=RegionLevel.COUNTY)

    def test_the_first_admin_and_the_first_leader_are_given_their_roles(self) -> None:
        county = self.county()
        admin = do_create_user(
            "root", role=Role.COUNTY_ADMIN, region_code=COUNTY, password=STRONG, acting_user=None
        )
        leader = do_create_user(
            "zhang", role=Role.LEADER, region_code=COUNTY, password=STRONG, acting_user=admin
        )
        assert (admin.role, leader.role) == (Role.COUNTY_ADMIN, Role.LEADER)
        # The first admin typed their own password; the leader's is the admin's, for one sign-in.
        assert events(EventType.USER_CREATED, admin)[0].extra == {
            "bootstrap": "first_admin",
            "one_time_password": False,
        }
        assert events(EventType.USER_CREATED, leader)[0].extra == {
            "bootstrap": "first_leader",
            "one_time_password": True,
        }
        # The page and the API are not the bootstrap: a clerk asked there waits, even before a leader.
        second = do_create_user(
            "li", role=Role.LEADER, region_code=county.code, password=STRONG, acting_user=admin
        )
        assert second.role == ""

    def test_without_a_leader_a_clerk_asked_on_the_page_waits(self) -> None:
        self.county()
        admin = do_create_user(
            "root", role=Role.COUNTY_ADMIN, region_code=COUNTY, password=STRONG, acting_user=None
        )
        clerk = do_create_user(
            "wang", role=Role.COUNTY_CLERK, region_code=COUNTY, password=STRONG, acting_user=admin
        )
        assert clerk.role == "" and pending(clerk).role == Role.COUNTY_CLERK
        assert grants_directly(Role.COUNTY_CLERK, admin, bootstrap=True) == (True, "no_leader_yet")

    def test_it_does_not_open_again_when_the_leaders_are_gone(self, world: World) -> None:
        # An admin who demotes the only leader (taking access away applies at once) and then
        # deactivates it does not get the bootstrap back: the audit log remembers the grant.
        zhang = do_create_user(
            "zhang", role=Role.LEADER, region_code=COUNTY, password=STRONG, acting_user=world.admin
        )
        assert zhang.role == ""  # the world has a leader: asked, not given
        do_update_user(world.leader, acting_user=world.admin, role=Role.AUDITOR)
        assert not User.objects.filter(role=Role.LEADER).exists()
        assert grants_directly(Role.LEADER, world.admin) == (False, "")
        assert grants_directly(Role.COUNTY_CLERK, world.admin, bootstrap=True) == (False, "")


@pytest.mark.django_db
class TestTheApi:
    def test_the_admin_asks_and_a_leader_approves(self, world: World, client: Client) -> None:
        made = api_post(
            client,
            world.admin,
            "/api/v1/users",
            {
                "username": "zhao",
                "role": "township_clerk",
                "region": world.township_a.code,
                "password": STRONG,
            },
        )
        assert made.status_code == 201, made.content
        body = made.json()
        assert body["role"] == "" and body["pending_role_request"]
        request_id = body["pending_role_request"]

        listed = api_get(client, world.leader, "/api/v1/role-requests").json()
        assert [r["id"] for r in listed["results"]] == [request_id]
        assert listed["results"][0]["username"] == "zhao" and listed["results"][0]["new_account"] is True

        assert (
            api_post(client, world.admin, f"/api/v1/role-requests/{request_id}/approve", {}).status_code
            == 403
        )
        approved = api_post(client, world.leader, f"/api/v1/role-requests/{request_id}/approve", {})
        assert approved.status_code == 200 and approved.json()["state"] == "approved"
        assert approved.json()["decided_by"] == "leader"
        user = api_get(client, world.admin, f"/api/v1/users/{body['id']}").json()
        assert user["role"] == "township_clerk" and user["pending_role_request"] is None

    def test_the_admin_asks_for_a_change_and_withdraws_it(self, world: World, client: Client) -> None:
        asked = api_post(
            client,
            world.admin,
            "/api/v1/role-requests",
            {"user": world.auditor.pk, "role": "county_clerk", "region": COUNTY},
        )
        assert asked.status_code == 201, asked.content
        request_id = asked.json()["id"]
        assert asked.json()["from_role"] == "auditor"
        withdrawn = api_post(
            client, world.admin, f"/api/v1/role-requests/{request_id}/withdraw", {"reason": "问错了"}
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
        every = api_get(client, world.admin, "/api/v1/role-requests", {"state": "all"}).json()
        assert every["count"] == 1
        assert api_get(client, world.admin, "/api/v1/role-requests", {"state": "nope"}).status_code == 400

    def test_refusals_are_explained(self, world: World, client: Client) -> None:
        do_update_user(world.leader, acting_user=world.admin, role=Role.COUNTY_CLERK)
        request_id = pending(world.leader).pk
        own = api_post(client, world.leader, f"/api/v1/role-requests/{request_id}/approve", {})
        assert own.status_code == 403 and own.json()["error"]["code"] == "own_account"
        assert (
            "another leader"
            in client.post(
                f"/api/v1/role-requests/{request_id}/approve",
                content_type="application/json",
                HTTP_ACCEPT_LANGUAGE="en",
                **bearer(world.leader),
            ).json()["error"]["message"]
        )
        second = make_user("leader2", Role.LEADER, world.county)
        blank = api_post(client, second, f"/api/v1/role-requests/{request_id}/refuse", {"reason": " "})
        assert blank.status_code == 400 and blank.json()["error"]["fields"]["reason"]
        no_role = api_post(
            client,
            world.admin,
            "/api/v1/role-requests",
            {"user": world.county_clerk.pk, "role": "auditor", "region": COUNTY},
        )
        assert no_role.status_code == 400 and no_role.json()["error"]["code"] == "no_approval_needed"

    @pytest.mark.parametrize("persona", ["county_clerk", "township_clerk", "auditor", "liaison"])
    def test_others_read_no_requests(self, world: World, client: Client, persona: str) -> None:
        request_id = pending(new_clerk(world)).pk
        user = getattr(world, persona)
        assert api_get(client, user, "/api/v1/role-requests").status_code == 403
        assert api_get(client, user, f"/api/v1/role-requests/{request_id}").status_code == 403
        assert api_post(client, user, f"/api/v1/role-requests/{request_id}/approve", {}).status_code == 403
        assert pending(User.objects.get(username="zhao")).pk == request_id


@pytest.mark.django_db
class TestThePages:
    def test_the_admin_creates_a_clerk_and_is_told_it_waits(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = client.post(
            "/accounts/users/",
            {
                "username": "zhao",
                "full_name": "赵六",
                "role": "township_clerk",
                "region": world.township_a.code,
                "password": STRONG,
            },
            follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        page = response.content.decode()
        assert "等待领导审批" in page
        assert 'data-testid="pending-role"' in page and 'data-testid="roles-waiting"' in page

    def test_a_pending_account_is_told_on_the_login_page(self, world: World, client: Client) -> None:
        new_clerk(world)
        page = client.post(
            "/accounts/login/", {"username": "zhao", "password": STRONG}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert "领导审批" in page
        assert "_auth_user_id" not in client.session

    def test_the_leader_approves_on_the_list(self, world: World, client: Client) -> None:
        zhao = new_clerk(world)
        request = pending(zhao)
        log_in(client, world.leader)
        home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'href="/accounts/approvals/"' in home
        page = client.get("/accounts/approvals/").content.decode()
        assert f'data-testid="role-request-{request.pk}"' in page
        response = client.post("/accounts/approvals/", {"request": request.pk, "decision": "approve"})
        assert response.status_code == 302
        zhao.refresh_from_db()
        assert zhao.role == Role.TOWNSHIP_CLERK

    def test_the_row_is_replaced_in_place_with_htmx(self, world: World, client: Client) -> None:
        request = pending(new_clerk(world))
        log_in(client, world.leader)
        blank = client.post(
            "/accounts/approvals/",
            {"request": request.pk, "decision": "refuse", "reason": ""},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        row = blank.content.decode()
        assert blank.status_code == 200 and row.startswith("<tr") and 'data-testid="role-error"' in row
        assert 'data-state="pending"' in row
        done = client.post(
            "/accounts/approvals/",
            {"request": request.pk, "decision": "refuse", "reason": "不在编"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        assert 'data-state="refused"' in done and "不在编" in done

    def test_the_leader_sees_the_error_for_their_own_account(self, world: World, client: Client) -> None:
        do_update_user(world.leader, acting_user=world.admin, role=Role.COUNTY_CLERK)
        request = pending(world.leader)
        log_in(client, world.leader)
        assert f"role-request-{request.pk}" not in client.get("/accounts/approvals/").content.decode()
        response = client.post(
            "/accounts/approvals/",
            {"request": request.pk, "decision": "approve"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert "另一位领导" in response.content.decode()
        world.leader.refresh_from_db()
        assert world.leader.role == Role.LEADER

    @pytest.mark.parametrize("persona", ["admin", "auditor", "county_clerk", "township_clerk"])
    def test_only_leaders_open_the_list(self, world: World, client: Client, persona: str) -> None:
        request = pending(new_clerk(world))
        log_in(client, getattr(world, persona))
        assert client.get("/accounts/approvals/").status_code == 403
        assert (
            client.post("/accounts/approvals/", {"request": request.pk, "decision": "approve"}).status_code
            == 403
        )
        assert pending(request.user) == request

    def test_the_admin_asks_for_a_promotion_and_withdraws_it(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        url = f"/accounts/users/{world.auditor.pk}/"
        response = client.post(
            url,
            {"full_name": "赵审计", "role": "county_clerk", "region": COUNTY, "is_active": "on"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        page = response.content.decode()
        assert 'data-testid="pending-request"' in page and "等待领导审批" in page
        world.auditor.refresh_from_db()
        assert world.auditor.role == Role.AUDITOR
        client.post(url, {"action": "withdraw", "reason": "问错了"})
        assert RoleRequest.objects.get(user=world.auditor).state == RoleRequestState.WITHDRAWN

    def test_a_second_request_is_refused_on_the_form(self, world: World, client: Client) -> None:
        do_update_user(world.auditor, acting_user=world.admin, role=Role.COUNTY_CLERK)
        log_in(client, world.admin)
        response = client.post(
            f"/accounts/users/{world.auditor.pk}/",
            {"full_name": "", "role": "leader", "region": COUNTY, "is_active": "on"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 200 and "撤回" in response.content.decode()
        assert RoleRequest.objects.count() == 1

    def test_a_request_ended_by_another_change_says_so(self, world: World, client: Client) -> None:
        clerk = world.township_clerk
        do_update_user(clerk, acting_user=world.admin, region_code=world.township_b.code)
        do_update_user(clerk, acting_user=world.admin, role=Role.AUDITOR, region_code=COUNTY)
        log_in(client, world.admin)
        page = client.get(f"/accounts/users/{clerk.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "账号已另行修改" in page and "superseded" not in page
