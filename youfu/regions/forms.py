from django import forms
from django.utils.translation import gettext_lazy as _


class RegionImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (code,name,parent_code,level)"))
