from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.middleware import is_verified
from django_otp.plugins.otp_totp.models import TOTPDevice

from youfu.accounts.forms import (
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PasswordChooseForm,
    PasswordResetForm,
    RoleRefuseForm,
    RoleWithdrawForm,
    SecondFactorResetForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from youfu.accounts.models import RecoveryState, RoleRequestState, User
from youfu.accounts.selectors import (
    pending_recovery_of,
    pending_request_of,
    recoveries_for,
    recoveries_to_decide,
    role_requests_for,
    role_requests_to_decide,
    tokens_of,
    users_for,
)
from youfu.accounts.services import (
    LoginFailed,
    check_otp_step,
    check_password_step,
    confirmed_totp_device,
    do_approve_recovery,
    do_approve_role_request,
    do_confirm_totp,
    do_create_user,
    do_issue_token,
    do_record_login,
    do_record_logout,
    do_refuse_recovery,
    do_refuse_role_request,
    do_remove_totp,
    do_request_second_factor_reset,
    do_reset_password,
    do_revoke_token,
    do_set_password,
    do_unlock_user,
    do_update_user,
    do_withdraw_recovery,
    do_withdraw_role_request,
    password_reset_needs_approval,
    recovery_actions,
    start_totp_enrolment,
)
from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput, PermissionDenied, YoufuError
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.sections import nav_for, work_for
from youfu.core.tasks import worker_last_seen
from youfu.core.views import capability_required, form_error, positive_int

PENDING = "youfu_pending_user"


def _pending_user(request: HttpRequest) -> User | None:
    """The user between the password and the second factor."""
    if request.user.is_authenticated:
        return request.user
    pk = request.session.get(PENDING)
    if pk is None:
        return None
    return User.objects.select_related("region").filter(pk=pk, is_active=True).first()


def _complete_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    request.session.pop(PENDING, None)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    do_record_login(user, method="password+otp" if device else "password")
    if user.must_change_password:
        return redirect("accounts:password_choose")
    return redirect("home")


def login_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if (
        isinstance(user, User)
        and user.is_authenticated
        and not (user.requires_two_factor and not is_verified(user))
    ):
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = check_password_step(form.cleaned_data["username"], form.cleaned_data["password"])
        except LoginFailed as exc:
            form.add_error(None, str(exc.message))
        else:
            if not check.needs_otp:
                return _complete_login(request, check.user, None)
            request.session.cycle_key()
            request.session[PENDING] = check.user.pk
            return redirect("accounts:login_otp" if check.has_device else "accounts:login_enrol")
    return render(request, "accounts/login.html", {"form": form})


def login_otp_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if confirmed_totp_device(user) is None:
        return redirect("accounts:login_enrol")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = check_otp_step(user, form.cleaned_data["otp"])
        except LoginFailed as exc:
            form.add_error("otp", str(exc.message))
        else:
            return _complete_login(request, user, device)
    return render(request, "accounts/login_otp.html", {"form": form, "pending": user})


def _enrolment_context(device: TOTPDevice) -> dict[str, Any]:
    uri = device.config_url
    return {
        "device": device,
        "secret": _base32_secret(device),
        "qr_svg": segno.make(uri, error="m").svg_inline(scale=4),
    }


def _base32_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _enrol(request: HttpRequest, user: User, template: str, on_done: Any) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    form = OtpForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            do_confirm_totp(user, device, form.cleaned_data["otp"])
        except InvalidInput as exc:
            form.add_error("otp", str(exc.message))
        else:
            return on_done(device)
    if device is None or request.method == "GET":
        device = start_totp_enrolment(user)
    return render(request, template, {"form": form, "pending": user, **_enrolment_context(device)})


def login_enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if confirmed_totp_device(user) is not None:
        return redirect("accounts:login_otp")
    return _enrol(request, user, "accounts/login_enrol.html", lambda d: _complete_login(request, user, d))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        do_record_logout(request.user)
    logout(request)
    return redirect("accounts:login")


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    context: dict[str, Any] = {"apps": nav_for(user), "work": work_for(user)}
    if user.can(Capability.MANAGE_SETTINGS):
        context["show_worker"] = True
        context["worker_last_seen"] = worker_last_seen()
    return render(request, "home.html", context)


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    password_form = PasswordChangeForm()
    token_form = TokenForm()
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "password":
            password_form = PasswordChangeForm(request.POST)
            if password_form.is_valid():
                if not user.check_password(password_form.cleaned_data["current"]):
                    password_form.add_error("current", _("The current password is wrong."))
                else:
                    try:
                        do_set_password(user, password_form.cleaned_data["new"], acting_user=user)
                    except InvalidInput as exc:
                        form_error(password_form, exc, default_field="new")
                    else:
                        update_session_auth_hash(request, user)
                        messages.success(request, _("Your password was changed."))
                        return redirect("accounts:profile")
        elif action == "token":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                new_token, _token = do_issue_token(
                    user, acting_user=user, name=token_form.cleaned_data["name"]
                )
        elif action == "revoke":
            token = tokens_of(user).filter(pk=request.POST.get("token_id") or 0).first()
            if token is not None:
                do_revoke_token(token, acting_user=user)
                messages.success(request, _("The token was revoked."))
            return redirect("accounts:profile")
        elif action == "remove_2fa":
            try:
                do_remove_totp(user, acting_user=user)
            except InvalidInput as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("Two-factor authentication was removed."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "password_form": password_form,
            "token_form": token_form,
            "new_token": new_token,
            "tokens": tokens_of(user)[:20],
            "has_device": confirmed_totp_device(user) is not None,
        },
    )


@login_required
def password_choose_view(request: HttpRequest) -> HttpResponse:
    """The step after signing in with a password someone else set: the user chooses their own
    before anything else (``PasswordChangeRequiredMiddleware`` sends every page here). Anyone
    else changes their password on the profile page."""
    user = acting_user(request)
    if not user.must_change_password:
        return redirect("accounts:profile")
    form = PasswordChooseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not user.check_password(form.cleaned_data["current"]):
            form.add_error("current", _("This is not the password you were given."))
        else:
            try:
                do_set_password(user, form.cleaned_data["new"], acting_user=user)
            except InvalidInput as exc:
                form_error(form, exc, default_field="new")
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password was changed."))
                return redirect("home")
    return render(request, "accounts/password_choose.html", {"form": form})


@login_required
def profile_two_factor_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)

    def done(device: TOTPDevice) -> HttpResponse:
        otp_login(request, device)
        messages.success(request, _("Two-factor authentication is on."))
        return redirect("accounts:profile")

    return _enrol(request, user, "accounts/profile_two_factor.html", done)


def _awaiting(request: HttpRequest, subject: User) -> None:
    pending = pending_request_of(subject)
    if pending is not None:
        messages.info(
            request,
            _(
                "The role %(role)s of %(username)s waits for a leader's approval; until then the "
                "account keeps what it held (a new account cannot sign in)."
            )
            % {"role": pending.get_role_display(), "username": subject.username},
        )


@capability_required(Capability.MANAGE_USERS)
def users_view(request: HttpRequest) -> HttpResponse:
    admin = acting_user(request)
    form = UserCreateForm(request.POST or None, initial={"region": admin.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            created = do_create_user(
                form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                region_code=form.cleaned_data["region"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                acting_user=admin,
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("User %(username)s was created.") % {"username": created.username})
            _awaiting(request, created)
            return redirect("accounts:users")
    waiting = role_requests_for(admin).filter(state=RoleRequestState.PENDING).count()
    return render(
        request, "accounts/users.html", {"users": users_for(admin), "form": form, "waiting": waiting}
    )


def _reset_password(request: HttpRequest, admin: User, subject: User, form: PasswordResetForm) -> bool:
    """The admin's reset of another account's password (one-time); False when refused."""
    if subject.pk == admin.pk:
        form.add_error(None, _("Change your own password on your profile page."))
        return False
    if not form.is_valid():
        return False
    try:
        done = do_reset_password(
            subject, form.cleaned_data["password"], acting_user=admin, reason=form.cleaned_data["reason"]
        )
    except (InvalidInput, PermissionDenied) as exc:
        form_error(form, exc, default_field="password")
        return False
    except YoufuError as exc:  # a recovery already waiting (409)
        form.add_error(None, str(exc.message))
        return False
    if done.waits:
        messages.info(
            request,
            _(
                "The password reset of %(username)s waits for a leader's approval: until a leader who "
                "neither asked for it nor owns the account approves it, the old password still holds."
            )
            % {"username": subject.username},
        )
        return True
    messages.success(
        request,
        _(
            "The password of %(username)s was reset: it is good for one sign-in, after which they "
            "choose their own. Their sessions and API tokens ended."
        )
        % {"username": subject.username},
    )
    return True


@capability_required(Capability.MANAGE_USERS)
def user_detail_view(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = acting_user(request)
    subject = get_visible_or_404(users_for(admin), admin, pk=user_id)
    action = request.POST.get("action") if request.method == "POST" else None
    form = UserEditForm(
        request.POST if request.method == "POST" and not action else None,
        initial={
            "full_name": subject.full_name,
            "role": subject.role,
            "region": subject.region_id,
            "is_active": subject.is_active,
        },
    )
    withdraw_form = RoleWithdrawForm()
    reset_form = PasswordResetForm(request.POST if action == "reset_password" else None)
    if action == "unlock":
        do_unlock_user(subject, acting_user=admin)
        messages.success(request, _("The account was unlocked."))
        return redirect("accounts:user_detail", user_id=subject.pk)
    second_factor_form = SecondFactorResetForm(request.POST if action == "reset_second_factor" else None)
    if action == "reset_password":
        if _reset_password(request, admin, subject, reset_form):
            return redirect("accounts:user_detail", user_id=subject.pk)
    elif action == "reset_second_factor":
        if second_factor_form.is_valid():
            try:
                do_request_second_factor_reset(
                    subject, reason=second_factor_form.cleaned_data["reason"], acting_user=admin
                )
            except (InvalidInput, PermissionDenied) as exc:
                form_error(second_factor_form, exc, default_field="reason")
            except YoufuError as exc:  # a recovery already waiting (409)
                second_factor_form.add_error(None, str(exc.message))
            else:
                messages.info(
                    request,
                    _(
                        "The second factor reset of %(username)s waits for a leader's approval; "
                        "until then the account keeps its device."
                    )
                    % {"username": subject.username},
                )
                return redirect("accounts:user_detail", user_id=subject.pk)
    elif action == "withdraw_recovery":
        recovery_withdraw_form = RoleWithdrawForm(request.POST)
        recovery = pending_recovery_of(subject)
        if recovery is not None and recovery_withdraw_form.is_valid():
            try:
                do_withdraw_recovery(
                    recovery, acting_user=admin, reason=recovery_withdraw_form.cleaned_data["reason"]
                )
            except YoufuError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The account recovery was withdrawn."))
        return redirect("accounts:user_detail", user_id=subject.pk)
    elif action == "withdraw":
        withdraw_form = RoleWithdrawForm(request.POST)
        pending = pending_request_of(subject)
        if pending is not None and withdraw_form.is_valid():
            try:
                do_withdraw_role_request(
                    pending, acting_user=admin, reason=withdraw_form.cleaned_data["reason"]
                )
            except YoufuError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The role request was withdrawn."))
        return redirect("accounts:user_detail", user_id=subject.pk)
    elif form.is_bound and form.is_valid():
        try:
            do_update_user(
                subject,
                acting_user=admin,
                role=form.cleaned_data["role"] or None,
                region_code=form.cleaned_data["region"],
                full_name=form.cleaned_data["full_name"],
                is_active=form.cleaned_data["is_active"],
            )
        except (InvalidInput, PermissionDenied) as exc:
            form_error(form, exc)
        except YoufuError as exc:  # a request already waiting (409)
            form.add_error("role", str(exc.message))
        else:
            messages.success(request, _("The user was saved."))
            _awaiting(request, subject)
            return redirect("accounts:user_detail", user_id=subject.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "form": form,
            "pending": pending_request_of(subject),
            "requests": role_requests_for(admin).filter(user=subject)[:20],
            "withdraw_form": withdraw_form,
            "reset_form": reset_form,
            "second_factor_form": second_factor_form,
            "has_device": confirmed_totp_device(subject) is not None,
            "password_waits": password_reset_needs_approval(subject),
            "recovery": pending_recovery_of(subject),
            "recoveries": recoveries_for(admin).filter(user=subject)[:20],
        },
    )


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@capability_required(Capability.APPROVE)
@require_http_methods(["GET", "POST"])
def approvals_view(request: HttpRequest) -> HttpResponse:
    """The leader's list of roles asked by the admin, to approve or refuse one by one (the row
    is replaced in place with htmx; a plain form post comes back to the list)."""
    leader = acting_user(request)
    if request.method == "POST":
        number = positive_int(request.POST.get("request"))
        if number is None:
            raise Http404
        role_request = get_visible_or_404(role_requests_for(leader), leader, pk=number)
        decision = request.POST.get("decision", "")
        if decision not in ("approve", "refuse"):
            raise Http404
        error = done = ""
        refuse_form = RoleRefuseForm(request.POST if decision == "refuse" else None)
        names = {"username": role_request.user.username, "role": role_request.get_role_display()}
        try:
            if decision == "approve":
                do_approve_role_request(role_request, acting_user=leader)
                done = _("%(username)s is now %(role)s.") % names
            elif refuse_form.is_valid():
                do_refuse_role_request(
                    role_request, reason=refuse_form.cleaned_data["reason"], acting_user=leader
                )
                done = _("The role %(role)s for %(username)s was refused.") % names
            else:
                error = _("Give the reason for refusing: the admin reads it.")
        except YoufuError as exc:
            error = str(exc.message)
            role_request.refresh_from_db()
        if _is_htmx(request):
            return render(
                request,
                "accounts/_approval_row.html",
                {"r": role_request, "error": error, "done": done, "refuse_form": RoleRefuseForm()},
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect("accounts:approvals")
    return render(
        request,
        "accounts/approvals.html",
        {
            "rows": role_requests_to_decide(leader)[:500],
            "decided": role_requests_for(leader).exclude(state=RoleRequestState.PENDING)[:50],
            "refuse_form": RoleRefuseForm(),
            "recoveries": [(r, recovery_actions(r, leader)) for r in recoveries_to_decide(leader)[:500]],
            "recoveries_decided": recoveries_for(leader).exclude(state=RecoveryState.PENDING)[:50],
        },
    )


@capability_required(Capability.APPROVE)
@require_POST
def recovery_decide_view(request: HttpRequest) -> HttpResponse:
    """A leader approves or refuses an account recovery listed on *Roles to approve* (the row
    is replaced in place with htmx; a plain form post comes back to the list)."""
    leader = acting_user(request)
    number = positive_int(request.POST.get("recovery"))
    if number is None:
        raise Http404
    recovery = get_visible_or_404(recoveries_for(leader), leader, pk=number)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "refuse"):
        raise Http404
    error = done = ""
    refuse_form = RoleRefuseForm(request.POST if decision == "refuse" else None)
    names = {"username": recovery.user.username, "kind": recovery.get_kind_display()}
    try:
        if decision == "approve":
            do_approve_recovery(recovery, acting_user=leader)
            done = (
                _("The %(kind)s of %(username)s was approved: their sessions and API tokens ended.") % names
            )
        elif refuse_form.is_valid():
            do_refuse_recovery(recovery, reason=refuse_form.cleaned_data["reason"], acting_user=leader)
            done = _("The %(kind)s of %(username)s was refused.") % names
        else:
            error = _("Give the reason for refusing: the admin reads it.")
    except YoufuError as exc:
        error = str(exc.message)
        recovery.refresh_from_db()
    if _is_htmx(request):
        return render(
            request,
            "accounts/_recovery_row.html",
            {
                "r": recovery,
                "error": error,
                "done": done,
                "refuse_form": RoleRefuseForm(),
                "actions": recovery_actions(recovery, leader),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("accounts:approvals")
