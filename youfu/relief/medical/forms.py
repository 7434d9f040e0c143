"""The medical pages' forms. They parse what was typed; the rules (dates, amounts, payments
over cost) are the ones the API uses (``validation.clean_claim``, ``services.clean_*``), so a
page and a script are refused for the same reasons, in the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.errors import InvalidInput, YoufuError
from youfu.core.forms import DateInput
from youfu.core.views import form_error
from youfu.registry.categories import Category
from youfu.relief.medical.services import (
    CATEGORY_CHOICES,
    clean_amount,
    clean_outpatient,
    clean_refusal_reason,
    clean_year,
    parse_categories,
    parse_target,
    parse_year_cap,
)
from youfu.relief.medical.validation import HOSPITAL_MAX, clean_claim

DATE = DateInput()
AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00", "size": 12})


def report(form: forms.Form, exc: YoufuError) -> None:
    """A refusal on the form: each field's reason beside it and the whole message on top."""
    form_error(form, exc)
    if any(name in form.fields for name in exc.fields):
        form.add_error(None, str(exc.message))


def _amount_field(label: str | Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=20, widget=AMOUNT)


class ClaimForm(forms.Form):
    beneficiary = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    hospital = forms.CharField(label=_("Hospital"), max_length=HOSPITAL_MAX)
    admitted_on = forms.DateField(label=_("Admitted on"), widget=DATE)
    discharged_on = forms.DateField(label=_("Left hospital on"), widget=DATE)
    total_cost = _amount_field(_("Total cost (yuan)"))
    insurance_paid = _amount_field(_("Paid by basic medical insurance (yuan)"))
    serious_illness_paid = _amount_field(_("Paid by serious-illness insurance (yuan)"))
    other_paid = _amount_field(_("Paid by others (yuan)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["claim"] = clean_claim(
                hospital=data.get("hospital"),
                admitted_on=data.get("admitted_on"),
                discharged_on=data.get("discharged_on"),
                total_cost=data.get("total_cost"),
                insurance_paid=data.get("insurance_paid"),
                serious_illness_paid=data.get("serious_illness_paid"),
                other_paid=data.get("other_paid"),
            )
        except InvalidInput as exc:
            report(self, exc)
        return data


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the claim is refused"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_reason(self) -> str:
        try:
            return clean_refusal_reason(self.cleaned_data.get("reason"))
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.message)) from None


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class PremiumForm(forms.Form):
    beneficiary = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    year = _year_field()
    amount = _amount_field(_("Premium (yuan)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["year"] = clean_year(data["year"])
            data["amount_fen"] = clean_amount(data["amount"])
        except InvalidInput as exc:
            form_error(self, exc)
        return data


class OutpatientForm(forms.Form):
    beneficiary = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    year = _year_field()
    amount = _amount_field(_("Amount (yuan)"))
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["outpatient"] = clean_outpatient(
                data["year"], data["amount"], data["paid_on"], data.get("note")
            )
        except InvalidInput as exc:
            form_error(self, exc)
        return data


class SettingsForm(forms.Form):
    target = forms.CharField(label=_("Target (percent of the total cost)"), max_length=10)
    year_cap = forms.CharField(label=_("Yearly cap per person (yuan)"), max_length=20)
    categories = forms.MultipleChoiceField(
        label=_("Who may claim"),
        choices=[(c, Category(c).label) for c in CATEGORY_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, parse, key in (
            ("target", parse_target, "target_bp"),
            ("year_cap", parse_year_cap, "year_cap_fen"),
            ("categories", parse_categories, "categories_clean"),
        ):
            if name in data:
                try:
                    data[key] = parse(data[name])
                except InvalidInput as exc:
                    self.add_error(name, str(exc.message))
        return data
