from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The empty entry of a drop-down, instead of Django's "---------": a required choice says
# "choose", an optional one says what leaving it empty means.
CHOOSE = _("— choose —")
NONE_CHOSEN = _("— none —")

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
