from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from youfu.accounts.models import ApiToken, User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.testing import PASSWORD, World, enrol_totp, totp_now


def token_request(client: Client, username: str, password: str, otp: str | None = None) -> tuple[int, dict]:
    body: dict[str, str] = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.django_db
class TestLockout:
    def test_it_locks_after_five_failures_for_fifteen_minutes(self, world: World, client: Client) -> None:
        for _ in range(5):
            response = client.post("/accounts/login/", {"username": "clerk", "password": "wrong-pass-1"})
            assert response.status_code == 200
        response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
        assert response.status_code == 200  # still the login page: locked
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(event_type=EventType.ACCOUNT_LOCKED).count() == 1
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
            assert response.status_code == 302
            assert response["Location"] == "/"

    def test_the_token_endpoint_counts_towards_the_lockout(self, world: World, client: Client) -> None:
        for _ in range(3):
            client.post("/accounts/login/", {"username": "clerk", "password": "wrong-pass-1"})
        for _ in range(2):
            status, body = token_request(client, "clerk", "wrong-pass-1")
            assert status == 401
        status, body = token_request(client, "clerk", PASSWORD)
        assert status == 401
        assert body["error"]["code"] == "account_locked"

    def test_a_good_login_resets_the_counter(self, world: World, client: Client) -> None:
        for _ in range(4):
            client.post("/accounts/login/", {"username": "clerk", "password": "wrong-pass-1"})
        assert client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD}).status_code == 302
        assert User.objects.get(username="clerk").failed_logins == 0

    def test_unknown_users_get_the_same_answer(self, world: World, client: Client) -> None:
        status_a, body_a = token_request(client, "nobody", "whatever-123")
        status_b, body_b = token_request(client, "clerk", "whatever-123")
        assert status_a == status_b == 401
        assert body_a == body_b


@pytest.mark.django_db
class TestTwoFactor:
    def test_a_leader_without_a_device_must_enrol_before_anything(self, world: World, client: Client) -> None:
        response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
        assert response["Location"] == "/accounts/login/enrol/"
        assert client.get("/").status_code == 302  # not logged in yet
        page = client.get("/accounts/login/enrol/")
        assert page.status_code == 200
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user=world.leader, confirmed=False)
        response = client.post("/accounts/login/enrol/", {"otp": totp_now(device)})
        assert response["Location"] == "/"
        assert client.get("/").status_code == 200
        assert TOTPDevice.objects.get(user=world.leader).confirmed

    def test_a_wrong_code_counts_as_a_failed_login(self, world: World, client: Client) -> None:
        enrol_totp(world.leader)
        client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
        client.post("/accounts/login/otp/", {"otp": "000000"})
        assert User.objects.get(pk=world.leader.pk).failed_logins == 1
        assert client.get("/").status_code == 302

    def test_an_optional_user_can_enrol_from_the_profile(self, world: World, client: Client) -> None:
        client.force_login(world.county_clerk)
        assert client.get("/accounts/profile/two-factor/").status_code == 200
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user=world.county_clerk, confirmed=False)
        client.post("/accounts/profile/two-factor/", {"otp": totp_now(device)})
        assert TOTPDevice.objects.filter(user=world.county_clerk, confirmed=True).count() == 1
        assert AuditEvent.objects.filter(event_type=EventType.TOTP_ENROLLED).count() == 1
        # From now on the clerk needs a code too.
        client.logout()
        response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
        assert response["Location"] == "/accounts/login/otp/"

    def test_the_token_endpoint_needs_the_code(self, world: World, client: Client) -> None:
        device = enrol_totp(world.leader)
        status, body = token_request(client, "leader", PASSWORD)
        assert status == 401 and body["error"]["code"] == "otp_required"
        status, body = token_request(client, "leader", PASSWORD, totp_now(device))
        assert status == 200 and body["token"].startswith("yf_")

    def test_a_leader_without_a_device_gets_no_token(self, world: World, client: Client) -> None:
        status, body = token_request(client, "leader", PASSWORD)
        assert status == 401 and body["error"]["code"] == "otp_enrolment_required"


@pytest.mark.django_db
class TestTokens:
    def test_a_token_authenticates_until_revoked(self, world: World, client: Client) -> None:
        _status, body = token_request(client, "clerk", PASSWORD)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}
        me = client.get("/api/v1/me", **auth)
        assert me.status_code == 200 and me.json()["role"] == "county_clerk"
        assert client.delete("/api/v1/auth/token", **auth).status_code == 204
        assert client.get("/api/v1/me", **auth).status_code == 401
        assert AuditEvent.objects.filter(event_type=EventType.TOKEN_REVOKED).count() == 1

    def test_a_token_expires(self, world: World, client: Client) -> None:
        _status, body = token_request(client, "clerk", PASSWORD)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}
        later = timezone.now() + timedelta(days=settings.YOUFU_TOKEN_LIFETIME_DAYS, minutes=1)
        with time_machine.travel(later):
            assert client.get("/api/v1/me", **auth).status_code == 401

    def test_only_the_hash_is_stored(self, world: World, client: Client) -> None:
        _status, body = token_request(client, "clerk", PASSWORD)
        token = ApiToken.objects.get(user=world.county_clerk)
        assert body["token"] not in (token.key_hash, token.key_prefix)
        assert token.key_hash == ApiToken.hash_key(body["token"])

    def test_deactivating_a_user_revokes_their_tokens(self, world: World, client: Client) -> None:
        from youfu.accounts.services import do_update_user

        _status, body = token_request(client, "clerk", PASSWORD)
        do_update_user(world.county_clerk, acting_user=world.admin, is_active=False)
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 401


def test_sessions_time_out_after_thirty_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[sessions + 1] == "youfu.accounts.middleware.IdleSessionRenewalMiddleware"


def _session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


@pytest.mark.django_db
def test_a_session_is_renewed_once_a_minute_not_on_every_request(world: World, client: Client) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
        clock.shift(timedelta(seconds=61))
        assert _session_writes(client, "/") == 1  # renewed
        clock.shift(timedelta(seconds=30))
        assert _session_writes(client, "/") == 0  # read, not written again
        assert _session_writes(client, "/registry/") == 0
        clock.shift(timedelta(seconds=31))
        assert _session_writes(client, "/") == 1


@pytest.mark.django_db
def test_an_idle_session_expires(world: World, client: Client) -> None:
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        assert client.get("/").status_code == 200  # activity renews the session
    with time_machine.travel(timezone.now() + timedelta(minutes=20 + 31)):
        assert client.get("/").status_code == 302
