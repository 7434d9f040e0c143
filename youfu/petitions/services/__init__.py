"""Writes to petitions. Each runs in one transaction with its audit record.

Every move of a petition is a row of the one transition table in ``transitions`` (which
also holds the extension request's table): the services, the pages' available actions and
the API (through these services) all read it. The modules, by concern: ``intake``
(registering and the decisions on a new matter), ``handling`` (start, reply, conclude,
satisfaction, deadlines after a calendar change), ``review`` (review and re-review, one
implementation for both stages), ``extensions``, ``attachments``, ``reception_days``.

Nothing here delays, discourages or blocks a petition: registering needs no approval and
is never rate-limited, and a matter passed down from a higher level is handled like any
other. The audit log records what changed, not what people wrote (texts stay in the
petition, which the auditor cannot read).
"""

from youfu.petitions.services.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_PUBLIC_ATTACHMENTS,
    check_upload,
    do_add_attachment,
    sniff_content_type,
)
from youfu.petitions.services.extensions import (
    do_approve_extension,
    do_extend_petition,
    do_refuse_extension,
    do_request_extension,
    live_extension,
    petition_actions,
)
from youfu.petitions.services.handling import (
    do_conclude_petition,
    do_rate_petition,
    do_reply_petition,
    do_start_petition,
    on_calendar_changed,
    recompute_deadlines,
)
from youfu.petitions.services.intake import (
    do_accept_petition,
    do_assign_petition,
    do_decline_petition,
    do_forward_petition,
    do_link_beneficiary,
    do_link_repeat,
    do_register_petition,
    do_route_petition,
    public_intake_region,
    resolve_handling_unit,
    resolve_lead,
)
from youfu.petitions.services.reception_days import (
    do_cancel_reception_day,
    do_create_reception_day,
    do_update_reception_day,
)
from youfu.petitions.services.review import (
    REREVIEW,
    REVIEW,
    STAGES,
    Stage,
    do_reply_rereview,
    do_reply_review,
    do_reply_stage,
    do_request_rereview,
    do_request_review,
    do_request_stage,
)
from youfu.petitions.services.transitions import (
    EXTENSION_TRANSITIONS,
    PETITION_TRANSITIONS,
    PUBLIC_ACTOR,
    Action,
    ExtensionAction,
    from_states,
)

__all__ = [
    "EXTENSION_TRANSITIONS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_PUBLIC_ATTACHMENTS",
    "PETITION_TRANSITIONS",
    "PUBLIC_ACTOR",
    "REREVIEW",
    "REVIEW",
    "STAGES",
    "Action",
    "ExtensionAction",
    "Stage",
    "check_upload",
    "do_accept_petition",
    "do_add_attachment",
    "do_approve_extension",
    "do_assign_petition",
    "do_cancel_reception_day",
    "do_conclude_petition",
    "do_create_reception_day",
    "do_decline_petition",
    "do_extend_petition",
    "do_forward_petition",
    "do_link_beneficiary",
    "do_link_repeat",
    "do_rate_petition",
    "do_refuse_extension",
    "do_register_petition",
    "do_reply_petition",
    "do_reply_rereview",
    "do_reply_review",
    "do_reply_stage",
    "do_request_extension",
    "do_request_rereview",
    "do_request_review",
    "do_request_stage",
    "do_route_petition",
    "do_start_petition",
    "do_update_reception_day",
    "from_states",
    "live_extension",
    "on_calendar_changed",
    "petition_actions",
    "public_intake_region",
    "recompute_deadlines",
    "resolve_handling_unit",
    "resolve_lead",
    "sniff_content_type",
]
