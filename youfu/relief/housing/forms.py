"""The housing pages' forms: they parse and bound the input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.benefits.money import to_fen
from youfu.core.forms import amount_field, date_field
from youfu.relief.housing.models import CaseKind, Grade
from youfu.relief.housing.photos import MAX_PHOTO_BYTES
from youfu.relief.housing.services import MAX_PHOTOS_PER_SURVEY


class PersonField(forms.IntegerField):
    """A registered person by number (the person page's links fill it in)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("registered person (number)"),
            min_value=1,
            max_value=2**62,
            widget=forms.HiddenInput,
            **kwargs,
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (the content is checked by the service, which re-encodes them)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS_PER_SURVEY:
            raise forms.ValidationError(
                _("At most %(n)d photos.") % {"n": MAX_PHOTOS_PER_SURVEY}, code="too_many_photos"
            )
        cleaned = [single(f, initial) for f in files]
        for f in cleaned:
            if f is not None and f.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(_("%(name)s is larger than 10 MB.") % {"name": f.name})
        return [f for f in cleaned if f is not None]


class SurveyForm(forms.Form):
    beneficiary = PersonField()
    grade = forms.ChoiceField(label=_("grade"), choices=Grade.choices, widget=forms.RadioSelect)
    surveyed_on = date_field(_("surveyed on"))
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    photos = PhotosField(label=_("photos (JPEG or PNG)"), required=False)


class PhotoForm(forms.Form):
    file = forms.FileField(
        label=_("photo (JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class CaseForm(forms.Form):
    beneficiary = PersonField()
    kind = forms.ChoiceField(label=_("kind"), choices=CaseKind.choices, widget=forms.RadioSelect)
    budget = amount_field(_("budget (yuan)"))
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )

    def budget_fen(self) -> int:
        return to_fen(self.cleaned_data["budget"])


# --- the case page's actions (one form per action of the transition table) ----------------


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500)


class BudgetForm(forms.Form):
    budget = amount_field(_("new budget (yuan)"))
    reason = forms.CharField(label=_("reason"), max_length=500)


class DisburseForm(forms.Form):
    amount = amount_field(_("amount (yuan)"))
    paid_on = date_field(_("paid on"))
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class CompleteForm(forms.Form):
    completed_on = date_field(_("completed on"))
