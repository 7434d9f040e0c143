from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from youfu.core.bounds import MAX_AMOUNT, validate_date_in_range

# The empty entry of a drop-down, instead of Django's "---------": a required choice says
# "choose", an optional one says what leaving it empty means.
CHOOSE = _("— choose —")
NONE_CHOSEN = _("— none —")


class DateInput(forms.DateInput):
    """The browser's date picker; the value goes back as ISO (2025-03-01) whatever the language."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    """A date typed with the picker, refused outside the years a record may carry."""
    return forms.DateField(
        label=label, required=required, widget=DateInput(), validators=[validate_date_in_range]
    )


def amount_field(
    label: Any,
    *,
    required: bool = True,
    minimum: Decimal = Decimal("0.01"),
    maximum: Decimal = MAX_AMOUNT,
    help_text: Any = "",
) -> forms.DecimalField:
    """An amount in yuan with two decimals, from ``minimum`` to ``maximum``; a refusal says the
    limit in yuan (not Django's "no more than 8 digits in total")."""
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=minimum,
        max_value=maximum,
        decimal_places=2,
        help_text=help_text,
        error_messages={
            "min_value": _("The amount is at least %(limit_value)s yuan."),
            "max_value": _("The amount is at most %(limit_value)s yuan."),
            "max_decimal_places": _("Amounts are in yuan with at most two decimals (fen)."),
            "invalid": _("Enter an amount in yuan, e.g. 1200.50."),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


# A year's notice is a few dozen rows; anything much larger is the wrong file.
MAX_CALENDAR_BYTES = 1024 * 1024


class CalendarImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (date,kind,name)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_CALENDAR_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 1 MB: a year's notice is a few dozen rows.")
            )
        return upload
