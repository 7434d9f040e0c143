"""The needs-check pages' forms. They check shapes and bounds; the rules (dates against the
round, the owner, the person in the round) are the services', shown on the form by ``form_error``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.core.forms import CHOOSE, date_field
from youfu.outreach.needs.models import FindingKind
from youfu.outreach.needs.periods import PERIODS


def _choices(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", CHOOSE), *pairs]


class RoundForm(forms.Form):
    region = forms.ChoiceField(label=_("region to check"))
    name = forms.CharField(label=_("name"), max_length=100)
    due_on = date_field(_("to be checked by"))

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]


class NoDifficultyForm(forms.Form):
    checked_on = date_field(_("checked on"))
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class CloseRoundForm(forms.Form):
    closed_on = date_field(_("closed on"))


class FindingForm(forms.Form):
    beneficiary = forms.ChoiceField(label=_("person"))
    kind = forms.ChoiceField(label=_("kind of difficulty"), choices=_choices(FindingKind.choices))
    description = forms.CharField(
        label=_("the difficulty"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ChoiceField(label=_("followed up by"))
    found_on = date_field(_("found on"))
    due_on = date_field(_("to be solved by"))

    def __init__(
        self, *args: Any, people: list[tuple[str, str]], owners: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].choices = _choices(people)  # type: ignore[attr-defined]
        self.fields["owner"].choices = _choices(owners)  # type: ignore[attr-defined]


class SolveForm(forms.Form):
    solution = forms.CharField(
        label=_("how it was solved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    solved_on = date_field(_("solved on"))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("progress note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    written_on = date_field(_("date"))


class ReassignForm(forms.Form):
    owner = forms.ChoiceField(label=_("new owner"))

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _choices(owners)  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    period_months = forms.TypedChoiceField(
        label=_("a round covers"), coerce=int, choices=[(m, label) for m, label in PERIODS.items()]
    )
