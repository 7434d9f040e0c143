from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from youfu.core.roles import TWO_FACTOR_REQUIRED, Capability, Role, has_capability
from youfu.core.scope import RegionScoped, ScopedQuerySet


class Department(models.Model):
    """A county department (or unit) that takes part in pairing support or handles petitions."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["region", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Empty while a new account waits for a leader to approve its role: it holds no capability
    # and cannot sign in (``RoleRequest``).
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="liaisons"
    )
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Raised whenever the account's sessions must end (a new password, a lock-out, a
    # deactivation, a changed role or region). It is part of the session hash, so
    # Django's AuthenticationMiddleware drops every session signed with an older one,
    # whichever session backend holds them.
    session_version = models.PositiveIntegerField(default=0)
    # The password was set by someone else (the admin who created the account or reset it):
    # it is good for one sign-in, after which the user chooses their own before anything else
    # (``PasswordChangeRequiredMiddleware``), and no API token is issued until they have.
    must_change_password = models.BooleanField(_("must choose a new password"), default=False)

    objects = UserManager()  # type: ignore[misc]
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def can(self, capability: Capability) -> bool:
        return self.is_active and has_capability(self.role, capability)

    @property
    def requires_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_REQUIRED

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Version 0 keeps Django's own hash, so sessions open at the upgrade stay valid.
        if not self.session_version:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        return salted_hmac(
            "youfu.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ApiToken(models.Model):
    """A bearer token for /api/v1. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_prefix}…"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RoleRequestState(models.TextChoices):
    PENDING = "pending", _("waiting for a leader")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class RoleRequest(models.Model):
    """A role, with its region and department, that an admin asks for an account; in force only
    once a leader who neither asked for it nor receives it approves it. The roles that read
    personal data are granted this way (GB/T 22239's separation of duties: the admin who keeps
    the accounts cannot give anyone, themselves included, the people's records). Until then the
    account keeps what it held: a new account has no role and cannot sign in."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_requests")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the account held when it was asked: the approval applies only over that, so a
    # decision never lands on an account that changed in between.
    from_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    from_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_account = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=RoleRequestState.choices, default=RoleRequestState.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was refused or withdrawn: the admin reads it.
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="pending"), name="role_request_one_pending"
            )
        ]
        indexes = [models.Index(fields=["state", "region"], name="role_request_state_region")]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_role_display()}"


class RecoveryKind(models.TextChoices):
    SECOND_FACTOR = "second_factor", _("second factor reset")
    PASSWORD = "password", _("password reset")


class RecoveryState(models.TextChoices):
    PENDING = "pending", _("waiting for a leader")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AccountRecovery(models.Model):
    """An admin's request to give back an account its owner lost: a new second factor
    (``second_factor``: the devices are deleted, and the owner enrols a new one at the next
    sign-in), or a new password for an account whose role requires a second factor
    (``password``: the one-time password the admin typed, kept only as its hash). In force only
    once a leader who neither asked for it nor owns the account approves it; then every session
    and token of the account ends.

    One model for both kinds, because both are the same act under GB/T 22239's separation of
    duties — the admin who keeps the accounts must not be able to take one over alone — with the
    same asker, decider, states and audit; only what the approval applies differs
    (``RECOVERY_TRANSITIONS`` in ``youfu/accounts/services.py`` is the one table of who moves
    it where). One pending request per account, whatever its kind: the leader decides on one
    thing at a time, and an admin cannot queue a second behind a refusal."""

    kind = models.CharField(_("kind"), max_length=16, choices=RecoveryKind.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="recoveries")
    # The account's region when asked: the scope of who reads and decides it.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    # ``password`` only: the hash (``make_password``) of the one-time password the admin typed,
    # never the clear text; emptied once the request is decided either way.
    password_hash = models.CharField(max_length=256, blank=True)
    # Why the admin asks (a lost phone, a forgotten password): the leader reads it. Required for
    # a second factor; a password reset asked from the reset form may leave it empty.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=RecoveryState.choices, default=RecoveryState.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was refused or withdrawn: the admin reads it.
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="pending"), name="account_recovery_one_pending"
            )
        ]
        indexes = [models.Index(fields=["state", "region"], name="account_recovery_state_region")]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_kind_display()}"
