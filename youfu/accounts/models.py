from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
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
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
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
