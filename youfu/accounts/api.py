from datetime import datetime
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

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
from youfu.accounts.selectors import (
    pending_recovery_of,
    pending_request_of,
    recoveries_for,
    role_requests_for,
    tokens_of,
    users_for,
)
from youfu.accounts.services import (
    LOGIN_FAILED,
    NO_RECOVERY_APPROVAL_NEEDED,
    LoginFailed,
    check_otp_step,
    check_password_step,
    confirmed_totp_device,
    do_approve_recovery,
    do_approve_role_request,
    do_create_user,
    do_issue_token,
    do_record_login,
    do_refuse_recovery,
    do_refuse_role_request,
    do_request_role,
    do_request_second_factor_reset,
    do_reset_password,
    do_revoke_token,
    do_withdraw_recovery,
    do_withdraw_role_request,
    password_reset_needs_approval,
    require_own_password,
)
from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, Id, Note, Otp, Password, RegionCode, ShortText, Username
from youfu.core.errors import InvalidInput, also_answers
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.scope import get_visible_or_404

router = Router(tags=["accounts"])


class TokenIn(Schema):
    username: Username
    password: Password
    otp: Otp | None = None
    name: ShortText = ""


class TokenOut(Schema):
    token: str
    expires_at: datetime


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    region: str | None
    region_name: str | None
    two_factor: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str = Field(description="empty while a new account waits for a leader to approve its role")
    region: str | None = Field(None, alias="region_id")
    is_active: bool
    locked: bool
    pending_role_request: int | None = Field(
        None, description="the role request waiting for a leader's approval (GET /role-requests/{id})"
    )
    pending_recovery: int | None = Field(
        None, description="the account recovery waiting for a leader's approval (GET /recovery-requests/{id})"
    )

    @staticmethod
    def resolve_locked(obj: User) -> bool:
        return obj.is_locked()

    @staticmethod
    def resolve_pending_role_request(obj: User) -> int | None:
        prefetched: list[RoleRequest] | None = getattr(obj, "pending_requests", None)
        pending = pending_request_of(obj) if prefetched is None else next(iter(prefetched), None)
        return pending.pk if pending else None

    @staticmethod
    def resolve_pending_recovery(obj: User) -> int | None:
        prefetched: list[AccountRecovery] | None = getattr(obj, "pending_recoveries", None)
        pending = pending_recovery_of(obj) if prefetched is None else next(iter(prefetched), None)
        return pending.pk if pending else None


class UserIn(Schema):
    username: Username
    role: Choice
    region: RegionCode
    password: Password
    full_name: ShortText = ""
    email: Annotated[str, Field(max_length=254)] = ""


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str = Field(alias="key_prefix")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @staticmethod
    def resolve_revoked(obj: ApiToken) -> bool:
        return obj.revoked_at is not None


def _user_out(user: User) -> UserOut:
    return UserOut.from_orm(user)


@router.post(
    "/auth/token", auth=None, response={200: TokenOut}, tags=["auth"], openapi_extra=also_answers(401, 403)
)
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Log in and get a bearer token. Failed attempts count towards the lock-out. A password
    someone else set (a new account, an admin's reset) gets no token: 403
    ``password_change_required`` until the user chooses their own on the web."""
    check = check_password_step(payload.username, payload.password)
    if check.needs_otp:
        if not check.has_device:
            raise LoginFailed(
                Message(gettext_noop("Enrol two-factor authentication on the profile page first.")),
                code="otp_enrolment_required",
            )
        if not payload.otp:
            raise LoginFailed(LOGIN_FAILED, code="otp_required", fields={"otp": gettext_noop("required")})
        check_otp_step(check.user, payload.otp)
    require_own_password(check.user)
    do_record_login(check.user, method="api_token")
    key, token = do_issue_token(check.user, acting_user=check.user, name=payload.name)
    return TokenOut(token=key, expires_at=token.expires_at)


@router.delete("/auth/token", response={204: None}, tags=["auth"])
def revoke_current_token(request: HttpRequest) -> Status[None]:
    """Revoke the token this request was made with."""
    token: ApiToken | None = getattr(request.user, "api_token", None)
    if token is not None:
        do_revoke_token(token, acting_user=acting_user(request))
    return Status(204, None)


@router.get("/auth/tokens", response=list[TokenInfoOut], tags=["auth"])
@paginate(PageNumberPagination)
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return tokens_of(acting_user(request))


@router.delete("/auth/tokens/{token_id}", response={204: None}, tags=["auth"])
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    user = acting_user(request)
    token = get_object_or_404(tokens_of(user), pk=token_id)
    do_revoke_token(token, acting_user=user)
    return Status(204, None)


@router.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> MeOut:
    user = acting_user(request)

    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        region=user.region_id,
        region_name=user.region.name if user.region else None,
        two_factor=confirmed_totp_device(user) is not None,
    )


@router.get("/users", response=list[UserOut], tags=["accounts"])
@paginate(PageNumberPagination)
def list_users(request: HttpRequest) -> QuerySet[User]:
    return users_for(acting_user(request))


@router.get("/users/{user_id}", response=UserOut, tags=["accounts"])
def get_user(request: HttpRequest, user_id: int) -> UserOut:
    user = acting_user(request)
    return _user_out(get_visible_or_404(users_for(user), user, pk=user_id))


@router.post("/users", response={201: UserOut}, tags=["accounts"])
def create_user(request: HttpRequest, payload: UserIn) -> Status[UserOut]:
    user = do_create_user(
        payload.username,
        role=payload.role,
        region_code=payload.region,
        password=payload.password,
        acting_user=acting_user(request),
        full_name=payload.full_name,
        email=payload.email,
    )
    return Status(201, _user_out(user))


# --- roles that read personal data: asked by the admin, approved by a leader -------------------


class RoleRequestIn(Schema):
    user: Id
    role: Choice
    region: RegionCode
    department: Id | None = None


class RefuseRoleIn(Schema):
    reason: Note


class WithdrawRoleIn(Schema):
    reason: Note = ""


class RoleRequestOut(Schema):
    id: int
    user: int = Field(alias="user_id")
    username: str
    role: str
    region: str = Field(alias="region_id")
    department: int | None = Field(None, alias="department_id")
    from_role: str
    from_region: str | None = Field(None, alias="from_region_id")
    new_account: bool
    state: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str

    @staticmethod
    def resolve_username(obj: RoleRequest) -> str:
        return obj.user.username

    @staticmethod
    def resolve_requested_by(obj: RoleRequest) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj: RoleRequest) -> str | None:
        return obj.decided_by.username if obj.decided_by else None


def _role_request(user: User, request_id: int) -> RoleRequest:
    found: RoleRequest = get_visible_or_404(role_requests_for(user), user, pk=request_id)
    return found


def _role_request_out(user: User, request_id: int) -> RoleRequestOut:
    return RoleRequestOut.from_orm(_role_request(user, request_id))


STATES = (*RoleRequestState.values, "all")


@router.get("/role-requests", response=list[RoleRequestOut], tags=["accounts"])
@paginate(PageNumberPagination)
def list_role_requests(
    request: HttpRequest, state: Choice = RoleRequestState.PENDING
) -> QuerySet[RoleRequest]:
    """Roles asked for accounts of the user's region (the admin who asks, the leader who
    decides): ``state=pending`` (the default), ``approved``, ``refused``, ``withdrawn`` or ``all``."""
    user = acting_user(request)
    if state not in STATES:
        message = Message(gettext_noop("Unknown state %(state)s."), {"state": state})
        raise InvalidInput(message, fields={"state": message})
    found = role_requests_for(user)
    return found if state == "all" else found.filter(state=state)


@router.post("/role-requests", response={201: RoleRequestOut}, tags=["accounts"])
def request_role(request: HttpRequest, payload: RoleRequestIn) -> Status[RoleRequestOut]:
    """The admin asks for a role that reads personal data (and its region, and a liaison's
    department) for an existing account; it applies once a leader approves it. A new account
    asks through ``POST /users``."""
    admin = acting_user(request)
    subject = get_visible_or_404(users_for(admin), admin, pk=payload.user)
    department = None
    if payload.department is not None:
        department = get_visible_or_404(Department.objects.all(), admin, pk=payload.department)
    made = do_request_role(
        subject, role=payload.role, region_code=payload.region, department=department, acting_user=admin
    )
    return Status(201, _role_request_out(admin, made.pk))


@router.get("/role-requests/{request_id}", response=RoleRequestOut, tags=["accounts"])
def get_role_request(request: HttpRequest, request_id: Id) -> RoleRequestOut:
    return _role_request_out(acting_user(request), request_id)


@router.post("/role-requests/{request_id}/approve", response=RoleRequestOut, tags=["accounts"])
def approve_role_request(request: HttpRequest, request_id: Id) -> RoleRequestOut:
    """A leader who neither asked for the role nor receives it grants it."""
    leader = acting_user(request)
    do_approve_role_request(_role_request(leader, request_id), acting_user=leader)
    return _role_request_out(leader, request_id)


@router.post("/role-requests/{request_id}/refuse", response=RoleRequestOut, tags=["accounts"])
def refuse_role_request(request: HttpRequest, request_id: Id, payload: RefuseRoleIn) -> RoleRequestOut:
    """A leader refuses the role, with the reason the admin reads."""
    leader = acting_user(request)
    do_refuse_role_request(_role_request(leader, request_id), reason=payload.reason, acting_user=leader)
    return _role_request_out(leader, request_id)


@router.post("/role-requests/{request_id}/withdraw", response=RoleRequestOut, tags=["accounts"])
def withdraw_role_request(request: HttpRequest, request_id: Id, payload: WithdrawRoleIn) -> RoleRequestOut:
    """The admin takes back a request no leader has decided yet."""
    admin = acting_user(request)
    do_withdraw_role_request(_role_request(admin, request_id), reason=payload.reason, acting_user=admin)
    return _role_request_out(admin, request_id)


# --- account recovery: asked by the admin, applied by a leader's approval ----------------------


class AccountRecoveryIn(Schema):
    user: Id
    kind: Choice = Field(description="second_factor (a lost phone) or password")
    reason: Note = Field("", description="why; the leader reads it (required for a second factor)")
    password: Password | None = Field(
        None,
        description="kind=password only: the one-time password, set when a leader approves "
        "(only its hash is kept meanwhile)",
    )


class RefuseAccountRecoveryIn(Schema):
    reason: Note


class WithdrawAccountRecoveryIn(Schema):
    reason: Note = ""


class AccountRecoveryOut(Schema):
    id: int
    kind: str
    user: int = Field(alias="user_id")
    username: str
    region: str = Field(alias="region_id")
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str

    @staticmethod
    def resolve_username(obj: AccountRecovery) -> str:
        return obj.user.username

    @staticmethod
    def resolve_requested_by(obj: AccountRecovery) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj: AccountRecovery) -> str | None:
        return obj.decided_by.username if obj.decided_by else None


def _recovery(user: User, recovery_id: int) -> AccountRecovery:
    found: AccountRecovery = get_visible_or_404(recoveries_for(user), user, pk=recovery_id)
    return found


def _recovery_out(user: User, recovery_id: int) -> AccountRecoveryOut:
    return AccountRecoveryOut.from_orm(_recovery(user, recovery_id))


RECOVERY_STATES = (*RecoveryState.values, "all")


@router.get("/recovery-requests", response=list[AccountRecoveryOut], tags=["accounts"])
@paginate(PageNumberPagination)
def list_recoveries(request: HttpRequest, state: Choice = RecoveryState.PENDING) -> QuerySet[AccountRecovery]:
    """Account recoveries of the user's region — a lost second factor, or the password of an
    account that requires one — for the admin who asks and the leader who decides:
    ``state=pending`` (the default), ``approved``, ``refused``, ``withdrawn`` or ``all``."""
    user = acting_user(request)
    if state not in RECOVERY_STATES:
        message = Message(gettext_noop("Unknown state %(state)s."), {"state": state})
        raise InvalidInput(message, fields={"state": message})
    found = recoveries_for(user)
    return found if state == "all" else found.filter(state=state)


@router.post("/recovery-requests", response={201: AccountRecoveryOut}, tags=["accounts"])
def request_recovery(request: HttpRequest, payload: AccountRecoveryIn) -> Status[AccountRecoveryOut]:
    """The admin asks for an account of their region to be recovered: ``second_factor`` (its
    devices deleted, the owner enrols a new one at the next sign-in; a reason is required) or
    ``password`` (for an account whose role requires a second factor: the one-time
    ``password`` is set on approval). It applies once a leader who neither asked nor owns the
    account approves it. 409 ``recovery_pending`` while another waits for the account;
    409 ``no_second_factor`` for a second factor the account has not got."""
    admin = acting_user(request)
    subject = get_visible_or_404(users_for(admin), admin, pk=payload.user)
    if payload.kind == RecoveryKind.SECOND_FACTOR:
        made = do_request_second_factor_reset(subject, reason=payload.reason, acting_user=admin)
    elif payload.kind == RecoveryKind.PASSWORD:
        if not payload.password:
            raise InvalidInput(
                Message(gettext_noop("Give the one-time password to set when a leader approves.")),
                code="password_required",
                fields={"password": gettext_noop("required")},
            )
        if not password_reset_needs_approval(subject):
            raise InvalidInput(
                Message(NO_RECOVERY_APPROVAL_NEEDED.msgid, {"role": subject.role}),
                code="no_approval_needed",
            )
        done = do_reset_password(subject, payload.password, acting_user=admin, reason=payload.reason)
        assert done.recovery is not None
        made = done.recovery
    else:
        message = Message(
            gettext_noop("Unknown kind %(kind)s; choose one of %(kinds)s."),
            {"kind": payload.kind, "kinds": ", ".join(RecoveryKind.values)},
        )
        raise InvalidInput(message, code="unknown_kind", fields={"kind": message})
    return Status(201, _recovery_out(admin, made.pk))


@router.get("/recovery-requests/{account_recovery_id}", response=AccountRecoveryOut, tags=["accounts"])
def get_recovery(request: HttpRequest, account_recovery_id: Id) -> AccountRecoveryOut:
    """One account recovery of the user's region (never the password or its hash)."""
    return _recovery_out(acting_user(request), account_recovery_id)


@router.post(
    "/recovery-requests/{account_recovery_id}/approve", response=AccountRecoveryOut, tags=["accounts"]
)
def approve_recovery(request: HttpRequest, account_recovery_id: Id) -> AccountRecoveryOut:
    """A leader who neither asked for it nor owns the account approves it: the devices are
    deleted or the password set, and every session and token of the account ends."""
    leader = acting_user(request)
    do_approve_recovery(_recovery(leader, account_recovery_id), acting_user=leader)
    return _recovery_out(leader, account_recovery_id)


@router.post(
    "/recovery-requests/{account_recovery_id}/refuse", response=AccountRecoveryOut, tags=["accounts"]
)
def refuse_recovery(
    request: HttpRequest, account_recovery_id: Id, payload: RefuseAccountRecoveryIn
) -> AccountRecoveryOut:
    """A leader refuses it, with the reason the admin reads; the account is left as it was."""
    leader = acting_user(request)
    do_refuse_recovery(_recovery(leader, account_recovery_id), reason=payload.reason, acting_user=leader)
    return _recovery_out(leader, account_recovery_id)


@router.post(
    "/recovery-requests/{account_recovery_id}/withdraw", response=AccountRecoveryOut, tags=["accounts"]
)
def withdraw_recovery(
    request: HttpRequest, account_recovery_id: Id, payload: WithdrawAccountRecoveryIn
) -> AccountRecoveryOut:
    """The admin takes back a recovery no leader has decided yet."""
    admin = acting_user(request)
    do_withdraw_recovery(_recovery(admin, account_recovery_id), reason=payload.reason, acting_user=admin)
    return _recovery_out(admin, account_recovery_id)
