"""The relief pages' forms: the list's filters, an application (new or corrected), each
step's note or reason, and the leader's settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.benefits.money import to_fen
from youfu.core.forms import CHOOSE, amount_field, date_field
from youfu.registry.categories import Category
from youfu.relief.grants.models import ChainStep, GrantState, ReliefReason
from youfu.relief.grants.services import MAX_DOCUMENTS, Application

ALL = _("— all —")


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("state"), required=False, choices=[("", ALL), *GrantState.choices])
    next_step = forms.ChoiceField(
        label=_("next step"), required=False, choices=[("", ALL), *ChainStep.choices]
    )
    reason = forms.ChoiceField(label=_("reason"), required=False, choices=[("", ALL), *ReliefReason.choices])
    township = forms.ChoiceField(label=_("township"), required=False)
    year = forms.TypedChoiceField(label=_("year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", ALL), *townships]  # type: ignore[attr-defined]
        self.fields["year"].choices = [("", ALL), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_DOCUMENTS:
            raise forms.ValidationError(
                _("At most %(n)d documents.") % {"n": MAX_DOCUMENTS}, code="too_many_documents"
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ApplicationForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=[("", CHOOSE), *ReliefReason.choices])
    amount = amount_field(_("amount (yuan)"))
    applied_on = date_field(_("applied on"))
    note = forms.CharField(
        label=_("circumstances"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    documents = MultipleFileField(
        label=_("documents (JPEG, PNG or PDF, 10 MB each)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def application(self) -> Application:
        data = self.cleaned_data
        return Application(
            reason=data["reason"],
            amount_fen=to_fen(data["amount"]),
            applied_on=data["applied_on"],
            note=data["note"].strip(),
        )


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DocumentsForm(forms.Form):
    documents = MultipleFileField(
        label=_("documents (JPEG, PNG or PDF, 10 MB each)"),
        widget=MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )


class SettingsForm(forms.Form):
    case_cap = amount_field(_("cap per case (yuan)"))
    year_cap = amount_field(_("cap per person and calendar year (yuan)"))
    leader_above = amount_field(_("a leader approves amounts above (yuan)"), minimum=Decimal("0"))
    categories = forms.MultipleChoiceField(
        label=_("eligible categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "case_cap_fen": to_fen(data["case_cap"]),
            "year_cap_fen": to_fen(data["year_cap"]),
            "leader_above_fen": to_fen(data["leader_above"]),
            "categories": list(data["categories"]),
        }
