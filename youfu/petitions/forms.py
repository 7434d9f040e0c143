from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.accounts.models import Department, User
from youfu.core.forms import CHOOSE, NONE_CHOSEN, date_field
from youfu.petitions.deadlines import MAX_EXTENSION_DAYS
from youfu.petitions.models import Category, Channel, ReceptionDay, Satisfaction
from youfu.regions.models import Region

PETITIONER_ROWS = 5


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    received_on = date_field(_("received on"))
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    region = forms.ModelChoiceField(label=_("township"), queryset=Region.objects.none(), empty_label=CHOOSE)
    subject = forms.CharField(label=_("subject"), max_length=200)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    group_size = forms.IntegerField(
        label=_("number of petitioners"), min_value=1, max_value=100_000, required=False
    )
    referred_by = forms.CharField(label=_("referred by (higher level)"), max_length=200, required=False)
    reception = forms.ModelChoiceField(
        label=_("reception day"),
        queryset=ReceptionDay.objects.none(),
        required=False,
        empty_label=NONE_CHOSEN,
    )

    def __init__(self, *args: Any, regions: Any, receptions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["reception"].queryset = receptions  # type: ignore[attr-defined]
        for i in range(PETITIONER_ROWS):
            self.fields[f"name_{i}"] = forms.CharField(label=_("name"), max_length=50, required=False)
            self.fields[f"phone_{i}"] = forms.CharField(label=_("phone"), max_length=20, required=False)
            self.fields[f"id_number_{i}"] = forms.CharField(
                label=_("ID number"), max_length=20, required=False
            )
            self.fields[f"representative_{i}"] = forms.BooleanField(label=_("representative"), required=False)

    def petitioner_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"name_{i}"], self[f"phone_{i}"], self[f"id_number_{i}"], self[f"representative_{i}"]]
            for i in range(PETITIONER_ROWS)
        ]

    def raw_petitioners(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "name": data[f"name_{i}"],
                "phone": data[f"phone_{i}"],
                "id_number": data[f"id_number_{i}"],
                "is_representative": data[f"representative_{i}"],
            }
            for i in range(PETITIONER_ROWS)
            if data.get(f"name_{i}")
        ]


class UnitAndLead(forms.Form):
    handling_unit = forms.ModelChoiceField(
        label=_("handling unit"), queryset=Department.objects.none(), empty_label=CHOOSE
    )
    lead = forms.ModelChoiceField(label=_("lead"), queryset=User.objects.none(), empty_label=CHOOSE)

    def __init__(self, *args: Any, units: Any = None, leads: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["handling_unit"].queryset = units  # type: ignore[attr-defined]
        if leads is not None:
            self.fields["lead"].queryset = leads  # type: ignore[attr-defined]


class AcceptForm(UnitAndLead):
    accepted_on = date_field(_("accepted on"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handling_unit"].required = False
        self.fields["lead"].required = False
        self.order_fields(["accepted_on", "handling_unit", "lead", "note"])


class AssignForm(UnitAndLead):
    assigned_on = date_field(_("assigned on"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class DeclineForm(forms.Form):
    declined_on = date_field(_("declined on"))
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    notice_text = forms.CharField(
        label=_("notice to the petitioner"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    earlier_case = forms.IntegerField(label=_("earlier case number (Art. 36)"), required=False)


class ForwardForm(forms.Form):
    forwarded_on = date_field(_("forwarded on"))
    forwarded_to = forms.CharField(label=_("forwarded to"), max_length=200)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class StartForm(forms.Form):
    started_on = date_field(_("started on"))


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("days"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(
        label=_("reason (shown to the petitioner)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveExtensionForm(forms.Form):
    """Approving needs no input: the request carries the days and the reason."""


class RefuseExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for the refusal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    replied_on = date_field(_("replied on"))
    text = forms.CharField(label=_("reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))


class RequestForm(forms.Form):
    requested_on = date_field(_("requested on"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class ConcludeForm(forms.Form):
    concluded_on = date_field(_("concluded on"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LinkRepeatForm(forms.Form):
    original = forms.IntegerField(label=_("original case number"))


class RouteForm(forms.Form):
    region = forms.ModelChoiceField(label=_("township"), queryset=Region.objects.none(), empty_label=CHOOSE)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class BeneficiaryForm(forms.Form):
    beneficiary = forms.IntegerField(label=_("registered person (number)"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file (JPEG, PNG or PDF, at most 10 MB)"))


class ReceptionDayForm(forms.Form):
    date = date_field(_("date"))
    time = forms.CharField(label=_("time"), max_length=40, required=False)
    place = forms.CharField(label=_("place"), max_length=200)
    leader = forms.ModelChoiceField(
        label=_("leader"), queryset=User.objects.none(), required=False, empty_label=NONE_CHOSEN
    )
    leader_name = forms.CharField(label=_("leader's name"), max_length=100, required=False)
    leader_title = forms.CharField(label=_("title"), max_length=100, required=False)
    topics = forms.CharField(
        label=_("topics"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, leaders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if leaders is not None:
            self.fields["leader"].queryset = leaders  # type: ignore[attr-defined]


class CancelReceptionDayForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for the cancellation"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StatsForm(forms.Form):
    start = date_field(_("from"), required=False)
    end = date_field(_("to"), required=False)


# --- the public form ----------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class PublicPetitionForm(forms.Form):
    name = forms.CharField(label=_("your name"), max_length=50)
    phone = forms.CharField(label=_("phone"), max_length=20)
    id_number = forms.CharField(label=_("ID number (optional)"), max_length=20, required=False)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    subject = forms.CharField(label=_("subject"), max_length=200)
    content = forms.CharField(
        label=_("your request, facts and reasons"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    attachments = MultipleFileField(
        label=_("attachments (up to 5 images or PDFs, 10 MB each)"), required=False
    )


class LookupForm(forms.Form):
    receipt_code = forms.CharField(
        label=_("receipt code"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone_tail = forms.CharField(
        label=_("last 4 digits of your phone number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PublicRateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("your assessment"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
