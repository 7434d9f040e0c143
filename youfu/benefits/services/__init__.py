"""Writes to benefits. Each is one transaction and writes its audit record in it.

By concern: ``standards`` (standards and the county top-up, maker-checker),
``start_month`` (the county's settings and the month payments start), ``batches``,
``bank_files`` (bank files out, returns back), ``recoveries`` (recoveries and lump sums),
``one_offs`` (relief grants and medical claims paid through the batches);
``common`` holds the county check and the batch's compare-and-set move.
"""

from youfu.benefits.services.bank_files import (
    RETURN_COLUMNS,
    TOTAL_MARK,
    BankStatus,
    bank_file_name,
    bank_statuses,
    do_export_batch,
    do_export_batch_per_bank,
    do_import_bank_returns,
    may_send_bank_files,
    write_bank_file,
)
from youfu.benefits.services.batches import (
    batch_summary,
    do_approve_batch,
    do_close_batch,
    do_create_batch,
    do_discard_batch,
)
from youfu.benefits.services.one_offs import do_schedule_one_off, do_withdraw_one_off, next_batch_month
from youfu.benefits.services.recoveries import (
    do_export_recoveries,
    do_name_lump_sum_payee,
    do_settle_recovery,
)
from youfu.benefits.services.standards import (
    STANDARD_COLUMNS,
    StandardsImportResult,
    describe_standard_key,
    do_approve_standards,
    do_approve_topup,
    do_import_standards,
    do_refuse_standards,
    do_refuse_topup,
    do_set_topup,
    parse_topup,
)
from youfu.benefits.services.start_month import (
    do_update_benefit_settings,
    payments_start,
    settings_for,
    start_month_fixed,
)

__all__ = [
    "RETURN_COLUMNS",
    "STANDARD_COLUMNS",
    "TOTAL_MARK",
    "BankStatus",
    "StandardsImportResult",
    "bank_file_name",
    "bank_statuses",
    "batch_summary",
    "describe_standard_key",
    "do_approve_batch",
    "do_approve_standards",
    "do_approve_topup",
    "do_close_batch",
    "do_create_batch",
    "do_discard_batch",
    "do_export_batch",
    "do_export_batch_per_bank",
    "do_export_recoveries",
    "do_import_bank_returns",
    "do_import_standards",
    "do_name_lump_sum_payee",
    "do_refuse_standards",
    "do_refuse_topup",
    "do_schedule_one_off",
    "do_set_topup",
    "do_settle_recovery",
    "do_update_benefit_settings",
    "do_withdraw_one_off",
    "may_send_bank_files",
    "next_batch_month",
    "parse_topup",
    "payments_start",
    "settings_for",
    "start_month_fixed",
    "write_bank_file",
]
