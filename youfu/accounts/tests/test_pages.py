from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from youfu.accounts.models import ApiToken, User
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.testing import PASSWORD, World, log_in


@pytest.mark.django_db
class TestHome:
    @pytest.mark.parametrize(
        ("persona", "sees", "does_not_see"),
        [
            ("admin", ["/accounts/users/", "/regions/"], ["/audit/"]),
            ("county_clerk", ["/regions/"], ["/accounts/users/", "/audit/"]),
            ("auditor", ["/audit/"], ["/accounts/users/", "/regions/"]),
        ],
    )
    def test_it_shows_the_apps_the_role_may_use(
        self, world: World, client: Client, persona: str, sees: list[str], does_not_see: list[str]
    ) -> None:
        user: User = getattr(world, persona)
        log_in(client, user)
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert str(user.region.name) in page if user.region else True
        for url in sees:
            assert f'href="{url}"' in page
        for url in does_not_see:
            assert f'href="{url}"' not in page

    def test_it_shows_role_and_region_in_chinese_and_english(self, world: World, client: Client) -> None:
        log_in(client, world.township_clerk)
        zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "乡镇经办人员" in zh and "城关镇" in zh
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        en = client.get("/").content.decode()
        assert "township clerk" in en and 'lang="en"' in en

    def test_anonymous_users_go_to_the_login_page(self, client: Client) -> None:
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
class TestUserAdministration:
    def test_only_admins_reach_it(self, world: World, client: Client) -> None:
        for persona in (world.county_clerk, world.leader, world.auditor, world.township_clerk):
            log_in(client, persona)
            assert client.get("/accounts/users/").status_code == 403

    def test_an_admin_creates_a_user(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = client.post(
            "/accounts/users/",
            {
                "username": "zhao",
                "full_name": "赵六",
                "role": "township_clerk",
                "region": world.township_b.code,
                "password": "river-stone-2026",
            },
        )
        assert response.status_code == 302
        zhao = User.objects.get(username="zhao")
        # A clerk's role reads personal data: it waits for a leader (test_role_requests.py).
        assert (zhao.region_id, zhao.role) == (world.township_b.code, "")

    def test_a_weak_password_is_shown_on_the_form(self, world: World, client: Client) -> None:
        log_in(client, world.admin)
        response = client.post(
            "/accounts/users/",
            {"username": "zhao", "role": "county_clerk", "region": world.county.code, "password": "abc"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        assert "too short" in response.content.decode()
        assert not User.objects.filter(username="zhao").exists()

    def test_an_admin_changes_role_and_deactivates(self, world: World, client: Client) -> None:
        # A role that reads no personal data, and a deactivation, apply at once.
        log_in(client, world.admin)
        url = f"/accounts/users/{world.county_clerk.pk}/"
        response = client.post(
            url, {"full_name": "王", "role": "auditor", "region": world.county.code, "is_active": ""}
        )
        assert response.status_code == 302
        clerk = User.objects.get(pk=world.county_clerk.pk)
        assert clerk.role == "auditor" and not clerk.is_active
        event = AuditEvent.objects.get(event_type=EventType.USER_CHANGED)
        assert event.old == {"full_name": "clerk", "role": "county_clerk", "is_active": True}
        assert event.new == {"full_name": "王", "role": "auditor", "is_active": False}

    def test_an_admin_unlocks_an_account(self, world: World, client: Client) -> None:
        User.objects.filter(pk=world.county_clerk.pk).update(
            locked_until=timezone.now() + timezone.timedelta(minutes=10)
        )
        log_in(client, world.admin)
        client.post(f"/accounts/users/{world.county_clerk.pk}/", {"action": "unlock"})
        assert not User.objects.get(pk=world.county_clerk.pk).is_locked()
        assert AuditEvent.objects.filter(event_type=EventType.ACCOUNT_UNLOCKED).count() == 1


@pytest.mark.django_db
class TestProfile:
    def test_it_changes_the_password(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        response = client.post(
            "/accounts/profile/", {"action": "password", "current": PASSWORD, "new": "new-river-2026"}
        )
        assert response.status_code == 302
        assert User.objects.get(pk=world.county_clerk.pk).check_password("new-river-2026")
        assert client.get("/").status_code == 200  # still logged in

    def test_it_refuses_a_wrong_current_password(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        client.post("/accounts/profile/", {"action": "password", "current": "nope", "new": "new-river-2026"})
        assert User.objects.get(pk=world.county_clerk.pk).check_password(PASSWORD)

    def test_it_issues_and_revokes_tokens(self, world: World, client: Client) -> None:
        log_in(client, world.county_clerk)
        page = client.post("/accounts/profile/", {"action": "token", "name": "script"}).content.decode()
        token = ApiToken.objects.get(user=world.county_clerk)
        assert 'data-testid="new-token"' in page
        client.post("/accounts/profile/", {"action": "revoke", "token_id": token.pk})
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_a_leader_cannot_turn_two_factor_off(self, world: World, client: Client) -> None:
        from youfu.testing import enrol_totp

        enrol_totp(world.county_clerk)
        log_in(client, world.county_clerk)
        client.post("/accounts/profile/", {"action": "remove_2fa"})
        assert not world.county_clerk.totpdevice_set.exists()
