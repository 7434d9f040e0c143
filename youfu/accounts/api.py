from datetime import datetime
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import ApiToken, User
from youfu.accounts.selectors import tokens_of, users_for
from youfu.accounts.services import (
    LOGIN_FAILED,
    LoginFailed,
    check_otp_step,
    check_password_step,
    confirmed_totp_device,
    do_create_user,
    do_issue_token,
    do_record_login,
    do_revoke_token,
)
from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, Otp, Password, RegionCode, ShortText, Username
from youfu.core.errors import also_answers
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
    role: str
    region: str | None = Field(None, alias="region_id")
    is_active: bool
    locked: bool

    @staticmethod
    def resolve_locked(obj: User) -> bool:
        return obj.is_locked()


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
    "/auth/token", auth=None, response={200: TokenOut}, tags=["auth"], openapi_extra=also_answers(401)
)
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Log in and get a bearer token. Failed attempts count towards the lock-out."""
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
