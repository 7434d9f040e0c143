"""The resolve form: acted (with the record that shows what was done) or not applicable (with why).

The reference is chosen among the records that may resolve the finding (``selectors.
reference_choices``) and posted as the same "kind:id" string the API takes: the service stays
the one check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.relief.discoveries.models import Outcome
from youfu.relief.discoveries.services import MAX_NOTE


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    reference = forms.CharField(
        label=_("Record of what was done"),
        max_length=40,
        required=False,
        initial="",
        widget=forms.RadioSelect,
        help_text=_("The record that shows it, when it is acted on."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when it does not apply: say why."),
    )

    def __init__(self, *args: Any, references: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = ("", _("No record: described in the note"))
        self.fields["reference"].widget.choices = [*references, none]
        self.has_references = bool(references)
