"""Audit event types: one IntEnum, numbered ranges per domain (STYLE.md §4).

1xx registry · 2xx benefits · 3xx relief · 4xx petitions · 5xx outreach ·
8xx reference data and settings · 9xx security and access to personal data (96x backups, 97x
roles granted by a leader's approval, 98x accounts recovered by a leader's approval).
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
    REGISTRY_IMPORT_CHECKED = 121  # a dry run, or an import refused as a whole: nothing written
    ANNUAL_REVIEW_OPENED = 130
    ANNUAL_REVIEW_CONFIRMED = 131
    ANNUAL_REVIEW_SUSPENDED = 132

    # 2xx benefits
    STANDARDS_IMPORTED = 201
    TOPUP_SET = 202
    BENEFIT_SETTINGS_CHANGED = 203
    STANDARDS_APPROVED = 204
    STANDARDS_REFUSED = 205
    TOPUP_APPROVED = 206
    TOPUP_REFUSED = 207
    BATCH_CREATED = 210
    BATCH_APPROVED = 211
    BATCH_DISCARDED = 212
    BATCH_EXPORTED = 213  # a bank file with full ID numbers and accounts was written
    BANK_RETURNS_IMPORTED = 214
    BATCH_CLOSED = 215
    BATCH_RECONCILED = 216  # a batch, or the county's next one, checked against the full recomputation
    RECOVERY_SETTLED = 220
    LUMP_SUM_PAYEE_NAMED = 230
    ONE_OFF_SCHEDULED = 240  # a relief grant or medical claim to pay in the next batch
    ONE_OFF_WITHDRAWN = 241  # taken back before it was paid

    # 3xx relief: temporary relief 30x-31x, medical 32x-33x, housing 34x-35x, discoveries 36x
    RELIEF_APPLIED = 301
    RELIEF_STEP_APPROVED = 302
    RELIEF_RETURNED = 303
    RELIEF_CANCELLED = 304
    RELIEF_RESUBMITTED = 305
    RELIEF_APPROVED = 306  # the last step: the grant is to be paid
    RELIEF_PAID = 307  # the bank confirmed the one-off transfer
    RELIEF_DOCUMENT_ADDED = 308
    RELIEF_SETTINGS_CHANGED = 310
    MEDICAL_CLAIM_ENTERED = 321
    MEDICAL_CLAIM_APPROVED = 322
    MEDICAL_CLAIM_REFUSED = 323
    MEDICAL_SETTINGS_CHANGED = 324
    MEDICAL_PREMIUM_RECORDED = 325
    MEDICAL_OUTPATIENT_RECORDED = 326
    HOUSING_SURVEYED = 341
    HOUSING_CASE_OPENED = 342
    HOUSING_CASE_APPROVED = 343
    HOUSING_CASE_REFUSED = 344
    HOUSING_DISBURSED = 345
    HOUSING_COMPLETED = 346
    HOUSING_BUDGET_CHANGED = 347
    HOUSING_PHOTO_ADDED = 348
    DISCOVERY_RESOLVED = 361
    DISCOVERIES_REFRESHED = 362

    # 4xx petitions
    PETITION_REGISTERED = 401
    PETITION_ACCEPTED = 402
    PETITION_DECLINED = 403
    PETITION_FORWARDED = 404
    PETITION_ASSIGNED = 405
    PETITION_STARTED = 406
    PETITION_EXTENDED = 407
    PETITION_REPLIED = 408
    PETITION_REVIEW_REQUESTED = 409
    PETITION_REVIEW_REPLIED = 410
    PETITION_REREVIEW_REQUESTED = 411
    PETITION_REREVIEW_REPLIED = 412
    PETITION_CONCLUDED = 413
    PETITION_LINKED_AS_REPEAT = 414
    PETITION_RATED = 415
    PETITION_DEADLINES_RECOMPUTED = 416
    PETITION_ATTACHMENT_ADDED = 417
    PETITION_PERSON_LINKED = 418
    PETITION_ROUTED = 419
    PETITION_REMINDER_SENT = 420
    PETITION_EXTENSION_REQUESTED = 421
    PETITION_EXTENSION_REFUSED = 422
    RECEPTION_DAY_CREATED = 430
    RECEPTION_DAY_CHANGED = 431
    RECEPTION_DAY_CANCELLED = 432

    # 5xx outreach: pairing 50x, visits 52x, needs checks 54x
    PAIRING_STARTED = 501
    PAIRING_ENDED = 502
    PAIRING_ACTIVITY_RECORDED = 503
    VISIT_CAMPAIGN_CREATED = 521
    VISIT_CAMPAIGN_CHANGED = 522
    VISIT_RECORDED = 523
    NEEDS_ROUND_OPENED = 541
    NEEDS_FINDING_RECORDED = 542
    NEEDS_FINDING_SOLVED = 543
    NEEDS_FINDING_REASSIGNED = 544
    NEEDS_HOUSEHOLD_CHECKED = 545  # a household checked: no difficulty (findings are 542)
    NEEDS_FINDING_NOTE_ADDED = 546
    NEEDS_SETTINGS_CHANGED = 547
    NEEDS_ROUND_CLOSED = 548  # closed early by a clerk (a new round closes the old one in 541)

    # 8xx reference data and settings
    REGIONS_IMPORTED = 801
    REGION_CREATED = 802
    REGION_CHANGED = 803
    DEPARTMENT_CREATED = 810
    CALENDAR_IMPORTED = 811
    APPRAISAL_WEIGHTS_CHANGED = 820  # the county's weights of the township appraisal (考评)
    REPORT_ARCHIVED = 830  # a month's summary written to the archive (youfu/reports/archive_services.py)
    # A report asked of the job queue and its outcome (youfu/reports/job_services.py)
    REPORT_JOB_REQUESTED = 831
    REPORT_JOB_DONE = 832
    REPORT_JOB_FAILED = 833
    REPORT_JOB_STALE = 834  # failed by the system: running with no step for too long (its worker stopped)
    REPORT_JOB_EXPIRED = 835  # a done job's file removed after the days it is kept

    # 9xx security
    LOGIN_SUCCEEDED = 901
    LOGIN_FAILED = 902
    ACCOUNT_LOCKED = 903
    LOGOUT = 904
    USER_CREATED = 910
    USER_CHANGED = 911
    PASSWORD_CHANGED = 912
    ACCOUNT_UNLOCKED = 913
    PASSWORD_RESET = 914  # set by an admin, good for one sign-in (the user then chooses their own)
    TOKEN_ISSUED = 920
    TOKEN_REVOKED = 921
    SESSIONS_ENDED = 922  # every session and token of a user, after a password, lock or role change
    TOTP_ENROLLED = 930
    TOTP_REMOVED = 931
    AUDIT_EXPORTED = 941
    AUDIT_VERIFIED = 942
    # Reading beneficiaries' sensitive data is recorded like a write.
    PERSONAL_DATA_REVEALED = 950  # an unmasked ID number or bank account shown
    PERSONAL_DATA_EXPORTED = 951  # a file of personal data downloaded
    PERSONAL_DATA_VIEWED = 952  # one person's, petition's or claim's page opened (once a while)
    # Backups copy every record (youfu/backup/services.py): written, failed, restored, pruned.
    BACKUP_WRITTEN = 960
    BACKUP_FAILED = 961  # the nightly backup could not be written (the reason, no data)
    BACKUP_RESTORED = 962  # the first event of a restored database after its own history
    BACKUPS_REMOVED = 963  # nightly backups beyond the number kept, removed
    # A role that reads personal data is granted by a leader's approval (youfu/accounts/services.py):
    # asked by an admin, approved or refused by a leader, or withdrawn by an admin.
    ROLE_REQUESTED = 970
    ROLE_APPROVED = 971
    ROLE_REFUSED = 972
    ROLE_REQUEST_WITHDRAWN = 973
    # An account's lost second factor, or the password of an account that requires a second
    # factor, is given back by a leader's approval (youfu/accounts/services.py): asked by an admin,
    # approved or refused by a leader, or withdrawn by an admin. Never a password or its hash.
    RECOVERY_REQUESTED = 980
    RECOVERY_APPROVED = 981
    RECOVERY_REFUSED = 982
    RECOVERY_WITHDRAWN = 983

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
    EventType.REGISTRY_IMPORT_CHECKED: _("registry file checked, nothing imported"),
    EventType.ANNUAL_REVIEW_OPENED: _("annual confirmation opened"),
    EventType.ANNUAL_REVIEW_CONFIRMED: _("annual confirmation given"),
    EventType.ANNUAL_REVIEW_SUSPENDED: _("suspended after annual confirmation"),
    EventType.STANDARDS_IMPORTED: _("benefit standards imported"),
    EventType.TOPUP_SET: _("local top-up set"),
    EventType.BENEFIT_SETTINGS_CHANGED: _("benefit settings changed"),
    EventType.STANDARDS_APPROVED: _("benefit standards approved"),
    EventType.STANDARDS_REFUSED: _("benefit standards refused"),
    EventType.TOPUP_APPROVED: _("local top-up approved"),
    EventType.TOPUP_REFUSED: _("local top-up refused"),
    EventType.BATCH_CREATED: _("payment batch created"),
    EventType.BATCH_APPROVED: _("payment batch approved"),
    EventType.BATCH_DISCARDED: _("payment batch discarded"),
    EventType.BATCH_EXPORTED: _("bank file exported"),
    EventType.BANK_RETURNS_IMPORTED: _("bank returns imported"),
    EventType.BATCH_CLOSED: _("payment batch closed"),
    EventType.BATCH_RECONCILED: _("payments checked against a full recomputation"),
    EventType.RECOVERY_SETTLED: _("recovery settled"),
    EventType.LUMP_SUM_PAYEE_NAMED: _("lump-sum payee named"),
    EventType.ONE_OFF_SCHEDULED: _("one-off payment scheduled"),
    EventType.ONE_OFF_WITHDRAWN: _("one-off payment withdrawn"),
    EventType.RELIEF_APPLIED: _("temporary relief applied for"),
    EventType.RELIEF_STEP_APPROVED: _("temporary relief step approved"),
    EventType.RELIEF_RETURNED: _("temporary relief returned"),
    EventType.RELIEF_CANCELLED: _("temporary relief cancelled"),
    EventType.RELIEF_RESUBMITTED: _("temporary relief resubmitted"),
    EventType.RELIEF_APPROVED: _("temporary relief approved"),
    EventType.RELIEF_PAID: _("temporary relief paid"),
    EventType.RELIEF_DOCUMENT_ADDED: _("temporary relief document added"),
    EventType.RELIEF_SETTINGS_CHANGED: _("temporary relief settings changed"),
    EventType.MEDICAL_CLAIM_ENTERED: _("medical claim entered"),
    EventType.MEDICAL_CLAIM_APPROVED: _("medical claim approved"),
    EventType.MEDICAL_CLAIM_REFUSED: _("medical claim refused"),
    EventType.MEDICAL_SETTINGS_CHANGED: _("medical top-up settings changed"),
    EventType.MEDICAL_PREMIUM_RECORDED: _("medical insurance premium recorded"),
    EventType.MEDICAL_OUTPATIENT_RECORDED: _("outpatient subsidy recorded"),
    EventType.HOUSING_SURVEYED: _("home surveyed"),
    EventType.HOUSING_CASE_OPENED: _("housing case opened"),
    EventType.HOUSING_CASE_APPROVED: _("housing budget approved"),
    EventType.HOUSING_CASE_REFUSED: _("housing budget refused"),
    EventType.HOUSING_DISBURSED: _("housing money paid"),
    EventType.HOUSING_COMPLETED: _("housing case completed"),
    EventType.HOUSING_BUDGET_CHANGED: _("housing budget changed"),
    EventType.HOUSING_PHOTO_ADDED: _("housing survey photo added"),
    EventType.DISCOVERY_RESOLVED: _("entitlement finding resolved"),
    EventType.DISCOVERIES_REFRESHED: _("entitlement findings refreshed"),
    EventType.PETITION_REGISTERED: _("petition registered"),
    EventType.PETITION_ACCEPTED: _("petition accepted"),
    EventType.PETITION_DECLINED: _("petition declined"),
    EventType.PETITION_FORWARDED: _("petition forwarded"),
    EventType.PETITION_ASSIGNED: _("petition assigned"),
    EventType.PETITION_STARTED: _("petition in progress"),
    EventType.PETITION_EXTENDED: _("petition deadline extended"),
    EventType.PETITION_REPLIED: _("petition replied"),
    EventType.PETITION_REVIEW_REQUESTED: _("petition review requested"),
    EventType.PETITION_REVIEW_REPLIED: _("petition review replied"),
    EventType.PETITION_REREVIEW_REQUESTED: _("petition re-review requested"),
    EventType.PETITION_REREVIEW_REPLIED: _("petition re-review replied"),
    EventType.PETITION_CONCLUDED: _("petition concluded"),
    EventType.PETITION_LINKED_AS_REPEAT: _("petition linked as a repeat"),
    EventType.PETITION_RATED: _("petition satisfaction given"),
    EventType.PETITION_DEADLINES_RECOMPUTED: _("petition deadlines recomputed"),
    EventType.PETITION_ATTACHMENT_ADDED: _("petition attachment added"),
    EventType.PETITION_PERSON_LINKED: _("petition linked to a registered person"),
    EventType.PETITION_ROUTED: _("petition routed to a township"),
    EventType.PETITION_REMINDER_SENT: _("petition reminder sent"),
    EventType.PETITION_EXTENSION_REQUESTED: _("petition extension requested"),
    EventType.PETITION_EXTENSION_REFUSED: _("petition extension refused"),
    EventType.RECEPTION_DAY_CREATED: _("reception day created"),
    EventType.RECEPTION_DAY_CHANGED: _("reception day changed"),
    EventType.RECEPTION_DAY_CANCELLED: _("reception day cancelled"),
    EventType.PAIRING_STARTED: _("pairing started"),
    EventType.PAIRING_ENDED: _("pairing ended"),
    EventType.PAIRING_ACTIVITY_RECORDED: _("pairing activity recorded"),
    EventType.VISIT_CAMPAIGN_CREATED: _("visit campaign created"),
    EventType.VISIT_CAMPAIGN_CHANGED: _("visit campaign changed"),
    EventType.VISIT_RECORDED: _("visit recorded"),
    EventType.NEEDS_ROUND_OPENED: _("needs check round opened"),
    EventType.NEEDS_FINDING_RECORDED: _("needs check finding recorded"),
    EventType.NEEDS_FINDING_SOLVED: _("needs check finding solved"),
    EventType.NEEDS_FINDING_REASSIGNED: _("needs check finding reassigned"),
    EventType.NEEDS_HOUSEHOLD_CHECKED: _("household checked, no difficulty"),
    EventType.NEEDS_FINDING_NOTE_ADDED: _("needs check progress note added"),
    EventType.NEEDS_SETTINGS_CHANGED: _("needs check settings changed"),
    EventType.NEEDS_ROUND_CLOSED: _("needs check round closed"),
    EventType.REGIONS_IMPORTED: _("regions imported"),
    EventType.REGION_CREATED: _("region created"),
    EventType.REGION_CHANGED: _("region changed"),
    EventType.DEPARTMENT_CREATED: _("department created"),
    EventType.CALENDAR_IMPORTED: _("working-day calendar imported"),
    EventType.APPRAISAL_WEIGHTS_CHANGED: _("township appraisal weights changed"),
    EventType.REPORT_ARCHIVED: _("monthly report archived"),
    EventType.REPORT_JOB_REQUESTED: _("report asked of the job queue"),
    EventType.REPORT_JOB_DONE: _("report generated by the job queue"),
    EventType.REPORT_JOB_FAILED: _("report job failed"),
    EventType.REPORT_JOB_STALE: _("report job failed: no progress, its worker had stopped"),
    EventType.REPORT_JOB_EXPIRED: _("report job's file removed after the days it is kept"),
    EventType.LOGIN_SUCCEEDED: _("login succeeded"),
    EventType.LOGIN_FAILED: _("login failed"),
    EventType.ACCOUNT_LOCKED: _("account locked"),
    EventType.LOGOUT: _("logout"),
    EventType.USER_CREATED: _("user created"),
    EventType.USER_CHANGED: _("user changed"),
    EventType.PASSWORD_CHANGED: _("password changed"),
    EventType.ACCOUNT_UNLOCKED: _("account unlocked"),
    EventType.PASSWORD_RESET: _("password reset by the admin, to be changed at the next sign-in"),
    EventType.TOKEN_ISSUED: _("API token issued"),
    EventType.TOKEN_REVOKED: _("API token revoked"),
    EventType.SESSIONS_ENDED: _("all sessions and API tokens ended"),
    EventType.TOTP_ENROLLED: _("two-factor enrolled"),
    EventType.TOTP_REMOVED: _("two-factor removed"),
    EventType.AUDIT_EXPORTED: _("audit log exported"),
    EventType.AUDIT_VERIFIED: _("audit log verified"),
    EventType.PERSONAL_DATA_REVEALED: _("personal data revealed"),
    EventType.PERSONAL_DATA_EXPORTED: _("personal data exported"),
    EventType.PERSONAL_DATA_VIEWED: _("personal data viewed"),
    EventType.BACKUP_WRITTEN: _("backup written"),
    EventType.BACKUP_FAILED: _("backup failed"),
    EventType.BACKUP_RESTORED: _("database restored from a backup"),
    EventType.BACKUPS_REMOVED: _("old backups removed"),
    EventType.ROLE_REQUESTED: _("role asked for, waiting for a leader"),
    EventType.ROLE_APPROVED: _("role approved by a leader"),
    EventType.ROLE_REFUSED: _("role refused by a leader"),
    EventType.ROLE_REQUEST_WITHDRAWN: _("role request withdrawn"),
    EventType.RECOVERY_REQUESTED: _("account recovery asked for, waiting for a leader"),
    EventType.RECOVERY_APPROVED: _("account recovery approved by a leader"),
    EventType.RECOVERY_REFUSED: _("account recovery refused by a leader"),
    EventType.RECOVERY_WITHDRAWN: _("account recovery withdrawn"),
}
