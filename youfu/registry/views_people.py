from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from youfu.registry.search import search_beneficiaries


@login_required
def beneficiary_list_view(request: HttpRequest) -> HttpResponse:
    people = search_beneficiaries(request.user, request.GET.get("q", ""))[:50]
    return render(request, "registry/list.html", {"people": people})
