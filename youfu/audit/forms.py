from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.audit.events import EventType
from youfu.core.bounds import validate_date_in_range


def _type_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(str(int(t)), f"{int(t)} {t.label}") for t in EventType]


class AuditSearchForm(forms.Form):
    event_type = forms.TypedChoiceField(
        label=_("Event type"), choices=_type_choices, coerce=int, required=False, empty_value=None
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_in_range],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_in_range],
    )
