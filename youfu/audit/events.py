"""Audit event types: one IntEnum, numbered ranges per domain (STYLE.md §4).

1xx registry · 2xx benefits · 3xx relief · 4xx petitions · 5xx outreach ·
8xx reference data and settings · 9xx security and access to personal data.
Numbers are stored; never renumber, only add.
"""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _


class EventType(enum.IntEnum):
    # 1xx registry
    BENEFICIARY_CREATED = 101
    BENEFICIARY_CHANGED = 102
    QUALIFICATION_ADDED = 103
    QUALIFICATION_CHANGED = 104
    LIFE_EVENT_RECORDED = 110
    REGISTRY_IMPORTED = 120
    ANNUAL_REVIEW_OPENED = 130
    ANNUAL_REVIEW_CONFIRMED = 131
    ANNUAL_REVIEW_SUSPENDED = 132

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
    EventType.BENEFICIARY_CREATED: _("person registered"),
    EventType.BENEFICIARY_CHANGED: _("person changed"),
    EventType.QUALIFICATION_ADDED: _("qualification added"),
    EventType.QUALIFICATION_CHANGED: _("qualification changed"),
    EventType.LIFE_EVENT_RECORDED: _("life event recorded"),
    EventType.REGISTRY_IMPORTED: _("registry imported"),
    EventType.ANNUAL_REVIEW_OPENED: _("annual confirmation opened"),
    EventType.ANNUAL_REVIEW_CONFIRMED: _("annual confirmation given"),
    EventType.ANNUAL_REVIEW_SUSPENDED: _("suspended after annual confirmation"),
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
