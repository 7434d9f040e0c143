"""Every write of the medical area (``do_*``, each checking the role, the scope and the
rules, in one transaction with its audit record), and the figures a form previews."""

from youfu.relief.medical.services.claims import (
    check_eligible,
    clean_refusal_reason,
    do_approve_claim,
    do_enter_claim,
    do_refuse_claim,
    holds_eligible_benefit,
    mark_claims_paid,
    preview_claim,
    reference_of,
)
from youfu.relief.medical.services.exports import (
    do_export_claims,
    do_export_outpatient,
    do_export_premiums,
    export_totals,
)
from youfu.relief.medical.services.settings import (
    CATEGORY_CHOICES,
    RuleSettings,
    county_code,
    do_change_medical_settings,
    parse_categories,
    parse_target,
    parse_year_cap,
    settings_history,
    settings_in_force,
)
from youfu.relief.medical.services.yearly import (
    OutpatientInput,
    clean_amount,
    clean_outpatient,
    clean_year,
    do_record_outpatient,
    do_record_premium,
)

__all__ = [
    "CATEGORY_CHOICES",
    "OutpatientInput",
    "RuleSettings",
    "check_eligible",
    "clean_amount",
    "clean_outpatient",
    "clean_refusal_reason",
    "clean_year",
    "county_code",
    "do_approve_claim",
    "do_change_medical_settings",
    "do_enter_claim",
    "do_export_claims",
    "do_export_outpatient",
    "do_export_premiums",
    "do_record_outpatient",
    "do_record_premium",
    "do_refuse_claim",
    "export_totals",
    "holds_eligible_benefit",
    "mark_claims_paid",
    "parse_categories",
    "parse_target",
    "parse_year_cap",
    "preview_claim",
    "reference_of",
    "settings_history",
    "settings_in_force",
]
