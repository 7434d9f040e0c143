"""Writes to accounts: users, logins, tokens, two-factor. Each writes its audit event."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.models import (
    AccountRecovery,
    ApiToken,
    Department,
    RecoveryKind,
    RecoveryState,
    RoleRequest,
    RoleRequestState,
    User,
)
from youfu.audit.events import EventType
from youfu.audit.models import AuditEvent
from youfu.audit.services import diff, record_event
from youfu.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import ROLE_REGION_LEVEL, TWO_FACTOR_REQUIRED, Capability, Role, has_capability, require
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
    bootstrap: bool = False,
    one_time_password: bool = True,
) -> User:
    """A new account. A role that reads personal data is only asked for: the account is created
    without a role (it cannot sign in) and waits for a leader's approval (``RoleRequest``),
    unless the installation is still bootstrapping (``grants_directly``). ``bootstrap``: the
    caller is the create-user command or the demo, which grant directly while no leader exists.

    The password is the admin's choice, so it is good for one sign-in: the owner chooses their
    own before anything else (``User.must_change_password``). Not for the first admin, who
    types their own (no acting user), nor for the demo's accounts (``one_time_password=False``),
    whose password is published anyway."""
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
    direct, why = grants_directly(role, acting_user, bootstrap=bootstrap)
    one_time = one_time_password and acting_user is not None
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            full_name=full_name,
            email=email,
            role=role if direct else "",
            region=region,
            department=department if direct else None,
            must_change_password=one_time,
        )
        record_event(
            EventType.USER_CREATED,
            actor=acting_user,
            region=region,
            obj=user,
            new=_user_snapshot(user),
            extra={"one_time_password": one_time, **({"bootstrap": why} if why else {})},
        )
        if not direct:
            assert acting_user is not None  # the system actor only ever creates the first admin
            _open_request(
                user,
                role=role,
                region=region,
                department=department,
                acting_user=acting_user,
                new_account=True,
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
    """Change an account. A new role or region that reads personal data is not applied: it is
    asked of a leader (``RoleRequest``), and the account keeps what it held until approved.
    Whatever takes access away (another role, deactivation) applies at once."""
    require(acting_user, Capability.MANAGE_USERS)
    before = _user_snapshot(user)
    region = find_region(region_code, acting_user) if region_code else user.region
    new_role = role or user.role
    assert region is not None
    if new_role:  # an account waiting for its first role may be renamed or deactivated meanwhile
        _check_role_region(new_role, region, acting_user)
    if user.pk == acting_user.pk and (is_active is False or new_role != user.role):
        raise InvalidInput(
            Message(gettext_noop("You cannot deactivate yourself or change your own role.")),
            code="self_change",
        )
    grant_changed = new_role != user.role or region.pk != user.region_id
    asked = grant_changed and grant_needs_approval(new_role)
    if asked:
        _check_no_pending(user)
    else:
        user.role = new_role
        user.region = region
    if full_name is not None:
        user.full_name = full_name
    if is_active is not None:
        user.is_active = is_active
    old, new = diff(before, _user_snapshot(user))
    if not new and not asked:
        return user
    with transaction.atomic():
        if new:
            user.save(update_fields=["role", "region", "full_name", "is_active"])
            record_event(EventType.USER_CHANGED, actor=acting_user, region=region, obj=user, old=old, new=new)
            # What the user may do or see changed: what they signed in with no longer holds.
            ended_by = [k for k in ("is_active", "role", "region") if k in new]
            if ended_by:
                end_sessions_and_tokens(user, reason=ended_by[0], acting_user=acting_user)
            if "role" in new or "region" in new:
                # A request asked over what the account held before can no longer apply.
                _withdraw_pending(user, acting_user=acting_user, reason=SUPERSEDED)
        if asked:
            _open_request(
                user,
                role=new_role,
                region=region,
                department=user.department,
                acting_user=acting_user,
                new_account=False,
            )
    return user


SAME_PASSWORD = Message(
    gettext_noop("Choose a password other than the present one: someone else may know that one.")
)
PASSWORD_CHANGE_REQUIRED = Message(
    gettext_noop(
        "Your password was set by the system admin: sign in on the web and choose your own "
        "before you get an API token."
    )
)


def do_set_password(user: User, password: str, *, acting_user: User) -> None:
    """The user's own new password (the profile page, or the one-time password replaced at
    sign-in). A password set for someone else is a reset: ``do_reset_password``."""
    if acting_user.pk != user.pk:
        do_reset_password(user, password, acting_user=acting_user)
        return
    _check_password(password, user)
    if user.check_password(password):
        raise InvalidInput(SAME_PASSWORD, code="same_password")
    replaced_one_time = user.must_change_password
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record_event(
            EventType.PASSWORD_CHANGED,
            actor=acting_user,
            obj=user,
            region=user.region_id,
            extra={"one_time_replaced": True} if replaced_one_time else None,
        )
        # A password reset still waiting for a leader is moot once its owner has chosen a
        # password of their own: approving it later would overwrite theirs.
        for waiting in AccountRecovery.objects.filter(
            user=user, kind=RecoveryKind.PASSWORD, state=RecoveryState.PENDING
        ):
            _decide_recovery(waiting, "withdraw", acting_user=user, reason=OWNER_CHOSE_PASSWORD)
        # Every session and token ends; the page that changed one's own password keeps
        # its session by re-signing it (update_session_auth_hash).
        end_sessions_and_tokens(user, reason="password", acting_user=acting_user)


@dataclass(frozen=True)
class PasswordReset:
    """What ``do_reset_password`` did: reset at once (``tokens_revoked``), or, for an account
    whose role requires a second factor, opened a request a leader decides (``recovery``)."""

    tokens_revoked: int = 0
    recovery: AccountRecovery | None = None

    @property
    def waits(self) -> bool:
        return self.recovery is not None and self.recovery.state == RecoveryState.PENDING


def do_reset_password(user: User, password: str, *, acting_user: User, reason: str = "") -> PasswordReset:
    """The admin sets a password for someone who lost theirs. It is good for one sign-in (the
    user then chooses their own, ``must_change_password``), every session and API token of the
    user ends, and the record names who reset it.

    For an account whose role requires a second factor (``password_reset_needs_approval``) the
    admin's act is only the asking: the password is kept as its hash in an ``AccountRecovery``
    and set when a leader approves, so that an admin cannot sign in first with it and enrol
    the second factor on their own phone."""
    _require_admin_of(user, acting_user)
    if user.pk == acting_user.pk:
        raise InvalidInput(SELF_RECOVERY, code="self_recovery")
    _check_password(password, user)
    if password_reset_needs_approval(user):
        text = _clean_asking_reason(reason, required=False)
        with transaction.atomic():
            recovery = _open_recovery(
                user,
                kind=RecoveryKind.PASSWORD,
                reason=text,
                acting_user=acting_user,
                password_hash=make_password(password),
            )
        return PasswordReset(recovery=recovery)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        record_event(EventType.PASSWORD_RESET, actor=acting_user, obj=user, region=user.region_id)
        return PasswordReset(
            tokens_revoked=end_sessions_and_tokens(user, reason="password_reset", acting_user=acting_user)
        )


def require_own_password(user: User) -> None:
    """No API token for a password someone else set: the user chooses their own first."""
    if user.must_change_password:
        raise PermissionDenied(PASSWORD_CHANGE_REQUIRED, code="password_change_required")


def end_sessions_and_tokens(user: User, *, reason: str, acting_user: User | None) -> int:
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
    return revoked


def do_unlock_user(user: User, *, acting_user: User) -> None:
    require(acting_user, Capability.MANAGE_USERS)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        record_event(EventType.ACCOUNT_UNLOCKED, actor=acting_user, obj=user, region=user.region_id)


# --- logging in -------------------------------------------------------------------------

LOGIN_FAILED = Message(gettext_noop("Wrong user name, password or code."))
AWAITING_APPROVAL = Message(
    gettext_noop("This account's role waits for a leader's approval: it can sign in once it is approved.")
)
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
    if not user.role:
        # Said only to whoever knows the password: it tells nothing to someone guessing.
        raise LoginFailed(AWAITING_APPROVAL, code="awaiting_approval")
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
    require_own_password(user)
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
    if (
        token is None
        or not token.is_usable
        or not token.user.is_active
        or not token.user.role
        or token.user.is_locked()
    ):
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


# --- roles that read personal data: asked by an admin, granted by a leader -----------------
#
# GB/T 22239's three administrators: the admin keeps the accounts but reads nobody's records,
# so an admin alone cannot give anyone (a friend, a second account of their own) the people's
# records. Creating an account with such a role, or moving one to such a role or region, is a
# request that a leader who neither asked for it nor receives it approves. The bootstrap is the
# one exception: nobody can approve before the first leader exists.

PENDING = RoleRequestState.PENDING
REASON_MAX = 500
SUPERSEDED = "superseded"  # a request withdrawn because the account was changed another way

REQUEST_PENDING = Message(
    gettext_noop(
        "A role request for this account is already waiting for a leader: withdraw it before asking again."
    )
)
NO_APPROVAL_NEEDED = Message(
    gettext_noop(
        "A %(role)s does not read personal data and needs no leader's approval: change the account itself."
    )
)
NO_CHANGE = Message(gettext_noop("The account already has this role, region and department."))
OWN_REQUEST = Message(
    gettext_noop("You asked for this role yourself: a leader who did not ask for it decides on it.")
)
OWN_ACCOUNT = Message(gettext_noop("This role is for your own account: another leader decides on it."))
# Stored as the decision's reason (data, read in either language), not a translated message.
OWNER_CHOSE_PASSWORD = "本人已自行设置密码 (the owner chose a password of their own)"  # noqa: S105 - a reason, not a password
ALREADY_DECIDED = Message(
    gettext_noop("This request is %(state)s already: nothing more can be done with it.")
)
ACCOUNT_CHANGED = Message(
    gettext_noop(
        "The account was changed after this role was asked for, so it cannot be approved over it: "
        "refuse it, and the admin asks again."
    )
)


def grant_needs_approval(role: str) -> bool:
    """The roles that read personal data are granted only by a leader's approval."""
    return has_capability(role, Capability.READ_PERSONAL_DATA)


def leader_ever_granted() -> bool:
    """Whether any account holds, or ever held, the leader's role. Before that nobody could
    approve a role, so the installation bootstraps; the first leader ends it for good: an admin
    who deactivates or demotes every leader does not open it again (the audit log keeps the
    grant)."""
    if User.objects.filter(role=Role.LEADER).exists():
        return True
    granted = Q(new__role=Role.LEADER) | Q(old__role=Role.LEADER)
    return (
        AuditEvent.objects.filter(
            event_type__in=[EventType.USER_CREATED, EventType.USER_CHANGED, EventType.ROLE_APPROVED]
        )
        .filter(granted)
        .exists()
    )


def grants_directly(role: str, acting_user: User | None, *, bootstrap: bool = False) -> tuple[bool, str]:
    """Whether a new account gets ``role`` at once, and the bootstrap reason when that is the
    exception (written in the audit record): the first admin (the system actor), the first
    leader, and, while there is no leader, what the create-user command and the demo create."""
    if acting_user is None:
        return True, "first_admin"
    if not grant_needs_approval(role):
        return True, ""
    if leader_ever_granted():
        return False, ""
    if role == Role.LEADER:
        return True, "first_leader"
    if bootstrap:
        return True, "no_leader_yet"
    return False, ""


def _grant(role: str, region_id: str | None, department_id: int | None, user: User) -> dict[str, Any]:
    return {"user": user.username, "role": role, "region": region_id, "department": department_id}


def _check_no_pending(user: User) -> None:
    if RoleRequest.objects.filter(user=user, state=PENDING).exists():
        raise Conflict(REQUEST_PENDING, code="role_request_pending")


def _open_request(
    user: User,
    *,
    role: str,
    region: Region,
    department: Department | None,
    acting_user: User,
    new_account: bool,
) -> RoleRequest:
    """The pending request and its audit record, in the caller's transaction."""
    _check_no_pending(user)
    try:
        with transaction.atomic():
            request = RoleRequest.objects.create(
                user=user,
                role=role,
                region=region,
                department=department,
                from_role=user.role,
                from_region_id=user.region_id,
                from_department_id=user.department_id,
                new_account=new_account,
                requested_by=acting_user,
            )
    except IntegrityError:  # another request for the account, made at the same moment
        raise Conflict(REQUEST_PENDING, code="role_request_pending") from None
    record_event(
        EventType.ROLE_REQUESTED,
        actor=acting_user,
        region=region,
        obj=user,
        old=None if new_account else _grant(user.role, user.region_id, user.department_id, user),
        new=_grant(role, region.pk, department.pk if department else None, user),
        extra={"request": request.pk, "new_account": new_account},
    )
    return request


def do_request_role(
    user: User,
    *,
    role: str,
    region_code: str,
    acting_user: User,
    department: Department | None = None,
) -> RoleRequest:
    """An admin asks for a role that reads personal data for an existing account (a new account
    asks through ``do_create_user``). Nothing changes until a leader approves it."""
    require(acting_user, Capability.MANAGE_USERS)
    admin_region = acting_user.region
    if user.region_id is not None and not (admin_region and admin_region.contains(user.region_id)):
        raise PermissionDenied()
    region = find_region(region_code, acting_user)
    _check_role_region(role, region, acting_user)
    if user.pk == acting_user.pk:
        raise InvalidInput(
            Message(gettext_noop("You cannot deactivate yourself or change your own role.")),
            code="self_change",
        )
    if not grant_needs_approval(role):
        raise InvalidInput(Message(NO_APPROVAL_NEEDED.msgid, {"role": role}), code="no_approval_needed")
    if department is None and user.role == role:
        department = user.department
    if (role, region.pk, department.pk if department else None) == (
        user.role,
        user.region_id,
        user.department_id,
    ):
        raise InvalidInput(NO_CHANGE, code="no_change")
    with transaction.atomic():
        return _open_request(
            user, role=role, region=region, department=department, acting_user=acting_user, new_account=False
        )


def _require_decider(request: RoleRequest, user: User) -> None:
    """A leader of the request's region who neither asked for the role nor receives it."""
    require(user, Capability.APPROVE)
    if not (user.region and user.region.contains(request.region_id)):
        raise PermissionDenied()
    if request.requested_by_id == user.pk:
        raise PermissionDenied(OWN_REQUEST, code="own_request")
    if request.user_id == user.pk:
        raise PermissionDenied(OWN_ACCOUNT, code="own_account")


def _move(request: RoleRequest, to_state: RoleRequestState, *, acting_user: User, reason: str = "") -> None:
    """Compare-and-set: only a pending request moves, once."""
    now = timezone.now()
    moved = RoleRequest.objects.filter(pk=request.pk, state=PENDING).update(
        state=to_state, decided_by=acting_user, decided_at=now, reason=reason
    )
    if not moved:
        request.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(ALREADY_DECIDED.msgid, {"state": RoleRequestState(request.state).label}),
            code="role_request_decided",
        )
    request.state, request.decided_by, request.decided_at, request.reason = to_state, acting_user, now, reason


def _clean_reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(
            Message(gettext_noop("Give the reason for refusing: the admin reads it.")),
            code="reason_required",
            fields={"reason": gettext_noop("required")},
        )
    if len(text) > REASON_MAX:
        raise InvalidInput(
            Message(gettext_noop("The reason is at most %(max)d characters."), {"max": REASON_MAX}),
            fields={"reason": gettext_noop("too long")},
        )
    return text


def do_approve_role_request(request: RoleRequest, *, acting_user: User) -> RoleRequest:
    """A leader grants the role: the account gets the role, region and department asked for,
    if it still holds what it held when they were asked; its sessions and tokens end."""
    _require_decider(request, acting_user)
    with transaction.atomic():
        _move(request, RoleRequestState.APPROVED, acting_user=acting_user)
        granted = User.objects.filter(
            pk=request.user_id,
            role=request.from_role,
            region_id=request.from_region_id,
            department_id=request.from_department_id,
        ).update(role=request.role, region_id=request.region_id, department_id=request.department_id)
        if not granted:
            raise Conflict(ACCOUNT_CHANGED, code="account_changed")
        user = request.user
        user.refresh_from_db(fields=["role", "region", "department"])
        record_event(
            EventType.ROLE_APPROVED,
            actor=acting_user,
            region=request.region_id,
            obj=user,
            old=_grant(request.from_role, request.from_region_id, request.from_department_id, user),
            new=_grant(request.role, request.region_id, request.department_id, user),
            extra={"request": request.pk, "requested_by": request.requested_by.username},
        )
        if not request.new_account:
            # What the user may see changed: what they signed in with no longer holds.
            reason = "role" if request.role != request.from_role else "region"
            if request.region_id == request.from_region_id and request.role == request.from_role:
                reason = "department"
            end_sessions_and_tokens(user, reason=reason, acting_user=acting_user)
    return request


def do_refuse_role_request(request: RoleRequest, *, reason: str, acting_user: User) -> RoleRequest:
    """A leader refuses the role, saying why; the account keeps what it held (a new account
    stays without a role)."""
    _require_decider(request, acting_user)
    text = _clean_reason(reason, required=True)
    with transaction.atomic():
        _move(request, RoleRequestState.REFUSED, acting_user=acting_user, reason=text)
        record_event(
            EventType.ROLE_REFUSED,
            actor=acting_user,
            region=request.region_id,
            obj=request.user,
            extra={"request": request.pk, "role": request.role, "reason": text},
        )
    return request


def do_withdraw_role_request(request: RoleRequest, *, acting_user: User, reason: str = "") -> RoleRequest:
    """An admin takes back a request no leader has decided yet."""
    require(acting_user, Capability.MANAGE_USERS)
    if not (acting_user.region and acting_user.region.contains(request.region_id)):
        raise PermissionDenied()
    text = _clean_reason(reason, required=False)
    with transaction.atomic():
        _move(request, RoleRequestState.WITHDRAWN, acting_user=acting_user, reason=text)
        record_event(
            EventType.ROLE_REQUEST_WITHDRAWN,
            actor=acting_user,
            region=request.region_id,
            obj=request.user,
            extra={"request": request.pk, "role": request.role, "reason": text},
        )
    return request


def _withdraw_pending(user: User, *, acting_user: User, reason: str) -> None:
    for request in RoleRequest.objects.filter(user=user, state=PENDING):
        _move(request, RoleRequestState.WITHDRAWN, acting_user=acting_user, reason=reason)
        record_event(
            EventType.ROLE_REQUEST_WITHDRAWN,
            actor=acting_user,
            region=request.region_id,
            obj=user,
            extra={"request": request.pk, "role": request.role, "reason": reason},
        )


# --- account recovery: asked by an admin, applied by a leader's approval -----------------------
#
# GB/T 22239's separation of duties again: an admin who could reset a second factor, or the
# password of an account that requires one, could sign in first as a leader (or another admin)
# and enrol their own phone. So both are asked by the admin and applied only when a leader who
# neither asked nor owns the account approves (``AccountRecovery``). Before any leader exists
# nobody could approve, so the request is applied at once, as the role requests' bootstrap.

RECOVERY_PENDING = Message(
    gettext_noop(
        "A recovery of this account is already waiting for a leader: withdraw it before asking again."
    )
)
NO_SECOND_FACTOR = Message(
    gettext_noop(
        "The account has no second factor to reset: its owner sets one up at their next sign-in"
        " if their role needs one."
    )
)
SELF_RECOVERY = Message(
    gettext_noop("This is your own account: change your password or second factor on your profile page.")
)
OWN_RECOVERY_REQUEST = Message(
    gettext_noop("You asked for this recovery yourself: a leader who did not ask for it decides on it.")
)
OWN_RECOVERY_ACCOUNT = Message(
    gettext_noop("This recovery is for your own account: another leader decides on it.")
)
NO_RECOVERY_APPROVAL_NEEDED = Message(
    gettext_noop(
        "The password of a %(role)s is reset at once, without a leader: its role requires no second factor."
    )
)


@dataclass(frozen=True)
class RecoveryTransition:
    to: RecoveryState
    capability: Capability  # who may: a leader decides, an admin withdraws
    event: EventType
    reason_required: bool = False


# The one table of an account recovery's life: (state, action) → where it goes and who may.
# The services, the pages' buttons (``recovery_actions``) and the API read it.
RECOVERY_TRANSITIONS: dict[tuple[str, str], RecoveryTransition] = {
    (RecoveryState.PENDING, "approve"): RecoveryTransition(
        RecoveryState.APPROVED, Capability.APPROVE, EventType.RECOVERY_APPROVED
    ),
    (RecoveryState.PENDING, "refuse"): RecoveryTransition(
        RecoveryState.REFUSED, Capability.APPROVE, EventType.RECOVERY_REFUSED, reason_required=True
    ),
    (RecoveryState.PENDING, "withdraw"): RecoveryTransition(
        RecoveryState.WITHDRAWN, Capability.MANAGE_USERS, EventType.RECOVERY_WITHDRAWN
    ),
}


def password_reset_needs_approval(user: User) -> bool:
    """An account whose role requires a second factor, or waits for such a role: its password
    is reset only by a leader's approval."""
    if user.requires_two_factor:
        return True
    return RoleRequest.objects.filter(user=user, state=PENDING, role__in=TWO_FACTOR_REQUIRED).exists()


def _require_admin_of(user: User, acting_user: User) -> None:
    require(acting_user, Capability.MANAGE_USERS)
    if user.region_id is not None and not (
        acting_user.region and acting_user.region.contains(user.region_id)
    ):
        # An admin manages the accounts of their own region only.
        raise PermissionDenied()


def _require_recovery_actor(recovery: AccountRecovery, user: User, action: str) -> RecoveryTransition:
    """Who may move ``recovery`` by ``action``: the transition's capability in the request's
    region, and for a decision a leader who neither asked for it nor owns the account."""
    transition = RECOVERY_TRANSITIONS.get((RecoveryState.PENDING, action))
    assert transition is not None, action
    require(user, transition.capability)
    if not (user.region and user.region.contains(recovery.region_id)):
        raise PermissionDenied()
    if transition.capability == Capability.APPROVE:
        if recovery.requested_by_id == user.pk:
            raise PermissionDenied(OWN_RECOVERY_REQUEST, code="own_request")
        if recovery.user_id == user.pk:
            raise PermissionDenied(OWN_RECOVERY_ACCOUNT, code="own_account")
    return transition


def recovery_actions(recovery: AccountRecovery, user: User) -> list[str]:
    """What ``user`` may do with ``recovery`` now, read off ``RECOVERY_TRANSITIONS``."""
    found = []
    for (state, action), _transition in RECOVERY_TRANSITIONS.items():
        if state != recovery.state:
            continue
        try:
            _require_recovery_actor(recovery, user, action)
        except PermissionDenied:
            continue
        found.append(action)
    return found


def _clean_asking_reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(
            Message(gettext_noop("Give the reason for asking: the leader reads it.")),
            code="reason_required",
            fields={"reason": gettext_noop("required")},
        )
    return _clean_reason(text, required=False)


def _open_recovery(
    user: User, *, kind: RecoveryKind, reason: str, acting_user: User, password_hash: str = ""
) -> AccountRecovery:
    """The pending request and its audit record, in the caller's transaction; applied at once
    while no leader was ever granted (nobody could approve it)."""
    if AccountRecovery.objects.filter(user=user, state=RecoveryState.PENDING).exists():
        raise Conflict(RECOVERY_PENDING, code="recovery_pending")
    region_id = user.region_id or acting_user.region_id
    if region_id is None:  # no region: no leader's scope could hold the request
        raise PermissionDenied()
    try:
        with transaction.atomic():
            recovery = AccountRecovery.objects.create(
                kind=kind,
                user=user,
                region_id=region_id,
                password_hash=password_hash,
                reason=reason,
                requested_by=acting_user,
            )
    except IntegrityError:  # another request for the account, made at the same moment
        raise Conflict(RECOVERY_PENDING, code="recovery_pending") from None
    record_event(
        EventType.RECOVERY_REQUESTED,
        actor=acting_user,
        region=region_id,
        obj=user,
        extra={"request": recovery.pk, "kind": kind.value, "reason": reason},
    )
    if not leader_ever_granted():
        _decide_recovery(recovery, "approve", acting_user=None, bootstrap=True)
    return recovery


def do_request_second_factor_reset(user: User, *, reason: str, acting_user: User) -> AccountRecovery:
    """An admin asks for a new second factor for someone who lost theirs (their own region
    only, with the reason the leader reads). Nothing changes until a leader approves: then the
    account's devices are deleted, its sessions and tokens end, and its owner enrols a new device
    at the next sign-in."""
    _require_admin_of(user, acting_user)
    if user.pk == acting_user.pk:
        raise InvalidInput(SELF_RECOVERY, code="self_recovery")
    text = _clean_asking_reason(reason, required=True)
    if confirmed_totp_device(user) is None:
        # Nothing to reset: a leader would approve a request that changes nothing.
        raise Conflict(NO_SECOND_FACTOR, code="no_second_factor")
    with transaction.atomic():
        return _open_recovery(user, kind=RecoveryKind.SECOND_FACTOR, reason=text, acting_user=acting_user)


def _decide_recovery(
    recovery: AccountRecovery,
    action: str,
    *,
    acting_user: User | None,
    reason: str = "",
    bootstrap: bool = False,
) -> None:
    """Compare-and-set: only a pending request moves, once; an approval applies it. In the
    caller's transaction. ``acting_user=None`` only for the bootstrap's at-once approval."""
    transition = RECOVERY_TRANSITIONS[(RecoveryState.PENDING, action)]
    password_hash = (
        AccountRecovery.objects.filter(pk=recovery.pk).values_list("password_hash", flat=True).first() or ""
    )
    now = timezone.now()
    moved = AccountRecovery.objects.filter(pk=recovery.pk, state=RecoveryState.PENDING).update(
        state=transition.to, decided_by=acting_user, decided_at=now, decision_reason=reason, password_hash=""
    )
    if not moved:
        recovery.refresh_from_db(fields=["state"])
        raise Conflict(
            Message(ALREADY_DECIDED.msgid, {"state": RecoveryState(recovery.state).label}),
            code="recovery_decided",
        )
    recovery.state, recovery.decided_by, recovery.decided_at = transition.to, acting_user, now
    recovery.decision_reason, recovery.password_hash = reason, ""
    user = recovery.user
    extra: dict[str, Any] = {"request": recovery.pk, "kind": recovery.kind}
    if action != "approve":
        record_event(
            transition.event,
            actor=acting_user,
            region=recovery.region_id,
            obj=user,
            extra={**extra, "reason": reason},
        )
        return
    extra["requested_by"] = recovery.requested_by.username
    if bootstrap:
        extra["bootstrap"] = "no_leader_yet"
    if recovery.kind == RecoveryKind.SECOND_FACTOR:
        removed, _kinds = TOTPDevice.objects.filter(user=user).delete()
        record_event(
            EventType.RECOVERY_APPROVED,
            actor=acting_user or recovery.requested_by,
            region=recovery.region_id,
            obj=user,
            extra={**extra, "devices_removed": removed},
        )
        record_event(
            EventType.TOTP_REMOVED,
            actor=acting_user or recovery.requested_by,
            region=recovery.region_id,
            obj=user,
            extra={"request": recovery.pk},
        )
        reason_code = "second_factor_reset"
    else:
        User.objects.filter(pk=user.pk).update(password=password_hash, must_change_password=True)
        user.refresh_from_db(fields=["password", "must_change_password"])
        record_event(
            EventType.RECOVERY_APPROVED,
            actor=acting_user or recovery.requested_by,
            region=recovery.region_id,
            obj=user,
            extra=extra,
        )
        record_event(
            EventType.PASSWORD_RESET,
            actor=acting_user or recovery.requested_by,
            region=recovery.region_id,
            obj=user,
            extra={"request": recovery.pk},
        )
        reason_code = "password_reset"
    end_sessions_and_tokens(user, reason=reason_code, acting_user=acting_user or recovery.requested_by)


def do_approve_recovery(recovery: AccountRecovery, *, acting_user: User) -> AccountRecovery:
    """A leader who neither asked for it nor owns the account approves it: a second factor's
    devices are deleted, or the password the admin typed is set (good for one sign-in); every
    session and token of the account ends."""
    _require_recovery_actor(recovery, acting_user, "approve")
    with transaction.atomic():
        _decide_recovery(recovery, "approve", acting_user=acting_user)
    return recovery


def do_refuse_recovery(recovery: AccountRecovery, *, reason: str, acting_user: User) -> AccountRecovery:
    """A leader refuses it, saying why; the account keeps its password and second factor."""
    _require_recovery_actor(recovery, acting_user, "refuse")
    text = _clean_reason(reason, required=True)
    with transaction.atomic():
        _decide_recovery(recovery, "refuse", acting_user=acting_user, reason=text)
    return recovery


def do_withdraw_recovery(
    recovery: AccountRecovery, *, acting_user: User, reason: str = ""
) -> AccountRecovery:
    """An admin takes back a recovery no leader has decided yet."""
    _require_recovery_actor(recovery, acting_user, "withdraw")
    text = _clean_reason(reason, required=False)
    with transaction.atomic():
        _decide_recovery(recovery, "withdraw", acting_user=acting_user, reason=text)
    return recovery
