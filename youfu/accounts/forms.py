from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.core.forms import CHOOSE
from youfu.core.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    current = forms.CharField(label=_("Current password"), widget=forms.PasswordInput, strip=False)
    new = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)


class PasswordChooseForm(forms.Form):
    """A user replacing a password someone else set (a new account, an admin's reset)."""

    current = forms.CharField(
        label=_("Password you were given"), widget=forms.PasswordInput, strip=False, max_length=1024
    )
    new = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False, max_length=1024)
    repeat = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput, strip=False, max_length=1024
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("repeat") is not None and data["new"] != data["repeat"]:
            self.add_error("repeat", _("The two new passwords differ."))
        return data


class PasswordResetForm(forms.Form):
    """The admin's reset of someone else's password: good for one sign-in. For an account whose
    role requires a second factor it waits for a leader, who reads the reason."""

    password = forms.CharField(
        label=_("One-time password"), widget=forms.PasswordInput, strip=False, max_length=1024
    )
    reason = forms.CharField(
        label=_("Reason (for the leader, where one decides)"), max_length=500, required=False
    )


class SecondFactorResetForm(forms.Form):
    """The admin asks a leader for a new second factor for someone who lost theirs."""

    reason = forms.CharField(
        label=_("Reason for the reset"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, required=False)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    # No role is preselected: the first one is the system admin's, never a safe default.
    role = forms.ChoiceField(label=_("Role"), choices=[("", CHOOSE), *Role.choices])
    region = forms.CharField(label=_("Region code"), max_length=12)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    # Empty keeps the role held (an account waiting for its first role has none to show).
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("(no role yet)")), *Role.choices], required=False
    )
    region = forms.CharField(label=_("Region code"), max_length=12)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class RoleRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusing"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoleWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)
