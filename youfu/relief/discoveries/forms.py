"""The resolve form: acted (with a reference to what was done) or not applicable (with why)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.relief.discoveries.models import Outcome
from youfu.relief.discoveries.services import MAX_NOTE


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        required=False,
        help_text=_('What was done, as kind:id: "qualification:123", "housing_case:45", "premium:7".'),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when it does not apply: say why."),
    )
