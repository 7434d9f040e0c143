"""Writes to accounts: users, logins, tokens, two-factor. Each writes its audit event."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import ApiToken, Department, User
from youfu.audit.events import EventType
from youfu.audit.services import diff, record_event
from youfu.core.errors import InvalidInput, NotAuthenticated
from youfu.core.messages import Message
from youfu.core.roles import ROLE_REGION_LEVEL, Capability, Role, require
from youfu.regions.models import LEVEL_ORDER, Region, RegionLevel

USERNAME_TAKEN = Message(gettext_noop("A user named %(username)s already exists."))
USERNAME_MAX_LENGTH = 150
FULL_NAME_MAX_LENGTH = 100


def _check_password(password: str, user: User | None = None) -> None:
    def reasons_now() -> str:
        # Django's validators translate eagerly, so validate once per language.
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return ""

    try:
        validate_password(password, user)
    except ValidationError:
        reasons = Message.from_each_language(reasons_now)
        raise InvalidInput(
            Message.from_each_language(
                lambda: gettext("The password is too weak: %(reasons)s") % {"reasons": reasons.render()}
            ),
            code="weak_password",
            fields={"password": reasons},
        ) from None


def _check_role_region(role: str, region: Region, actor: User | None) -> None:
    try:
        role_enum = Role(role)
    except ValueError:
        raise InvalidInput(
            Message(
                gettext_noop("Unknown role %(role)s; choose one of %(roles)s."),
                {"role": role, "roles": ", ".join(Role.values)},
            ),
            code="unknown_role",
            fields={"role": gettext_noop("unknown role")},
        ) from None
    wanted = ROLE_REGION_LEVEL[role_enum]
    level = LEVEL_ORDER.index(RegionLevel(region.level))
    ok = level <= LEVEL_ORDER.index(RegionLevel.COUNTY) if wanted == "county" else region.level == wanted
    if not ok:
        raise InvalidInput(
            Message(
                gettext_noop("A %(role)s must belong to a %(level)s, not to %(region)s."),
                {"role": role, "level": wanted, "region": str(region)},
            ),
            code="role_region_mismatch",
            fields={"region": gettext_noop("wrong region level for this role")},
        )
    if actor is not None and not (actor.region and actor.region.contains(region.code)):
        # An admin manages the users of their own region only.
        raise InvalidInput(
            Message(gettext_noop("Unknown region code %(code)s."), {"code": region.code}),
            code="unknown_region",
            fields={"region": gettext_noop("unknown region")},
        )


def find_region(code: str, actor: User | None) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or (actor is not None and not (actor.region and actor.region.contains(region.code))):
        raise InvalidInput(
            Message(gettext_noop("Unknown region code %(code)s."), {"code": code}),
            code="unknown_region",
            fields={"region": gettext_noop("unknown region")},
        )
    return region


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "region": user.region_id,
        "department": user.department_id,
        "is_active": user.is_active,
    }


def do_create_user(
    username: str,
    *,
    role: str,
    region_code: str,
    password: str,
    acting_user: User | None,
    full_name: str = "",
    email: str = "",
    department: Department | None = None,
) -> User:
    require(acting_user, Capability.MANAGE_USERS)
    username = username.strip()
    if not username:
        raise InvalidInput(
            Message(gettext_noop("A user name is required.")),
            fields={"username": gettext_noop("required")},
        )
    # The command line comes here without a schema: the columns' bounds, checked once.
    if len(username) > USERNAME_MAX_LENGTH or len(full_name) > FULL_NAME_MAX_LENGTH:
        raise InvalidInput(
            Message(
                gettext_noop("A user name has at most %(username)d characters, a full name %(full_name)d."),
                {"username": USERNAME_MAX_LENGTH, "full_name": FULL_NAME_MAX_LENGTH},
            ),
            code="too_long",
            fields={
                "username" if len(username) > USERNAME_MAX_LENGTH else "full_name": gettext_noop("too long")
            },
        )
    region = find_region(region_code, acting_user)
    _check_role_region(role, region, acting_user)
    if acting_user is None and role != Role.COUNTY_ADMIN:
        # The bootstrap user is the first admin; everyone else is created by an admin.
        raise InvalidInput(
            Message(gettext_noop("The first user must be a county_admin.")),
            code="bootstrap_admin_only",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            Message(USERNAME_TAKEN.msgid, {"username": username}),
            code="duplicate_user",
            fields={"username": gettext_noop("already taken")},
        )
    _check_password(password, User(username=username, full_name=full_name, email=email))
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            full_name=full_name,
            email=email,
            role=role,
            region=region,
            department=department,
        )
        record_event(
            EventType.USER_CREATED,
            actor=acting_user,
            region=region,
            obj=user,
            new=_user_snapshot(user),
        )
    return user


def do_update_user(
    user: User,
    *,
    acting_user: User,
    role: str | None = None,
    region_code: str | None = None,
    full_name: str | None = None,
    is_active: bool | None = None,
) -> User:
    require(acting_user, Capability.MANAGE_USERS)
    before = _user_snapshot(user)
    region = find_region(region_code, acting_user) if region_code else user.region
    new_role = role or user.role
    assert region is not None
    _check_role_region(new_role, region, acting_user)
    if user.pk == acting_user.pk and (is_active is False or new_role != user.role):
        raise InvalidInput(
            Message(gettext_noop("You cannot deactivate yourself or change your own role.")),
            code="self_change",
        )
    user.role = new_role
    user.region = region
    if full_name is not None:
        user.full_name = full_name
    if is_active is not None:
        user.is_active = is_active
    old, new = diff(before, _user_snapshot(user))
    if not new:
        return user
    with transaction.atomic():
        user.save(update_fields=["role", "region", "full_name", "is_active"])
        record_event(EventType.USER_CHANGED, actor=acting_user, region=region, obj=user, old=old, new=new)
        # What the user may do or see changed: what they signed in with no longer holds.
        ended_by = [k for k in ("is_active", "role", "region") if k in new]
        if ended_by:
            end_sessions_and_tokens(user, reason=ended_by[0], acting_user=acting_user)
    return user


def do_set_password(user: User, password: str, *, acting_user: User) -> None:
    if acting_user.pk != user.pk:
        require(acting_user, Capability.MANAGE_USERS)
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_event(EventType.PASSWORD_CHANGED, actor=acting_user, obj=user, region=user.region_id)
        # Every session and token ends; the page that changed one's own password keeps
        # its session by re-signing it (update_session_auth_hash).
        end_sessions_and_tokens(user, reason="password", acting_user=acting_user)


def end_sessions_and_tokens(user: User, *, reason: str, acting_user: User | None) -> None:
    """End every browser session and revoke every API token of ``user``, with one audit
    record. Call it inside the transaction of the change that requires it.

    Sessions end through ``User.session_version``, part of the session hash that Django's
    AuthenticationMiddleware checks on every request: this works for database and signed
    cookie sessions alike, on SQLite and PostgreSQL, without finding the sessions."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        EventType.SESSIONS_ENDED,
        actor=acting_user,
        obj=user,
        region=user.region_id,
        extra={"reason": reason, "tokens_revoked": revoked},
    )


def do_unlock_user(user: User, *, acting_user: User) -> None:
    require(acting_user, Capability.MANAGE_USERS)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        record_event(EventType.ACCOUNT_UNLOCKED, actor=acting_user, obj=user, region=user.region_id)


# --- logging in -------------------------------------------------------------------------

LOGIN_FAILED = Message(gettext_noop("Wrong user name, password or code."))
ACCOUNT_LOCKED = Message(
    gettext_noop("Too many failed attempts: this account is locked for %(minutes)d minutes."),
    {"minutes": settings.YOUFU_LOCKOUT_MINUTES},
)


class LoginFailed(NotAuthenticated):
    code = "login_failed"


@dataclass(frozen=True)
class PasswordCheck:
    user: User
    needs_otp: bool  # a confirmed device exists, or the role requires one
    has_device: bool


def _record_failure(user: User, *, reason: str) -> None:
    """Count a failed attempt and lock the account at the threshold. Committed even when
    the caller's request fails, so the counter cannot be reset by an error page."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins", "locked_until"])
        record_event(EventType.LOGIN_FAILED, actor=user, obj=user, extra={"reason": reason})
        if user.failed_logins >= settings.YOUFU_LOCKOUT_THRESHOLD:
            until = timezone.now() + timedelta(minutes=settings.YOUFU_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            record_event(EventType.ACCOUNT_LOCKED, actor=user, obj=user, extra={"until": until})
            # Someone may be guessing the password: whoever is already in is put out too.
            end_sessions_and_tokens(user, reason="locked", acting_user=user)


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def check_password_step(username: str, password: str) -> PasswordCheck:
    """First factor. Raises ``LoginFailed`` with one message whatever was wrong, so the
    answer does not tell whether a user name exists."""
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None or not user.is_active:
        # Same cost as a real check: no timing oracle for user names.
        User().set_password(password)
        raise LoginFailed(LOGIN_FAILED)
    if user.is_locked():
        raise LoginFailed(ACCOUNT_LOCKED, code="account_locked")
    if not user.check_password(password):
        _record_failure(user, reason="password")
        user.refresh_from_db(fields=["locked_until"])
        if user.is_locked():
            raise LoginFailed(ACCOUNT_LOCKED, code="account_locked")
        raise LoginFailed(LOGIN_FAILED)
    device = confirmed_totp_device(user)
    return PasswordCheck(
        user=user, needs_otp=device is not None or user.requires_two_factor, has_device=device is not None
    )


def check_otp_step(user: User, code: str) -> TOTPDevice:
    """Second factor: a failed code counts towards the lock-out like a wrong password."""
    if user.is_locked():
        raise LoginFailed(ACCOUNT_LOCKED, code="account_locked")
    device = confirmed_totp_device(user)
    if device is None or not code or not device.verify_token(code.strip()):
        _record_failure(user, reason="otp")
        raise LoginFailed(LOGIN_FAILED)
    return device


def do_record_login(user: User, *, method: str) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, last_login=timezone.now())
        record_event(EventType.LOGIN_SUCCEEDED, actor=user, obj=user, extra={"method": method})


def do_record_logout(user: User) -> None:
    record_event(EventType.LOGOUT, actor=user, obj=user)


# --- two-factor enrolment ----------------------------------------------------------------


def start_totp_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed device; it counts only once a code from it has been verified."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="youfu", confirmed=False)


def do_confirm_totp(user: User, device: TOTPDevice, code: str) -> None:
    if not device.verify_token(code.strip()):
        raise InvalidInput(
            Message(gettext_noop("The code does not match; check the phone's clock and try again.")),
            code="otp_mismatch",
            fields={"otp": gettext_noop("wrong code")},
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_event(EventType.TOTP_ENROLLED, actor=user, obj=user)


def do_remove_totp(user: User, *, acting_user: User) -> None:
    if user.requires_two_factor and acting_user.pk == user.pk:
        raise InvalidInput(
            Message(gettext_noop("Your role requires two-factor authentication.")),
            code="otp_required",
        )
    if acting_user.pk != user.pk:
        require(acting_user, Capability.MANAGE_USERS)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record_event(EventType.TOTP_REMOVED, actor=acting_user, obj=user, region=user.region_id)


# --- API tokens --------------------------------------------------------------------------


def do_issue_token(user: User, *, acting_user: User, name: str = "") -> tuple[str, ApiToken]:
    key = "yf_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            key_hash=ApiToken.hash_key(key),
            key_prefix=key[:10],
            expires_at=timezone.now() + timedelta(days=settings.YOUFU_TOKEN_LIFETIME_DAYS),
        )
        record_event(
            EventType.TOKEN_ISSUED,
            actor=acting_user,
            obj=token,
            new={"user": user.username, "prefix": token.key_prefix, "expires_at": token.expires_at},
        )
    return key, token


def do_revoke_token(token: ApiToken, *, acting_user: User) -> None:
    if token.user_id != acting_user.pk:
        require(acting_user, Capability.MANAGE_USERS)
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(EventType.TOKEN_REVOKED, actor=acting_user, obj=token, region=token.user.region_id)


def user_for_token(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active or token.user.is_locked():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Bounded write rate: at most one touch per token per five minutes.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.api_token = token  # type: ignore[attr-defined]
    return user


def do_create_department(name: str, *, region_code: str, acting_user: User | None) -> Department:
    require(acting_user, Capability.MANAGE_SETTINGS)
    region = find_region(region_code, acting_user)
    with transaction.atomic():
        department, created = Department.objects.get_or_create(region=region, name=name.strip())
        if created:
            record_event(
                EventType.DEPARTMENT_CREATED,
                actor=acting_user,
                region=region,
                obj=department,
                new={"name": name},
            )
    return department
