"""What the medical area shows on other pages (registered in ``wiring.register``): the card of
a person's page and the home page's work items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from youfu.accounts.models import User
from youfu.benefits.money import yuan
from youfu.core.roles import Capability
from youfu.core.sections import WorkItem
from youfu.registry.models import Beneficiary
from youfu.relief.medical import selectors
from youfu.relief.medical.services import county_code, holds_eligible_benefit, settings_in_force

PERSON_CARD_ROWS = 10


def person_medical_card(request: HttpRequest, person: Beneficiary) -> str | None:
    """The person's claims, this year's subsidies against the cap, whether this year's premium
    is recorded (for a disabled veteran of levels 1–6) and their outpatient subsidies. Left out
    for a person with nothing to show who may not claim."""
    user = request.user
    if not isinstance(user, User) or not user.can(Capability.READ_PERSONAL_DATA):
        return None
    today = timezone.localdate()
    rule = settings_in_force(county_code(person.region_id))
    claims = selectors.claims_for(user).filter(beneficiary=person)
    total = claims.count()
    premium_due = selectors.is_premium_person(person, today.year)
    premium = selectors.premiums_of(person).filter(year=today.year).first()
    outpatient = list(selectors.outpatient_for(user).filter(beneficiary=person)[:3])
    eligible = holds_eligible_benefit(person, today, rule.categories)
    if not (total or premium_due or premium or outpatient or eligible):
        return None
    used = selectors.cap_used_fen(person.pk, today.year)
    context: dict[str, Any] = {
        "person": person,
        "claims": list(claims[:PERSON_CARD_ROWS]),
        "more": max(0, total - PERSON_CARD_ROWS),
        "year": today.year,
        "used": yuan(used),
        "left": yuan(max(0, rule.year_cap_fen - used)),
        "cap": rule.year_cap,
        "premium_due": premium_due,
        "premium": premium,
        "outpatient": outpatient,
        "can_enter": user.can(Capability.WRITE_RECORDS) and eligible,
    }
    return render_to_string("relief/medical/_person_section.html", context, request=request)


def medical_work(user: User) -> Iterable[WorkItem]:
    """Leaders: claims waiting for their decision. Clerks: this year's missing premiums in scope."""
    items: list[WorkItem] = []
    if user.can(Capability.APPROVE):
        waiting = selectors.claims_waiting_for(user).count()
        url = reverse("relief_medical:claims") + "?state=pending"
        items.append(WorkItem(_("medical claims to approve"), waiting, url, urgent=True))
    if user.can(Capability.WRITE_RECORDS):
        year = timezone.localdate().year
        missing = selectors.premium_people_for(user, year, covered=False).count()
        url = reverse("relief_medical:premiums") + f"?year={year}&covered=no"
        items.append(
            WorkItem(
                _("disabled veterans without a medical insurance premium for %(year)s") % {"year": year},
                missing,
                url,
            )
        )
    return items
