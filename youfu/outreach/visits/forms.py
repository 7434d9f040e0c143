"""The campaign form and the quick visit form. The forms bound and parse; the rules are the
service's (``campaign_refusal``, ``visit_refusal``), whose errors the views put on the form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from youfu.core.forms import CHOOSE, amount_field, date_field
from youfu.outreach.visits.models import MAX_VISIT_MONEY_FEN, VisitTarget
from youfu.outreach.visits.services import MAX_AGE
from youfu.regions.models import Region
from youfu.registry.categories import Category


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": "2027年春节走访慰问"})
    )
    starts_on = date_field(_("starts on"))
    ends_on = date_field(_("ends on"))
    categories = forms.MultipleChoiceField(
        label=_("categories to visit"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    min_age = forms.IntegerField(
        label=_("aged at least"),
        min_value=0,
        max_value=MAX_AGE,
        required=False,
        help_text=_("on the first day; leave empty for every age"),
    )
    region = RegionChoiceField(label=_("region"), queryset=Region.objects.none(), empty_label=None)

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regions


class CampaignChangeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    ends_on = date_field(_("ends on"))


# The quick form lists this many of the not-visited targets (narrowed by township and name);
# any not-visited target the user may see is accepted.
MAX_OPTIONS = 300


def target_label(target: VisitTarget) -> str:
    person = target.beneficiary
    place = person.township.name
    if person.region_id != person.township_id:
        place = f"{place} {person.region.name}"
    return f"{person.name}（{place}）"


class VisitForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("person visited"), queryset=VisitTarget.objects.none(), empty_label=CHOOSE
    )
    visited_on = date_field(_("visited on"))
    visitors = forms.CharField(
        label=_("visitors"), max_length=200, help_text=_("the names of those who made the visit")
    )
    money = amount_field(
        _("money (yuan)"), required=False, minimum=Decimal("0"), maximum=Decimal(MAX_VISIT_MONEY_FEN) / 100
    )
    goods = forms.CharField(label=_("goods"), max_length=200, required=False)

    def __init__(
        self, *args: Any, targets: QuerySet[VisitTarget], shown: list[VisitTarget], **kwargs: Any
    ) -> None:
        """``targets``: every target the form accepts; ``shown``: the options listed."""
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = targets
        field.widget.choices = [("", CHOOSE), *((t.pk, target_label(t)) for t in shown)]
