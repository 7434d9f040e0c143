"""The registry's one search box: name, pinyin, initials, ID number (or its tail), phone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from youfu.core.crypto import decrypt
from youfu.core.idnumber import normalize_id_number
from youfu.core.text import compact
from youfu.registry.models import Beneficiary
from youfu.registry.selectors import beneficiaries_for
from youfu.registry.services import id_number_index

_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class SearchFilters:
    township: str = ""  # region code
    village: str = ""
    category: str = ""
    disability_level: int | None = None
    status: str = ""  # person status alive|deceased, or qualification status active|suspended|ended
    residence: str = ""


def search_beneficiaries(
    user: Any, query: str = "", filters: SearchFilters | None = None
) -> QuerySet[Beneficiary]:
    qs = beneficiaries_for(user)
    f = filters or SearchFilters()
    if f.township:
        qs = qs.filter(township_id=f.township)
    if f.village:
        qs = qs.filter(region_id=f.village)
    if f.residence:
        qs = qs.filter(residence=f.residence)
    if f.status in ("alive", "deceased"):
        qs = qs.filter(status=f.status)
    qual = Q()
    if f.category:
        qual &= Q(qualifications__category=f.category)
    if f.disability_level:
        qual &= Q(qualifications__disability_level=f.disability_level)
    if f.status in ("active", "suspended", "ended"):
        qual &= Q(qualifications__status=f.status)
    if qual:
        qs = qs.filter(pk__in=Beneficiary.objects.filter(qual).values("pk"))
    text = compact(query)
    if not text:
        return qs
    return _match(qs, text)


def _match(qs: QuerySet[Beneficiary], text: str) -> QuerySet[Beneficiary]:
    number = normalize_id_number(text)
    if re.fullmatch(r"\d{17}[\dX]", number):
        return qs.filter(id_number_index=id_number_index(number))
    if re.fullmatch(r"\d{3,5}[\dX]", number):
        # The last 4–6 characters of an ID number: candidates by the readable last four,
        # then the full number decrypted for the few that share them.
        tail = number[-4:]
        candidates = list(qs.filter(id_number_last4=tail).values_list("pk", "id_number_encrypted")[:2000])
        matching = [pk for pk, token in candidates if decrypt(token).endswith(number)]
        by_tail = Q(pk__in=matching)
        return qs.filter(by_tail | Q(phone__endswith=number)) if number.isdigit() else qs.filter(by_tail)
    if text.isdigit():
        return qs.filter(phone__startswith=text) if len(text) < 11 else qs.filter(phone=text)
    if _HAN.search(text):
        return qs.filter(name__startswith=text)
    letters = text.lower()
    if letters.isascii() and letters.isalpha():
        return qs.filter(Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters))
    return qs.filter(name__startswith=text)
