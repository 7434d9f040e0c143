"""A password someone else set is good for one sign-in (issue 15, security.md gap 1).

The admin chooses a new account's first password and an admin's reset, so the admin knows them:
the owner must choose their own at the next sign-in before anything else (every page leads to
the choice, the API refuses the session and issues no token), and the change is audited. The
first admin types their own password and the demo's is published: neither is one-time. The
command line's reset is in ``test_account_commands.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from youfu.accounts.models import ApiToken, RoleRequest, RoleRequestState, User
from youfu.accounts.services import (
    do_approve_role_request,
    do_create_user,
    do_issue_token,
    do_reset_password,
    do_set_password,
)
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.roles import Role
from youfu.regions.models import Region, RegionLevel
from youfu.testing import PASSWORD, World, enrol_totp, log_in, totp_now

GIVEN = "given-by-admin-42"
CHOSEN = "chosen-by-me-77"


def new_account(world: World, username: str = "wang", role: Role = Role.COUNTY_CLERK) -> User:
    """An account as the admin creates it after the bootstrap: asked, approved by a leader."""
    user = do_create_user(
        username, role=role, region_code=world.county.code, password=GIVEN, acting_user=world.admin
    )
    pending = RoleRequest.objects.filter(user=user, state=RoleRequestState.PENDING).first()
    if pending is not None:
        do_approve_role_request(pending, acting_user=world.leader)
    user.refresh_from_db()
    return user


def sign_in(client: Client, username: str, password: str = GIVEN) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def choose(client: Client, current: str = GIVEN, new: str = CHOSEN, repeat: str | None = None) -> Any:
    return client.post(
        "/accounts/password/", {"current": current, "new": new, "repeat": new if repeat is None else repeat}
    )


def token(username: str, password: str) -> Any:
    return Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


def events(kind: EventType, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind, object_id=str(user.pk)).order_by("seq"))


@pytest.mark.django_db
class TestWhoseIsOneTime:
    def test_an_account_the_admin_creates_is(self, world: World) -> None:
        user = new_account(world)
        assert user.must_change_password
        assert events(EventType.USER_CREATED, user)[0].extra == {"one_time_password": True}

    def test_the_first_admin_types_their_own(self) -> None:
        Region.objects.create(code="341199000000", name="青山县", level=RegionLevel.COUNTY)
        root = do_create_user(
            "root", role=Role.COUNTY_ADMIN, region_code="341199000000", password=GIVEN, acting_user=None
        )
        assert not root.must_change_password

    def test_the_demo_asks_for_none(self, world: World) -> None:
        user = do_create_user(
            "demo",
            role=Role.AUDITOR,
            region_code=world.county.code,
            password=GIVEN,
            acting_user=world.admin,
            one_time_password=False,
        )
        assert not user.must_change_password
        assert events(EventType.USER_CREATED, user)[0].extra == {"one_time_password": False}


@pytest.mark.django_db
class TestTheFirstSignIn:
    def test_every_page_leads_to_choosing_a_password(self, world: World, client: Client) -> None:
        new_account(world)
        response = sign_in(client, "wang")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/"
        for path in ("/", "/registry/", "/accounts/profile/", "/petitions/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"] == "/accounts/password/", path
        assert client.get("/accounts/password/").status_code == 200

    def test_the_api_refuses_the_session_and_gives_no_token(self, world: World, client: Client) -> None:
        user = new_account(world)
        sign_in(client, "wang")
        assert client.get("/api/v1/me").status_code == 401
        before = AuditEvent.objects.count()
        response = token("wang", GIVEN)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "password_change_required"
        assert not ApiToken.objects.filter(user=user).exists()
        assert AuditEvent.objects.count() == before  # neither a login nor a token recorded
        with pytest.raises(PermissionDenied):
            do_issue_token(user, acting_user=user)

    def test_choosing_it_lets_the_user_in_and_is_audited(self, world: World, client: Client) -> None:
        user = new_account(world)
        sign_in(client, "wang")
        response = choose(client)
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/").status_code == 200  # the same session goes on
        user.refresh_from_db()
        assert not user.must_change_password and user.check_password(CHOSEN)
        [changed] = events(EventType.PASSWORD_CHANGED, user)
        assert changed.actor_id == user.pk and changed.extra == {"one_time_replaced": True}
        assert token("wang", CHOSEN).status_code == 200
        assert token("wang", GIVEN).status_code == 401
        # Done once: the page now sends the user to the profile's form.
        assert client.get("/accounts/password/")["Location"] == "/accounts/profile/"

    @pytest.mark.parametrize(
        "current, new, repeat, error",
        [
            ("wrong-pass-11", CHOSEN, CHOSEN, "current"),
            (GIVEN, GIVEN, GIVEN, "new"),  # the one the admin knows
            (GIVEN, CHOSEN, "chosen-by-me-78", "repeat"),
            (GIVEN, "short", "short", "new"),
        ],
        ids=["wrong current", "the same again", "repeat differs", "weak"],
    )
    def test_a_bad_choice_changes_nothing(
        self, world: World, client: Client, current: str, new: str, repeat: str, error: str
    ) -> None:
        user = new_account(world)
        sign_in(client, "wang")
        before = AuditEvent.objects.count()
        response = choose(client, current, new, repeat)
        assert response.status_code == 200
        assert response.context["form"].errors.get(error), response.context["form"].errors
        user.refresh_from_db()
        assert user.must_change_password and user.check_password(GIVEN)
        assert AuditEvent.objects.count() == before
        assert client.get("/")["Location"] == "/accounts/password/"

    def test_a_leader_gives_the_second_factor_first(self, world: World, client: Client) -> None:
        user = new_account(world, "zhang", Role.LEADER)
        device = enrol_totp(user)
        response = sign_in(client, "zhang")
        assert response["Location"] == "/accounts/login/otp/"
        response = client.post("/accounts/login/otp/", {"otp": totp_now(device)})
        assert response["Location"] == "/accounts/password/"
        assert client.get("/")["Location"] == "/accounts/password/"
        assert choose(client)["Location"] == "/"
        assert client.get("/").status_code == 200

    def test_an_account_waiting_for_its_role_still_cannot_sign_in(self, world: World, client: Client) -> None:
        do_create_user(
            "wang",
            role=Role.COUNTY_CLERK,
            region_code=world.county.code,
            password=GIVEN,
            acting_user=world.admin,
        )
        response = sign_in(client, "wang")
        assert response.status_code == 200 and "_auth_user_id" not in client.session

    def test_the_personas_and_own_passwords_are_not_asked(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        assert client.get("/").status_code == 200
        do_set_password(world.county_clerk, CHOSEN, acting_user=world.county_clerk)
        assert not User.objects.get(pk=world.county_clerk.pk).must_change_password


@pytest.mark.django_db
class TestTheAdminsReset:
    def test_it_is_one_time_ends_everything_and_is_audited(self, world: World) -> None:
        clerk = world.county_clerk
        browser = Client()
        log_in(browser, clerk)
        key, _ = do_issue_token(clerk, acting_user=clerk)
        assert do_reset_password(clerk, GIVEN, acting_user=world.admin).tokens_revoked == 1
        clerk.refresh_from_db()
        assert clerk.must_change_password and clerk.check_password(GIVEN)
        assert browser.get("/")["Location"].startswith("/accounts/login")
        assert Client().get("/api/v1/me", headers={"authorization": f"Bearer {key}"}).status_code == 401
        [reset] = events(EventType.PASSWORD_RESET, clerk)
        assert reset.actor_id == world.admin.pk
        [ended] = events(EventType.SESSIONS_ENDED, clerk)
        assert ended.extra == {"reason": "password_reset", "tokens_revoked": 1}
        # The password is nowhere in the log.
        assert GIVEN not in json.dumps(
            [[e.new, e.old, e.extra] for e in AuditEvent.objects.all()], default=str
        )

    def test_only_an_admin_of_the_users_region(self, world: World) -> None:
        other_county = Region.objects.create(code="341198000000", name="白水县", level=RegionLevel.COUNTY)
        stranger = User.objects.create_user(
            "stranger", password=PASSWORD, role=Role.COUNTY_ADMIN, region=other_county
        )
        for actor in (world.leader, world.county_clerk, stranger):
            with pytest.raises(PermissionDenied):
                do_reset_password(world.township_clerk, GIVEN, acting_user=actor)
        with pytest.raises(InvalidInput):
            do_reset_password(world.township_clerk, "short", acting_user=world.admin)
        assert User.objects.get(pk=world.township_clerk.pk).check_password(PASSWORD)
        assert not AuditEvent.objects.filter(event_type=EventType.PASSWORD_RESET).exists()

    def test_on_the_users_page(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        url = f"/accounts/users/{world.township_clerk.pk}/"
        response = client.post(url, {"action": "reset_password", "password": "short"})
        assert response.status_code == 200 and response.context["reset_form"].errors
        response = client.post(url, {"action": "reset_password", "password": GIVEN})
        assert response.status_code == 302
        clerk = User.objects.get(pk=world.township_clerk.pk)
        assert clerk.must_change_password and clerk.check_password(GIVEN)
        assert client.get(url).context["subject"].must_change_password
        # Not one's own: that is the profile's form.
        response = client.post(
            f"/accounts/users/{world.admin.pk}/", {"action": "reset_password", "password": GIVEN}
        )
        assert response.status_code == 200
        assert User.objects.get(pk=world.admin.pk).check_password(PASSWORD)
        # The owner signs in with it once and chooses their own.
        owner = Client()
        assert sign_in(owner, "township")["Location"] == "/accounts/password/"
        assert choose(owner)["Location"] == "/"
