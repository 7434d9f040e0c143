"""The appraisal's one write: a county's leader sets the weights (setting is the approval), a new
version in force from now, audited with the weights that changed."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from youfu.accounts.models import User
from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, Role, require
from youfu.regions.models import Region, RegionLevel
from youfu.reports.appraisal import MAX_WEIGHT, MEASURE_KEYS, weights_in_force
from youfu.reports.appraisal_models import NOTE_LENGTH, AppraisalWeights


def leader_county(user: User) -> Region:
    """Only a county's leader sets its appraisal weights (as the relief and medical settings)."""
    if user.role != Role.LEADER or user.region is None or user.region.level != RegionLevel.COUNTY:
        raise PermissionDenied(Message(gettext_noop("Only a county's leader sets the appraisal weights.")))
    return user.region


# An unknown measure is named in the error up to this many times: a body of a thousand made-up
# keys gets a short answer, not a thousand fields.
MAX_NAMED_UNKNOWN = 10


def check_weights(weights: Mapping[str, object]) -> dict[str, int]:
    """Every measure, each a whole number 0–100, at least one above 0, and no other key; a 400
    naming the fields. The one rule of the weights: the page's form and the API both reach it
    through ``do_set_appraisal_weights``."""
    fields: dict[str, Message] = {}
    unknown = [str(key) for key in weights if key not in MEASURE_KEYS]
    for key in unknown[:MAX_NAMED_UNKNOWN]:
        fields[key[:40]] = Message(gettext_noop("not a measure of the appraisal"))
    clean: dict[str, int] = {}
    for key in MEASURE_KEYS:
        value = weights.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            fields[key] = Message(gettext_noop("a whole number from 0 to 100"))
        else:
            clean[key] = value
    if not fields and not any(clean.values()):
        raise InvalidInput(
            Message(gettext_noop("Give at least one measure a weight above 0.")),
            code="invalid_weights",
            fields={"weights": Message(gettext_noop("give at least one measure a weight above 0"))},
        )
    if fields:
        raise InvalidInput(
            Message(gettext_noop("These weights are not valid: %(fields)s."), {"fields": ", ".join(fields)}),
            code="invalid_weights",
            fields=fields,
        )
    return clean


def check_note(note: str) -> str:
    if len(note) > NOTE_LENGTH:
        message = Message(gettext_noop("At most %(n)d characters."), {"n": NOTE_LENGTH})
        raise InvalidInput(message, code="too_long", fields={"note": message})
    return note.strip()


def do_set_appraisal_weights(
    *, acting_user: User, weights: Mapping[str, object], note: str = ""
) -> AppraisalWeights:
    """A new version of the county's weights, with the leader's note on why; nothing is written
    when the weights do not change (a note alone makes no version)."""
    require(acting_user, Capability.APPROVE)
    county = leader_county(acting_user)
    after = check_weights(weights)
    note = check_note(note)
    with transaction.atomic():
        # One writer at a time per county: the version numbers stay a gap-free sequence.
        Region.objects.select_for_update().filter(code=county.code).first()
        current = weights_in_force(county.code)
        before = dict(current.weights)
        if after == before:
            return current
        latest = AppraisalWeights.objects.filter(county=county).aggregate(n=Max("number"))["n"] or 0
        version = AppraisalWeights.objects.create(
            county=county, number=latest + 1, weights=after, set_by=acting_user, note=note
        )
        changed = sorted(k for k in MEASURE_KEYS if before.get(k) != after[k])
        record_event(
            EventType.APPRAISAL_WEIGHTS_CHANGED,
            actor=acting_user,
            region=county,
            obj=version,
            old={k: before.get(k) for k in changed},
            new={k: after[k] for k in changed},
            # The note stays on the version: the log says only that one was written.
            extra={
                "version": version.number,
                "defaults_before": current.pk is None,
                "note_given": bool(note),
            },
        )
    return version
