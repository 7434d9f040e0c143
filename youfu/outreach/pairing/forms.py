"""The pairing pages' forms. They bound what is typed; the rules themselves (dates against the
pairing, what each kind carries) are the services', whose errors land on these fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.accounts.models import Department
from youfu.core.forms import CHOOSE, amount_field, date_field
from youfu.outreach.pairing.models import ActivityKind
from youfu.outreach.pairing.rules import MAX_ACTIVITY_COUNT, MAX_ACTIVITY_YUAN
from youfu.outreach.pairing.services import MAX_NOTE


def note_field(label: Any, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )


class PairingForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("paired department"), queryset=Department.objects.none(), empty_label=CHOOSE
    )
    # Chosen first with the registry's search (registry/_person_pick.html), then carried along.
    beneficiary = forms.IntegerField(
        label=_("registered person"), min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    started_on = date_field(_("paired on"))
    note = note_field(_("note"), required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class EndForm(forms.Form):
    ended_on = date_field(_("ended on"))
    reason = note_field(_("reason for ending"), required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", CHOOSE), *ActivityKind.choices])
    done_on = date_field(_("date"))
    amount = amount_field(
        _("amount (yuan)"),
        required=False,
        minimum=Decimal("0"),
        maximum=Decimal(MAX_ACTIVITY_YUAN),
        help_text=_("Required for financial support; project funds or a training subsidy where given."),
    )
    count = forms.IntegerField(
        label=_("number reached"),
        required=False,
        min_value=1,
        max_value=MAX_ACTIVITY_COUNT,
        help_text=_("People informed or trained, projects supported, jobs found."),
    )
    note = note_field(_("what was done"), required=True)
