"""Audit event types: one IntEnum, numbered ranges per domain (STYLE.md §4).

1xx registry · 2xx benefits · 3xx relief · 4xx petitions · 5xx outreach ·
8xx reference data and settings · 9xx security and access to personal data.
Numbers are stored; never renumber, only add.
"""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _


class EventType(enum.IntEnum):
    # 8xx reference data and settings
    REGIONS_IMPORTED = 801
    REGION_CREATED = 802
    REGION_CHANGED = 803
    DEPARTMENT_CREATED = 810

    # 9xx security
    LOGIN_SUCCEEDED = 901
    LOGIN_FAILED = 902
    ACCOUNT_LOCKED = 903
    LOGOUT = 904
    USER_CREATED = 910
    USER_CHANGED = 911
    PASSWORD_CHANGED = 912
    ACCOUNT_UNLOCKED = 913
    TOKEN_ISSUED = 920
    TOKEN_REVOKED = 921
    TOTP_ENROLLED = 930
    TOTP_REMOVED = 931
    AUDIT_EXPORTED = 941
    AUDIT_VERIFIED = 942
    # Reading beneficiaries' sensitive data is recorded like a write.
    PERSONAL_DATA_REVEALED = 950  # an unmasked ID number or bank account shown
    PERSONAL_DATA_EXPORTED = 951  # a file of personal data downloaded

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self, self.name))


EVENT_LABELS = {
    EventType.REGIONS_IMPORTED: _("regions imported"),
    EventType.REGION_CREATED: _("region created"),
    EventType.REGION_CHANGED: _("region changed"),
    EventType.DEPARTMENT_CREATED: _("department created"),
    EventType.LOGIN_SUCCEEDED: _("login succeeded"),
    EventType.LOGIN_FAILED: _("login failed"),
    EventType.ACCOUNT_LOCKED: _("account locked"),
    EventType.LOGOUT: _("logout"),
    EventType.USER_CREATED: _("user created"),
    EventType.USER_CHANGED: _("user changed"),
    EventType.PASSWORD_CHANGED: _("password changed"),
    EventType.ACCOUNT_UNLOCKED: _("account unlocked"),
    EventType.TOKEN_ISSUED: _("API token issued"),
    EventType.TOKEN_REVOKED: _("API token revoked"),
    EventType.TOTP_ENROLLED: _("two-factor enrolled"),
    EventType.TOTP_REMOVED: _("two-factor removed"),
    EventType.AUDIT_EXPORTED: _("audit log exported"),
    EventType.AUDIT_VERIFIED: _("audit log verified"),
    EventType.PERSONAL_DATA_REVEALED: _("personal data revealed"),
    EventType.PERSONAL_DATA_EXPORTED: _("personal data exported"),
}
