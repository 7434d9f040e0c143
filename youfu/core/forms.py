from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from youfu.core.bounds import MAX_AMOUNT, validate_date_in_range

# The empty entry of a drop-down, instead of Django's "---------": a required choice says
# "choose", an optional one says what leaving it empty means.
CHOOSE = _("— choose —")
NONE_CHOSEN = _("— none —")


class ManyOptionsSelect(forms.Select):
    """A select of many options (a county's few hundred villages, grouped by township), written
    out in Python. Django renders each option through a template of its own: for a county clerk's
    search form that was about 8 ms of every search page (the load bench, bench/README.md); 300
    villages take 13 ms through the templates and 1.5 ms here. Same
    markup as ``forms.Select`` for one chosen value: options, optgroups, ``selected``, the attrs."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        values = value if isinstance(value, list | tuple) else [value]
        chosen = {"" if v is None else str(v) for v in values}  # None is the empty choice, as Django has it

        def option(v: Any, label: Any) -> str:
            selected = " selected" if str(v) in chosen else ""
            return f'<option value="{escape(v)}"{selected}>{escape(label)}</option>'

        parts = []
        for group, inner in self.choices:
            if isinstance(inner, list | tuple):
                grouped = "".join(option(v, lb) for v, lb in inner)
                parts.append(f'<optgroup label="{escape(group)}">{grouped}</optgroup>')
            else:
                parts.append(option(group, inner))
        final = self.build_attrs(self.attrs, attrs)
        # Every value, label and attribute above is escaped.
        return mark_safe(f'<select name="{escape(name)}"{flatatt(final)}>{"".join(parts)}</select>')  # noqa: S308


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
